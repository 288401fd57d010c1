"""Staff see each recording's processing state; admins retry failed jobs."""

from collections.abc import Callable
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from media.answers import attach_to_answer
from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Organisation
from oneway.media.models import MediaItem, ProcessingState, TranscriptState

pytestmark = pytest.mark.django_db


def item_in(org: Organisation, **fields: Any) -> MediaItem:
    return MediaItem.objects.create(organisation=org, original_name="uploads/a.webm", **fields)


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"state": "queued"}, "Waiting to be processed"),
        ({"state": "processing"}, "Processing the recording"),
        ({"state": "ready", "duration_ms": 61500}, "61.5 s"),
        ({"state": "failed", "error": "Disk full"}, "Processing failed."),
        ({"state": "unprocessable", "error": "The file is empty"}, "cannot be played"),
        (
            {"state": "ready", "transcript_state": "failed"},
            "plays without it",
        ),
    ],
)
def test_state_partial(org: Organisation, fields: dict[str, Any], text: str) -> None:
    item = item_in(org, **fields)
    html = render_to_string("media/_state.html", {"item": item, "can_retry": True})
    assert text in html
    if item.error:
        assert item.error in html
    retryable = item.state in ("failed", "unprocessable") or item.transcript_state == "failed"
    assert ('action="' + reverse("media:retry", args=[item.pk]) + '"' in html) == retryable
    if not item.is_settled:
        assert reverse("media:state", args=[item.pk]) in html
    without = render_to_string("media/_state.html", {"item": item, "can_retry": False})
    assert "<form" not in without


def test_admin_retries_a_failed_item(
    admin_client: Client,
    org: Organisation,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    item = item_in(org, state=ProcessingState.FAILED, error="Disk full", attempts=4)
    queued: list[int] = []
    monkeypatch.setattr("oneway.media.tasks.enqueue_processing", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("media:retry", args=[item.pk]), {"next": "/app/somewhere/"}
        )
    assert response.status_code == 302 and response["Location"] == "/app/somewhere/"
    item.refresh_from_db()
    assert item.state == ProcessingState.QUEUED and item.attempts == 0 and item.error == ""
    assert queued == [item.pk]
    entry = AuditEntry.objects.get(action="media.retried")
    assert entry.data["previous_error"] == "Disk full"


def test_retry_of_a_failed_transcript(
    admin_client: Client, org: Organisation, monkeypatch: Any
) -> None:
    item = item_in(org, state=ProcessingState.READY, transcript_state=TranscriptState.FAILED)
    monkeypatch.setattr("oneway.media.tasks.enqueue_transcription", lambda pk: None)
    response = admin_client.post(
        reverse("media:retry", args=[item.pk]), HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"state": "ready", "transcript_state": "queued"}


def test_retry_refuses_reviewers_other_orgs_and_gets(
    reviewer_client: Client,
    admin_client: Client,
    org: Organisation,
    other_org: Organisation,
) -> None:
    item = item_in(org, state=ProcessingState.FAILED)
    foreign = item_in(other_org, state=ProcessingState.FAILED)
    url = reverse("media:retry", args=[item.pk])
    assert reviewer_client.post(url).status_code == 403
    assert admin_client.get(url).status_code == 405
    assert admin_client.post(reverse("media:retry", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.state == ProcessingState.FAILED


def test_ready_item_has_nothing_to_retry(admin_client: Client, org: Organisation) -> None:
    item = item_in(org, state=ProcessingState.READY, transcript_state=TranscriptState.READY)
    response = admin_client.post(reverse("media:retry", args=[item.pk]))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == ProcessingState.READY
    assert not AuditEntry.objects.filter(action="media.retried").exists()


def test_state_fragment_is_scoped(
    reviewer_client: Client,
    reviewer: User,
    org: Organisation,
    other_org: Organisation,
    make_member: Callable[..., User],
) -> None:
    item = item_in(org, state=ProcessingState.UNPROCESSABLE, error="The file is empty")
    # A reviewer sees the state of an answer only when assigned to its interview.
    assert reviewer_client.get(reverse("media:state", args=[item.pk])).status_code == 404
    attach_to_answer(item, assign=reviewer)
    response = reviewer_client.get(reverse("media:state", args=[item.pk]))
    assert response.status_code == 200
    assert b"The file is empty" in response.content
    assert b"<form" not in response.content  # reviewers cannot retry
    foreign = item_in(other_org)
    assert reviewer_client.get(reverse("media:state", args=[foreign.pk])).status_code == 404
