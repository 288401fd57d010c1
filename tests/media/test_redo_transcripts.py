"""Redoing existing transcripts with the current engine: the command and the admins' page
(queued, idempotent, progress shown)."""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from isolation_objects import make_interview, make_invitation

from oneway.core.models import Answer, AuditEntry, Interview, Organisation, Take
from oneway.media import jobs, tasks
from oneway.media.models import MediaItem, TranscriptState
from oneway.reviews.models import ReviewerAssignment

pytestmark = pytest.mark.django_db

ECHO = "media.test_transcribe.EchoTranscriber"


@pytest.fixture(autouse=True)
def echo_engine(settings: Any) -> None:
    settings.TRANSCRIBER = ECHO


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Transcription jobs sent to the queue (run by hand in the tests)."""
    sent: list[int] = []
    monkeypatch.setattr(tasks, "enqueue_transcription", sent.append)
    return sent


def answer_with(interview: Interview, item: MediaItem, *, practice: bool = False) -> None:
    invitation = make_invitation(interview)
    answer = Answer.objects.create(
        invitation=invitation, question=interview.questions.first(), is_practice=practice
    )
    take = Take.objects.create(answer=answer, number=1, state="uploaded", media=item)
    answer.submitted_take = take
    answer.save(update_fields=["submitted_take"])


@pytest.fixture
def recordings(
    org: Organisation,
    other_org: Organisation,
    make_item: Callable[..., MediaItem],
    speech: Path,
) -> dict[str, MediaItem]:
    """An interview's answers: a PocketSphinx transcript, one the current engine made, an
    unavailable one, one without sound; a practice answer; another organisation's."""
    interview = make_interview(org, title="Backend engineer")
    items: dict[str, MediaItem] = {}
    for key, engine, state in [
        ("old", "pocketsphinx", TranscriptState.READY),
        ("current", "echo", TranscriptState.READY),
        ("unavailable", "", TranscriptState.UNAVAILABLE),
        ("silent", "", TranscriptState.NO_SPEECH),
        ("practice", "pocketsphinx", TranscriptState.READY),
    ]:
        item = make_item(speech, kind="audio")
        assert jobs.process_item(item.pk) == "ready"
        MediaItem.objects.filter(pk=item.pk).update(
            transcript_state=state, transcript_engine=engine, transcript_text=f"{key} words"
        )
        answer_with(interview, item, practice=key == "practice")
        items[key] = item
    elsewhere = make_item(speech, kind="audio", organisation=other_org)
    assert jobs.process_item(elsewhere.pk) == "ready"
    MediaItem.objects.filter(pk=elsewhere.pk).update(
        transcript_state=TranscriptState.READY, transcript_engine="pocketsphinx"
    )
    answer_with(make_interview(other_org), elsewhere)
    items["elsewhere"] = elsewhere
    return items


def state(item: MediaItem) -> str:
    item.refresh_from_db()
    return item.transcript_state


def test_command_queues_other_engines_transcripts_once_and_shows_progress(
    recordings: dict[str, MediaItem],
    queued: list[int],
    org: Organisation,
    django_capture_on_commit_callbacks: Any,
) -> None:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("redo-transcripts", "--organisation", org.slug, stdout=out)
    assert sorted(queued) == sorted([recordings["old"].pk, recordings["unavailable"].pk])
    assert "2 transcripts queued for echo" in out.getvalue()
    assert "1/3 made by the current engine, 2 waiting" in out.getvalue()
    # The old transcript stays visible until the new one replaces it.
    assert state(recordings["old"]) == TranscriptState.QUEUED
    assert recordings["old"].transcript_text == "old words"
    assert state(recordings["practice"]) == state(recordings["elsewhere"]) == "ready"
    # Running it again queues nothing more.
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("redo-transcripts", stdout=out)
    assert len(queued) == 3  # only the other organisation's, this time
    assert "interview" in out.getvalue() and "1 queued" in out.getvalue()
    for item_id in queued:
        assert jobs.transcribe_item(item_id) == "ready"
    recordings["old"].refresh_from_db()
    assert recordings["old"].transcript_engine == "echo"
    assert recordings["old"].transcript_text == "bytes"
    entries = AuditEntry.objects.filter(action="media.transcripts_redone")
    assert sorted(e.data["queued"] for e in entries) == [1, 2]


def test_command_waits_and_prints_progress_until_done(
    recordings: dict[str, MediaItem],
    queued: list[int],
    monkeypatch: pytest.MonkeyPatch,
    org: Organisation,
) -> None:
    command = importlib.import_module("oneway.media.management.commands.redo-transcripts")

    def worker_makes_one(seconds: float) -> None:
        """While the command waits, the worker makes one transcript."""
        item_id = MediaItem.objects.filter(transcript_state="queued").values_list("pk", flat=True)[
            0
        ]
        assert jobs.transcribe_item(item_id) == "ready"

    monkeypatch.setattr(command.time, "sleep", worker_makes_one)
    out = io.StringIO()
    call_command(
        "redo-transcripts", "--organisation", org.slug, "--wait", "--everything", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert "0/3 made by the current engine, 3 waiting" in lines[-5]
    assert lines[-4:] == [
        "1/3 made by the current engine, 2 waiting, 0 unavailable, 0 failed",
        "2/3 made by the current engine, 1 waiting, 0 unavailable, 0 failed",
        "3/3 made by the current engine, 0 waiting, 0 unavailable, 0 failed",
        "done.",
    ]


def test_command_says_what_it_cannot_find(recordings: dict[str, MediaItem]) -> None:
    with pytest.raises(Exception, match="No interview 999999"):
        call_command("redo-transcripts", "--interview", "999999", stdout=io.StringIO())
    with pytest.raises(Exception, match="No organisation 'nope'"):
        call_command("redo-transcripts", "--organisation", "nope", stdout=io.StringIO())


def interview_of(item: MediaItem) -> Interview:
    take = Take.objects.select_related("answer__invitation__interview").get(media=item)
    return take.answer.invitation.interview


def test_admin_redoes_an_interviews_transcripts_from_its_page(
    recordings: dict[str, MediaItem],
    queued: list[int],
    admin_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    interview = interview_of(recordings["old"])
    url = reverse("dashboard:interview_transcripts", args=[interview.pk])
    detail = admin_client.get(reverse("dashboard:interview_detail", args=[interview.pk]))
    assert url in detail.content.decode()
    page = admin_client.get(url).content.decode()
    assert "Transcripts are made by echo." in page
    assert "<dd data-total>3</dd>" in page and "<dd data-others>1</dd>" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url)
    assert response.status_code == 302
    assert sorted(queued) == sorted([recordings["old"].pk, recordings["unavailable"].pk])
    page = admin_client.get(url).content.decode()
    assert "2 transcripts will be made again." in page
    assert "<dd data-waiting>2</dd>" in page and "1 of 3 done" in page
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url)
    assert len(queued) == 2
    assert "There are no transcripts to redo." in admin_client.get(url).content.decode()


def test_transcripts_page_warns_admins_when_whisper_is_refused(
    recordings: dict[str, MediaItem], admin_client: Client, settings: Any, tmp_path: Path
) -> None:
    settings.TRANSCRIBER = "whisper"
    settings.WHISPER_MODEL_DIR = str(tmp_path)
    url = reverse("dashboard:interview_transcripts", args=[interview_of(recordings["old"]).pk])
    page = admin_client.get(url).content.decode()
    assert "Warning:" in page and "PocketSphinx (English only) makes transcripts" in page
    assert "lacks model.bin, config.json, tokenizer.json" in page


def test_reviewers_and_strangers_cannot_redo(
    recordings: dict[str, MediaItem],
    queued: list[int],
    reviewer: Any,
    reviewer_client: Client,
    admin_client: Client,
) -> None:
    mine = interview_of(recordings["old"])
    theirs = interview_of(recordings["elsewhere"])
    url = reverse("dashboard:interview_transcripts", args=[mine.pk])
    assert reviewer_client.get(url).status_code == 404  # not assigned: not there
    ReviewerAssignment.objects.create(organisation=mine.organisation, interview=mine, user=reviewer)
    assert reviewer_client.get(url).status_code == 403
    assert reviewer_client.post(url).status_code == 403
    other = reverse("dashboard:interview_transcripts", args=[theirs.pk])
    assert admin_client.get(other).status_code == 404
    assert admin_client.post(other).status_code == 404
    assert queued == []
