"""The daily digest: one email per reviewer listing newly completed candidates, once."""

import datetime
from collections.abc import Callable

import pytest
from django.core import mail
from django.utils import timezone

from oneway.accounts.models import User
from oneway.core.models import Interview, Invitation
from oneway.reviews.models import DigestEntry
from oneway.reviews.tasks import digest_due, send_digest, send_review_digests

pytestmark = pytest.mark.django_db


def test_one_email_lists_every_new_candidate_and_a_second_run_sends_nothing(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
) -> None:
    make_candidate(interview, name="First Person")
    make_candidate(interview, name="Second Person")
    make_candidate(interview, name="Still Going", status="in_progress", answered=1)
    assert send_digest(assigned_reviewer.pk) == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [assigned_reviewer.email]
    assert message.subject == "2 new candidates to review"
    assert "First Person" in message.body and "Second Person" in message.body
    assert "Still Going" not in message.body
    assert "/app/reviews/candidates/" in message.body
    assert send_digest(assigned_reviewer.pk) == 0
    assert len(mail.outbox) == 1
    assert DigestEntry.objects.count() == 2


def test_unassigned_and_opted_out_reviewers_get_nothing(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    reviewer: User,
    second_reviewer: User,
) -> None:
    make_candidate(interview)
    assert send_digest(reviewer.pk) == 0  # not assigned
    second_reviewer.preferences = {"review_digest": False}
    second_reviewer.save()
    assert send_digest(second_reviewer.pk) == 0
    assert mail.outbox == []


def test_old_completions_and_reviewed_candidates_are_left_out(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
) -> None:
    old = make_candidate(interview, name="Old Person")
    old.completed_at = timezone.now() - datetime.timedelta(days=30)
    old.save()
    assert send_digest(assigned_reviewer.pk) == 0


def test_digest_goes_out_at_8_in_the_reviewers_time_zone(assigned_reviewer: User) -> None:
    assigned_reviewer.timezone = "Asia/Tokyo"
    eight_in_tokyo = datetime.datetime(2026, 3, 2, 23, 0, tzinfo=datetime.UTC)
    assert digest_due(assigned_reviewer, eight_in_tokyo)
    assert not digest_due(assigned_reviewer, eight_in_tokyo + datetime.timedelta(hours=1))


def test_periodic_job_sends_to_those_due(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_candidate(interview)
    monkeypatch.setattr("oneway.reviews.tasks.digest_due", lambda user, now: True)
    send_review_digests.call_local()
    send_review_digests.call_local()
    assert len(mail.outbox) == 1
