"""Media processing time is measured, by step and outcome."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from metrics_samples import current, value

from oneway.media import tasks
from oneway.media.models import MediaItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_transcriber(settings: Any) -> None:
    settings.TRANSCRIBER = "media.test_transcribe.EchoTranscriber"


def test_processing_and_transcription_seconds_are_observed(
    make_item: Callable[..., MediaItem], samples: dict[str, Path]
) -> None:
    item = make_item(samples["h264-aac.mp4"])
    name = "oneway_media_processing_seconds_count"
    before = current()
    assert tasks.media_process.call_local(item.pk) == "ready"
    assert tasks.media_transcribe.call_local(item.pk) == "ready"
    # A job with nothing to do is not processing time.
    assert tasks.media_process.call_local(item.pk) == "skipped"
    after = current()
    for step in ("render", "transcribe"):
        observed = value(after, name, step=step, outcome="ready")
        assert observed - value(before, name, step=step, outcome="ready") == 1
    assert value(after, "oneway_media_processing_seconds_sum", step="render", outcome="ready") > 0
