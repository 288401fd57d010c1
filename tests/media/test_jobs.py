"""Processing jobs against the database: idempotent, retried with backoff, never stuck."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from oneway.core.models import AuditEntry, Organisation
from oneway.media import jobs, pipeline, tasks
from oneway.media.models import MediaItem, ProcessingState, TranscriptState
from oneway.media.services import can_retry, media_item_create, media_item_delete, media_item_retry

pytestmark = pytest.mark.django_db

ECHO = "media.test_transcribe.EchoTranscriber"


@pytest.fixture(autouse=True)
def quick_transcriber(settings: Any) -> None:
    settings.TRANSCRIBER = ECHO


def actions(item: MediaItem) -> list[str]:
    entries = AuditEntry.objects.filter(object_type="mediaitem", object_id=str(item.pk))
    return sorted(entries.values_list("action", flat=True))


def test_created_item_is_processed_after_commit(
    org: Organisation,
    samples: dict[str, Path],
    store_original: Callable[..., str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    name = store_original(samples["vp8.webm"], "uploads/take.webm")
    with django_capture_on_commit_callbacks(execute=True):
        item = media_item_create(organisation=org, original_name=name, size=123, kind="video")
        assert item.state == ProcessingState.QUEUED
    item.refresh_from_db()
    assert item.state == ProcessingState.READY, item.error
    prefix = f"media/{org.pk}/{item.pk}/"
    assert item.rendition_name == prefix + "rendition.mp4"
    assert item.poster_name == prefix + "poster.jpg"
    assert item.thumbnail_name == prefix + "thumbnail.jpg"
    assert item.captions_name == prefix + "captions.vtt"
    assert item.duration_ms == pytest.approx(3000, abs=60)
    assert (item.width, item.height) == (640, 480)
    assert item.plan["video"] == "transcode" and item.plan["audio"] == "transcode"
    assert item.probe["video"]["codec"] == "vp8"
    assert item.transcript_state == TranscriptState.READY
    assert item.transcript_text == "bytes"
    assert item.transcript_words[0]["w"] == "bytes"
    with default_storage.open(item.captions_name) as captions:
        assert captions.read().startswith(b"WEBVTT")
    assert default_storage.exists(item.original_name)
    assert item.original_deleted_at is None and item.run_token == ""
    assert actions(item) == ["media.created", "media.processed", "media.transcribed"]


def test_second_run_is_a_no_op(
    make_item: Callable[..., MediaItem], samples: dict[str, Path]
) -> None:
    item = make_item(samples["h264-aac.mp4"])
    assert jobs.process_item(item.pk) == "ready"
    item.refresh_from_db()
    path = Path(default_storage.path(item.rendition_name))
    before = (path.stat().st_mtime_ns, item.processed_at)
    assert jobs.process_item(item.pk) == "skipped"
    assert tasks.media_process.call_local(item.pk) == "skipped"
    item.refresh_from_db()
    assert (path.stat().st_mtime_ns, item.processed_at) == before
    assert item.attempts == 1
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "poster.jpg",
        "rendition.mp4",
        "thumbnail.jpg",
    ]


def _bad_bytes(samples: dict[str, Path]) -> dict[str, tuple[bytes, str, str]]:
    webm = samples["vp8.webm"].read_bytes()
    return {
        "random behind a WebM header": (webm[:200] + bytes(range(256)) * 800, "video", "read"),
        "zero-length": (b"", "video", "empty"),
        "audio only where video is required": (
            samples["opus.webm"].read_bytes(),
            "video",
            "only audio",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "random behind a WebM header",
        "zero-length",
        "audio only where video is required",
    ],
)
def test_bad_input_ends_unprocessable_never_stuck(
    case: str, make_item: Callable[..., MediaItem], samples: dict[str, Path]
) -> None:
    data, kind, words = _bad_bytes(samples)[case]
    item = make_item(data, kind=kind)
    assert tasks.media_process.call_local(item.pk) == "unprocessable"
    item.refresh_from_db()
    assert item.state == ProcessingState.UNPROCESSABLE
    assert words in item.error
    assert item.rendition_name == "" and item.run_token == "" and item.lease_expires_at is None
    assert default_storage.exists(item.original_name), "the original is kept"
    assert jobs.process_item(item.pk) == "skipped"
    assert jobs.sweep(lambda i: pytest.fail("requeued"), lambda i: pytest.fail("requeued")) == {
        "requeued": 0,
        "failed": 0,
        "lost": 0,
        "transcripts": 0,
        "work_dirs": 0,
    }
    assert "media.unprocessable" in actions(item)
    assert can_retry(item)


def test_transient_failure_is_retried_then_fails_with_reason(
    make_item: Callable[..., MediaItem], samples: dict[str, Path], monkeypatch: Any
) -> None:
    item = make_item(samples["vp8.webm"])

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk on fire")

    monkeypatch.setattr(jobs, "render_file", broken)
    with pytest.raises(OSError):
        jobs.process_item(item.pk, retries_left=2)
    item.refresh_from_db()
    assert item.state == ProcessingState.QUEUED
    assert "Attempt 1 failed" in item.error and "disk on fire" in item.error
    assert jobs.process_item(item.pk, retries_left=0) == "failed"
    item.refresh_from_db()
    assert item.state == ProcessingState.FAILED
    assert "disk on fire" in item.error
    assert item.attempts == 2
    assert "media.failed" in actions(item)
    # Retries with backoff are declared on the task.
    task = tasks.media_process.task_class
    assert (task.default_retries, task.default_retry_delay, task.default_retry_backoff) == (
        3,
        30,
        2,
    )


def test_failed_item_can_be_retried(
    make_item: Callable[..., MediaItem],
    samples: dict[str, Path],
    owner: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    item = make_item(samples["h264-opus.mkv"], state=ProcessingState.FAILED, error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        media_item_retry(item=item, actor=owner)
    item.refresh_from_db()
    assert item.state == ProcessingState.READY
    assert item.attempts == 1 and item.error == ""
    assert "media.retried" in actions(item)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        media_item_retry(item=item, actor=owner)  # nothing to retry
    assert callbacks == []


def test_original_is_deleted_only_after_verification(
    make_item: Callable[..., MediaItem],
    samples: dict[str, Path],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    item = make_item(samples["h264-aac.mp4"], keep_original=False)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.process_item(item.pk)
    item.refresh_from_db()
    assert item.state == ProcessingState.READY
    assert item.original_deleted_at is not None
    assert not default_storage.exists(item.original_name)

    other = make_item(samples["vp8.webm"], keep_original=False)

    def wrong_length(*args: Any, **kwargs: Any) -> Any:
        raise pipeline.RenditionMismatch("The rendition lasts 1.00 s but the original 3.00 s.")

    monkeypatch.setattr(pipeline, "verify_rendition", wrong_length)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.process_item(other.pk) == "failed"
    other.refresh_from_db()
    assert other.state == ProcessingState.FAILED and "lasts 1.00 s" in other.error
    assert other.original_deleted_at is None
    assert default_storage.exists(other.original_name)


def test_sweeper_requeues_a_dead_workers_job(
    make_item: Callable[..., MediaItem],
    samples: dict[str, Path],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    past = timezone.now() - timedelta(seconds=5)
    item = make_item(
        samples["h264-aac.mp4"],
        state=ProcessingState.PROCESSING,
        run_token="dead",
        lease_expires_at=past,
        attempts=1,
    )
    alive = make_item(
        samples["h264-aac.mp4"],
        state=ProcessingState.PROCESSING,
        run_token="alive",
        lease_expires_at=timezone.now() + timedelta(minutes=1),
        attempts=1,
    )
    settings.MEDIA_MAX_ATTEMPTS = 3
    exhausted = make_item(
        samples["h264-aac.mp4"],
        state=ProcessingState.PROCESSING,
        run_token="dead",
        lease_expires_at=past,
        attempts=3,
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = tasks.media_sweep.call_local()
    assert counts["requeued"] == 1 and counts["failed"] == 1
    item.refresh_from_db()
    alive.refresh_from_db()
    exhausted.refresh_from_db()
    assert item.state == ProcessingState.READY and item.attempts == 2
    assert alive.state == ProcessingState.PROCESSING and alive.run_token == "alive"
    assert exhausted.state == ProcessingState.FAILED
    assert "stopped 3 times" in exhausted.error


def test_sweeper_resends_lost_queue_messages(
    make_item: Callable[..., MediaItem], samples: dict[str, Path]
) -> None:
    item = make_item(samples["h264-aac.mp4"], queued_at=timezone.now() - timedelta(hours=1))
    fresh = make_item(samples["h264-aac.mp4"], queued_at=timezone.now())
    sent: list[int] = []
    counts = jobs.sweep(sent.append, sent.append)
    assert sent == [item.pk] and counts["lost"] == 1
    assert fresh.pk not in sent


def test_transcript_failure_never_blocks_the_video(
    make_item: Callable[..., MediaItem],
    samples: dict[str, Path],
    monkeypatch: Any,
    owner: Any,
) -> None:
    item = make_item(samples["h264-aac.mp4"])
    assert jobs.process_item(item.pk) == "ready"

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("recogniser crashed")

    monkeypatch.setattr(jobs, "transcribe_rendition", broken)
    with pytest.raises(RuntimeError):
        jobs.transcribe_item(item.pk, retries_left=1)
    item.refresh_from_db()
    assert item.state == ProcessingState.READY
    assert item.transcript_state == TranscriptState.QUEUED
    assert jobs.transcribe_item(item.pk, retries_left=0) == "failed"
    item.refresh_from_db()
    assert item.state == ProcessingState.READY
    assert item.transcript_state == TranscriptState.FAILED
    assert "recogniser crashed" in item.transcript_error
    assert can_retry(item)
    monkeypatch.undo()
    media_item_retry(item=item, actor=owner)
    item.refresh_from_db()
    assert item.transcript_state == TranscriptState.QUEUED
    assert jobs.transcribe_item(item.pk) == "ready"


def test_real_transcription_job(
    make_item: Callable[..., MediaItem], speech: Path, settings: Any
) -> None:
    settings.TRANSCRIBER = "pocketsphinx"
    item = make_item(speech, kind="audio")
    assert jobs.process_item(item.pk) == "ready"
    assert jobs.transcribe_item(item.pk) == "ready"
    item.refresh_from_db()
    assert item.rendition_name.endswith("rendition.m4a") and item.poster_name == ""
    assert "proud" in item.transcript_text
    assert item.transcript_words[0].keys() == {"w", "start", "end"}
    assert item.captions_name.endswith("captions.vtt")


def test_video_without_sound_has_no_transcript(
    make_item: Callable[..., MediaItem], samples: dict[str, Path]
) -> None:
    item = make_item(samples["silent-vp8.webm"])
    assert jobs.process_item(item.pk) == "ready"
    item.refresh_from_db()
    assert item.transcript_state == TranscriptState.NO_SPEECH


def test_leftovers_of_a_killed_run_are_cleared(
    make_item: Callable[..., MediaItem], samples: dict[str, Path], settings: Any
) -> None:
    item = make_item(samples["h264-aac.mp4"])
    folder = Path(default_storage.path(f"media/{item.organisation_id}/{item.pk}/"))
    folder.mkdir(parents=True)
    (folder / "rendition.mp4.part-abc123").write_bytes(b"half")
    stale_work = Path(settings.MEDIA_WORK_DIR) / f"item-{item.pk}-deadbeef"
    stale_work.mkdir(parents=True)
    assert jobs.process_item(item.pk) == "ready"
    assert sorted(p.name for p in folder.iterdir()) == [
        "poster.jpg",
        "rendition.mp4",
        "thumbnail.jpg",
    ]
    assert list(Path(settings.MEDIA_WORK_DIR).iterdir()) == []


def test_delete_removes_files_and_row(
    make_item: Callable[..., MediaItem],
    samples: dict[str, Path],
    django_capture_on_commit_callbacks: Any,
) -> None:
    item = make_item(samples["h264-aac.mp4"])
    jobs.process_item(item.pk)
    item.refresh_from_db()
    names = [item.original_name, item.rendition_name, item.poster_name]
    with django_capture_on_commit_callbacks(execute=True):
        media_item_delete(item=item)
    assert not MediaItem.objects.filter(pk=item.pk).exists()
    assert not any(default_storage.exists(n) for n in names)
    assert AuditEntry.objects.filter(action="media.deleted").count() == 1
