"""Transcript jobs: the language and engine recorded, and bad input (a language the engine
does not know, no speech, no usable model) never fails the answer's processing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from media.mediagen import make_media
from oneway.core.models import AuditEntry
from oneway.media import jobs, whisper
from oneway.media.models import MediaItem, ProcessingState, TranscriptState
from oneway.media.services import can_retry, media_item_retry

pytestmark = pytest.mark.django_db

ECHO = "media.test_transcribe.EchoTranscriber"


def processed(make_item: Callable[..., MediaItem], source: Path, **fields: Any) -> MediaItem:
    item = make_item(source, kind="audio", **fields)
    assert jobs.process_item(item.pk) == "ready"
    return item


def test_transcript_records_its_language_and_engine(
    make_item: Callable[..., MediaItem], speech: Path, settings: Any
) -> None:
    settings.TRANSCRIBER = ECHO
    item = processed(make_item, speech, spoken_language="de")
    assert jobs.transcribe_item(item.pk) == "ready"
    item.refresh_from_db()
    assert (item.transcript_language, item.transcript_engine) == ("de", "echo")
    entry = AuditEntry.objects.get(action="media.transcribed", object_id=str(item.pk))
    assert entry.data["language"] == "de" and entry.data["engine"] == "echo"


def test_unknown_language_leaves_video_and_marks_transcript_unavailable(
    make_item: Callable[..., MediaItem], speech: Path, settings: Any, admin_user: Any
) -> None:
    settings.TRANSCRIBER = ECHO
    item = processed(make_item, speech, spoken_language="xx")
    assert jobs.transcribe_item(item.pk) == "unavailable"
    item.refresh_from_db()
    assert item.state == ProcessingState.READY and default_storage.exists(item.rendition_name)
    assert item.transcript_state == TranscriptState.UNAVAILABLE
    assert item.transcript_error == "echo does not know xx"
    assert item.run_token == "" and item.captions_name == ""
    assert AuditEntry.objects.filter(action="media.transcript_unavailable").count() == 1
    # An admin can try again (after the language is put right, for instance).
    assert can_retry(item)
    MediaItem.objects.filter(pk=item.pk).update(spoken_language="en")
    media_item_retry(item=item, actor=admin_user)
    assert item.transcript_state == TranscriptState.QUEUED
    assert jobs.transcribe_item(item.pk) == "ready"


@pytest.mark.slow
def test_recording_without_speech_keeps_video_transcript_unavailable(
    make_item: Callable[..., MediaItem], tmp_path: Path, settings: Any
) -> None:
    """Whisper for real: 8 s of a test pattern with a silent sound track."""
    settings.TRANSCRIBER = "whisper"
    quiet = make_media(tmp_path / "quiet.webm", fmt="webm", seconds=8.0)
    item = make_item(quiet)
    assert jobs.process_item(item.pk) == "ready"
    assert jobs.transcribe_item(item.pk) == "unavailable"
    item.refresh_from_db()
    assert item.poster_name and default_storage.exists(item.rendition_name)
    assert item.transcript_state == TranscriptState.UNAVAILABLE
    assert item.transcript_error == "No speech was heard in this recording."
    assert item.transcript_text == "" and item.transcript_words == []


@pytest.mark.slow
def test_missing_model_falls_back_to_pocketsphinx_with_a_warning(
    make_item: Callable[..., MediaItem], speech: Path, settings: Any, tmp_path: Path
) -> None:
    settings.TRANSCRIBER = "whisper"
    settings.WHISPER_MODEL_DIR = str(tmp_path / "no-such-model")
    try:
        english = processed(make_item, speech)
        assert jobs.transcribe_item(english.pk) == "ready"
        english.refresh_from_db()
        assert english.transcript_engine == "pocketsphinx"
        assert "proud" in english.transcript_text.split()
        assert "no-such-model is not a folder" in english.transcript_warning
        german = processed(make_item, speech, spoken_language="de")
        assert jobs.transcribe_item(german.pk) == "unavailable"
        german.refresh_from_db()
        assert german.state == ProcessingState.READY
        assert "is not a folder" in german.transcript_error
        assert "English only" in german.transcript_error
    finally:
        whisper.forget_models()
