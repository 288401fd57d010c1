"""Reading Prometheus metrics in tests: every sample of every process, as a dict."""

from prometheus_client.parser import text_string_to_metric_families

from oneway.core.metrics import exposition

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def current() -> Samples:
    """What a scrape would show now (the metrics folder is shared by test processes, so
    compare before and after rather than absolute values)."""
    return parse(exposition()[0].decode())


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)
