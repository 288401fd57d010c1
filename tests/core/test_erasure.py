"""Erasure reaches every copy: database rows, stored files, in-progress uploads, audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from candidate_data import database_hits, populate_candidate, storage_hits
from django.core import mail
from django.core.files.storage import FileSystemStorage, default_storage

from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Erasure, Invitation, InvitationStatus, Organisation
from oneway.core.services import erasure as erasure_service
from oneway.core.services.erasure import candidate_erase, erasure_run
from oneway.media.models import MediaItem
from oneway.reviews.models import Comment, Review, ShareLink
from oneway.uploads.models import Upload


@pytest.fixture(autouse=True)
def local_storage(settings: Any, tmp_path: Path) -> Path:
    settings.UPLOAD_TEMP_DIR = tmp_path / "incoming"
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/m/"},
        },
    }
    return tmp_path


def _erase(invitation: Invitation, capture: Any, **kwargs: Any) -> Erasure:
    kwargs.setdefault("reason", "candidate")
    with capture(execute=True):
        return candidate_erase(invitation=invitation, **kwargs)


def test_erasing_a_fully_populated_candidate_leaves_no_byte_of_them(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    populated = populate_candidate(org, admin_user)
    other = populate_candidate(org, admin_user)
    assert database_hits(populated.markers) and storage_hits(populated.markers)

    erasure = _erase(populated.invitation, django_capture_on_commit_callbacks)

    assert database_hits(populated.markers) == []
    assert storage_hits(populated.markers) == []
    erasure.refresh_from_db()
    assert erasure.completed_at is not None and erasure.last_error == ""
    # The other candidate keeps everything.
    assert database_hits(other.markers) and storage_hits(other.markers)
    assert Upload.objects.filter(owner=f"device-check:{other.invitation.pk}").exists()


def test_the_invitation_stays_as_a_tombstone_and_the_audit_log_keeps_its_entries(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    populated = populate_candidate(org, admin_user)
    invitation = populated.invitation
    before = AuditEntry.objects.filter(invitation_id=invitation.pk).count()

    erasure = _erase(invitation, django_capture_on_commit_callbacks)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ERASED
    assert invitation.name == erasure.tombstone
    assert invitation.email == f"{erasure.tombstone}@erased.invalid"
    assert invitation.completed_at is not None  # counts and funnels survive
    entries = AuditEntry.objects.filter(invitation_id=invitation.pk)
    assert entries.count() == before + 2  # candidate.erased and candidate.withdrawn
    actions = set(entries.values_list("action", flat=True))
    assert {"invitation.created", "candidate.erased", "candidate.withdrawn"} <= actions
    assert all(e.ip is None for e in entries if e.actor_id is None)
    checked = entries.get(action="candidate.device_checked")
    assert checked.data == {"tombstone": erasure.tombstone}
    assert checked.actor_label == erasure.tombstone


def test_erasing_twice_does_it_once(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    populated = populate_candidate(org, admin_user)
    first = _erase(populated.invitation, django_capture_on_commit_callbacks)
    second = _erase(populated.invitation, django_capture_on_commit_callbacks, reason="retention")
    assert first.pk == second.pk
    assert Erasure.objects.count() == 1
    assert AuditEntry.objects.filter(action="candidate.erased").count() == 1


def test_a_failure_half_way_is_retried_and_the_ledger_says_what_is_left(
    org: Organisation,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    populated = populate_candidate(org, admin_user)
    real_delete = FileSystemStorage.delete
    broken = {"on": True}

    def flaky_delete(storage: FileSystemStorage, name: str) -> None:
        if broken["on"] and name.endswith("rendition.mp4"):
            raise OSError("disk went away")
        real_delete(storage, name)

    monkeypatch.setattr(FileSystemStorage, "delete", flaky_delete)
    monkeypatch.setattr(erasure_service, "_queue_run", lambda erasure_id: None)
    erasure = _erase(populated.invitation, django_capture_on_commit_callbacks)
    # The database side is done at once: no row points at any of the candidate's files.
    assert not MediaItem.objects.filter(organisation=org).exists()

    with pytest.raises(erasure_service.ErasureIncomplete):
        erasure_run(erasure_id=erasure.pk)
    erasure.refresh_from_db()
    assert erasure.completed_at is None
    assert erasure.attempts == 1
    assert "disk went away" in erasure.last_error
    assert any(name.endswith("rendition.mp4") for name in erasure.pending_files)
    assert not any(name.endswith("poster.jpg") for name in erasure.pending_files)

    broken["on"] = False
    assert erasure_service.erasures_retry_pending() == 1
    erasure.refresh_from_db()
    assert erasure.completed_at is not None
    assert storage_hits(populated.markers) == []


def test_share_links_no_longer_reach_the_candidate(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    populated = populate_candidate(org, admin_user)
    share = ShareLink.objects.get(invitations=populated.invitation)
    _erase(populated.invitation, django_capture_on_commit_callbacks)
    assert ShareLink.objects.filter(pk=share.pk).exists()
    assert not share.invitations.exists()
    assert not Review.objects.exists() and not Comment.objects.exists()


def test_the_candidate_gets_a_receipt_and_the_team_a_notice_with_the_alias_in_blind_mode(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    from oneway.access import candidate_alias
    from oneway.core.services.erasure import send_erasure_emails

    populated = populate_candidate(org, admin_user, blind_mode=True)
    alias = candidate_alias(populated.invitation.pk)
    mail.outbox.clear()
    _erase(populated.invitation, django_capture_on_commit_callbacks, notify=send_erasure_emails)
    receipt = [m for m in mail.outbox if m.to == [populated.email]]
    team = [m for m in mail.outbox if m.to == [admin_user.email]]
    assert len(receipt) == 1 and len(team) == 1
    assert "deleted" in receipt[0].body
    assert alias in team[0].body and alias in team[0].subject
    assert populated.name not in team[0].body + team[0].subject


def test_a_restore_brings_the_candidate_back_and_the_ledger_erases_them_again(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    populated = populate_candidate(org, admin_user)
    erasure = _erase(populated.invitation, django_capture_on_commit_callbacks)
    # As if a backup from before the erasure was restored: the person is back.
    Invitation.objects.filter(pk=populated.invitation.pk).update(
        name=populated.name, email=populated.email, status="completed"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert erasure_service.erasure_reapply(erasure=erasure)
    assert database_hits(populated.markers) == []
    assert Erasure.objects.filter(invitation_id=populated.invitation.pk).count() == 1


@pytest.mark.s3
def test_erasure_on_s3_removes_objects_parts_and_unknown_multipart_uploads(
    org: Organisation,
    admin_user: User,
    s3_storage: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    populated = populate_candidate(org, admin_user, s3_multipart=True)
    client = s3_storage.client()
    prefix = default_storage.location  # type: ignore[attr-defined]

    def multipart() -> list[Any]:
        listing = client.list_multipart_uploads(Bucket=s3_storage.bucket, Prefix=prefix)
        return list(listing.get("Uploads", []))

    assert len(multipart()) == 4  # two known uploads, two the database never heard of
    assert storage_hits(populated.markers)

    _erase(populated.invitation, django_capture_on_commit_callbacks)

    assert storage_hits(populated.markers) == []
    assert multipart() == []
    assert database_hits(populated.markers) == []
