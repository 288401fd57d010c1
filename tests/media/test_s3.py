"""The pipeline on S3-compatible storage (a real ``weed mini`` server on 127.0.0.1)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.files.storage import default_storage
from django.test import Client

from media.answers import attach_to_answer
from oneway.accounts.models import User
from oneway.media import jobs
from oneway.media.models import MediaItem, ProcessingState, TranscriptState
from oneway.media.probe import probe_file
from oneway.media.render import moov_before_mdat
from oneway.media.signing import media_url

pytestmark = [pytest.mark.s3, pytest.mark.django_db]


def test_pipeline_and_serving_on_s3(
    s3_storage: Any,
    make_item: Callable[..., MediaItem],
    samples: dict[str, Path],
    reviewer: User,
    reviewer_client: Client,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.TRANSCRIBER = "media.test_transcribe.EchoTranscriber"
    item = make_item(samples["h264-opus.mkv"], keep_original=False)
    assert type(default_storage._wrapped).__name__ == "S3Storage"
    assert jobs.process_item(item.pk) == "ready"
    assert jobs.transcribe_item(item.pk) == "ready"
    item.refresh_from_db()
    assert item.state == ProcessingState.READY
    assert item.transcript_state == TranscriptState.READY
    for name in (item.rendition_name, item.poster_name, item.captions_name):
        assert default_storage.exists(name), name
    local = tmp_path / "rendition.mp4"
    with default_storage.open(item.rendition_name, "rb") as stored:
        local.write_bytes(stored.read())
    assert moov_before_mdat(local)
    assert probe_file(local).duration == pytest.approx(3.0, rel=0.02)

    # Serving: a redirect to a short-lived presigned URL that honours ranges.
    attach_to_answer(item, assign=reviewer)
    response = reviewer_client.get(media_url(item=item, user=reviewer, variant="rendition"))
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    presigned = response["Location"]
    assert presigned.startswith(s3_storage.endpoint_url) and "X-Amz-Signature" in presigned
    ranged = requests.get(presigned, headers={"Range": "bytes=0-99"}, timeout=10)
    assert ranged.status_code == 206
    assert ranged.content == local.read_bytes()[:100]
    assert ranged.headers["Content-Type"] == "video/mp4"
    assert ranged.headers["Content-Disposition"].startswith("inline")
    unsigned = presigned.split("?", 1)[0]
    assert requests.get(unsigned, timeout=10).status_code in (401, 403)


def test_original_is_removed_from_s3_after_verification(
    s3_storage: Any,
    make_item: Callable[..., MediaItem],
    samples: dict[str, Path],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TRANSCRIBER = "none"
    item = make_item(samples["vp8.webm"], keep_original=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.process_item(item.pk) == "ready"
    item.refresh_from_db()
    assert item.original_deleted_at is not None
    assert not default_storage.exists(item.original_name)
    assert default_storage.exists(item.rendition_name)


def test_unprocessable_input_on_s3_keeps_the_original(
    s3_storage: Any, make_item: Callable[..., MediaItem], samples: dict[str, Path]
) -> None:
    item = make_item(samples["opus.webm"], kind="video", keep_original=False)
    assert jobs.process_item(item.pk) == "unprocessable"
    item.refresh_from_db()
    assert "only audio" in item.error
    assert default_storage.exists(item.original_name)
