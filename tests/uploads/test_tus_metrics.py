"""Acknowledged upload data is counted: chunks, bytes, uploads created and completed."""

from conftest import TusTestClient
from metrics_samples import current, value


def test_chunks_bytes_and_uploads_are_counted(tus: TusTestClient) -> None:
    before = current()
    url = tus.new(length=300)
    assert tus.patch(url, 0, b"\x1a\x45\xdf\xa3" + b"a" * 96).status_code == 204
    assert tus.patch(url, 100, b"b" * 100).status_code == 204
    # A refused chunk (wrong offset) is not counted.
    assert tus.patch(url, 0, b"c" * 100).status_code == 409
    assert tus.patch(url, 200, b"d" * 100).status_code == 204
    after = current()

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("oneway_upload_chunks_total") == 3
    assert delta("oneway_upload_bytes_total") == 300
    assert delta("oneway_uploads_total", event="created") == 1
    assert delta("oneway_uploads_total", event="completed") == 1
