"""Retention, legal holds and short-lived data, with time travel; and the promises that
candidates are told, checked against what the jobs do."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from candidate_data import populate_candidate
from django.core import mail
from django.core.files.storage import default_storage
from django.utils import timezone

from oneway.accounts.models import User
from oneway.candidate.privacy import consent_statement, privacy_facts
from oneway.core.format_card import recorded_format_card
from oneway.core.models import AuditEntry, Erasure, Invitation, InvitationStatus, Organisation, Take
from oneway.core.services.data_exports import EXPORT_KEEP_DAYS
from oneway.core.services.invitations import invitation_completion_emails_send
from oneway.core.services.retention import (
    CLIP_KEEP_HOURS,
    legal_hold_set,
    retention_days_for,
    retention_preview,
    retention_run,
    short_lived_clips_delete,
    stored_answer_uploads_delete,
)
from oneway.uploads.models import Upload


@pytest.fixture(autouse=True)
def local_storage(settings: Any, tmp_path: Path) -> None:
    settings.UPLOAD_TEMP_DIR = tmp_path / "incoming"
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/m/"},
        },
    }


def _closes(invitation: Invitation) -> datetime.datetime:
    return invitation.deadline + datetime.timedelta(minutes=invitation.interview.grace_minutes)


def _erased(invitation: Invitation) -> bool:
    invitation.refresh_from_db()
    return invitation.status == InvitationStatus.ERASED


def test_retention_erases_n_days_after_the_deadline_not_a_second_before(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    org.retention_days = 30
    org.save()
    populated = populate_candidate(org, admin_user)
    closes = _closes(populated.invitation)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_run(now=closes + datetime.timedelta(days=30, seconds=-1)) == 0
    assert not _erased(populated.invitation)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_run(now=closes + datetime.timedelta(days=30)) == 1
    assert _erased(populated.invitation)
    assert Erasure.objects.get().reason == "retention"
    assert mail.outbox == []  # no receipt for a scheduled deletion the candidate was told of


def test_an_interview_overrides_the_organisations_retention(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    org.retention_days = 30
    org.save()
    short = populate_candidate(org, admin_user, retention_days=5)
    kept = populate_candidate(org, admin_user, retention_days=0)
    later = _closes(short.invitation) + datetime.timedelta(days=400)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_run(now=_closes(short.invitation) + datetime.timedelta(days=5)) == 1
        assert retention_run(now=later) == 0
    assert _erased(short.invitation)
    assert not _erased(kept.invitation)


def test_a_legal_hold_blocks_retention_until_lifted_and_is_audited(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    org.retention_days = 10
    org.save()
    held = populate_candidate(org, admin_user)
    one = populate_candidate(org, admin_user)
    other = populate_candidate(org, admin_user, title="Other role")
    legal_hold_set(interview=held.invitation.interview, on=True, note="Claim 12", actor=admin_user)
    legal_hold_set(invitation=one.invitation, on=True, actor=admin_user)
    later = _closes(held.invitation) + datetime.timedelta(days=11)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_run(now=later) == 1  # only the candidate without any hold
    assert _erased(other.invitation)
    assert not _erased(held.invitation) and not _erased(one.invitation)
    legal_hold_set(interview=held.invitation.interview, on=False, actor=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_run(now=later + datetime.timedelta(days=1)) == 1
    assert _erased(held.invitation)
    assert not _erased(one.invitation)
    actions = list(
        AuditEntry.objects.filter(action__startswith="legal_hold.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["legal_hold.lifted", "legal_hold.placed", "legal_hold.placed"]


def test_the_preview_shows_what_each_run_will_delete(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    org.retention_days = 3
    org.save()
    now = timezone.now()
    people = [populate_candidate(org, admin_user) for _ in range(3)]
    for days, populated in zip((1, 1, 4), people, strict=True):
        Invitation.objects.filter(pk=populated.invitation.pk).update(
            deadline=now + datetime.timedelta(days=days)
        )
    preview = retention_preview(organisation=org, now=now)
    assert [run.count for run in preview] == [2, 1]
    # Each day's run deletes exactly what the preview said for it.
    for run in preview:
        end_of_day = timezone.make_aware(
            datetime.datetime.combine(run.day, datetime.time(23, 59, 59))
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert retention_run(now=end_of_day, organisation=org) == run.count


def test_device_check_and_practice_clips_go_within_24_hours(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    populated = populate_candidate(org, admin_user)
    clips = Upload.objects.filter(
        owner__in=[f"device-check:{populated.invitation.pk}"]
        + [f"take:{t.pk}" for t in Take.objects.filter(answer__is_practice=True)]
    )
    names = list(clips.values_list("storage_name", flat=True))
    assert len(names) == 2 and all(default_storage.exists(n) for n in names)
    created = max(clips.values_list("created_at", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert short_lived_clips_delete(now=created + datetime.timedelta(hours=23)) == 0
        assert (
            short_lived_clips_delete(now=created + datetime.timedelta(hours=CLIP_KEEP_HOURS)) == 2
        )
    assert not any(default_storage.exists(n) for n in names)
    practice = Take.objects.get(answer__is_practice=True)
    assert practice.state == "discarded" and practice.upload_id is None


def test_upload_rows_of_stored_answers_go_and_the_media_file_stays(
    org: Organisation, admin_user: User
) -> None:
    populated = populate_candidate(org, admin_user)
    takes = Take.objects.filter(answer__invitation=populated.invitation, media__isnull=False)
    owners = [f"take:{t.pk}" for t in takes]
    assert Upload.objects.filter(owner__in=owners).count() == 2
    assert stored_answer_uploads_delete() == 2
    assert not Upload.objects.filter(owner__in=owners).exists()
    for take in takes:
        assert take.media is not None and default_storage.exists(take.media.original_name)


def _days_in(sentence: str) -> int:
    match = re.search(r"kept for (\d+) days? after the interview closes", sentence)
    assert match, sentence
    return int(match.group(1))


def test_every_retention_sentence_says_the_days_the_job_uses(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    org.retention_days = 45
    org.save()
    populated = populate_candidate(org, admin_user, retention_days=12)
    invitation = populated.invitation
    card = " ".join(recorded_format_card(invitation).notes)
    mail.outbox.clear()
    invitation_completion_emails_send(invitation_id=invitation.pk)
    receipt = next(m for m in mail.outbox if m.to == [populated.email])
    sentences = {
        "format card": card,
        "privacy": privacy_facts(invitation)["kept"],
        "consent": consent_statement(invitation),
        "receipt": receipt.body,
    }
    days = {where: _days_in(text) for where, text in sentences.items()}
    assert set(days.values()) == {retention_days_for(invitation.interview)} == {12}
    for text in (card, receipt.body):
        assert "You can download or delete your answers from your link at any time." in text
    # And the job deletes exactly then.
    closes = _closes(invitation)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_run(now=closes + datetime.timedelta(days=12, seconds=-1)) == 0
        assert retention_run(now=closes + datetime.timedelta(days=12)) == 1


def test_the_clip_and_export_sentences_say_what_the_jobs_do(org: Organisation) -> None:
    from oneway.core.services.retention import clips_promise

    assert f"within {CLIP_KEEP_HOURS} hours" in clips_promise()
    from django.template.loader import render_to_string

    email = render_to_string(
        "emails/data_export_ready.txt",
        {"invitation": None, "url": "u", "hours": 24, "keep_days": EXPORT_KEEP_DAYS},
    )
    assert f"deleted after {EXPORT_KEEP_DAYS} days" in email


def test_under_a_legal_hold_the_pages_do_not_promise_deletion(
    org: Organisation, admin_user: User
) -> None:
    populated = populate_candidate(org, admin_user)
    invitation = populated.invitation
    legal_hold_set(invitation=invitation, on=True, actor=admin_user)
    invitation.refresh_from_db()
    for text in (
        " ".join(recorded_format_card(invitation).notes),
        consent_statement(invitation),
        privacy_facts(invitation)["delete"],
    ):
        assert "download or delete" not in text
        assert "while a legal hold applies, they cannot be deleted" in text
