"""The candidate's own data page: status, download and delete, from their link."""

from __future__ import annotations

import datetime
import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from candidate_data import database_hits, populate_candidate, storage_hits
from django.core import mail
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oneway.accounts.models import User
from oneway.candidate.testing import CandidateLink
from oneway.core.models import (
    AuditEntry,
    DataExport,
    Erasure,
    Invitation,
    InvitationStatus,
    Organisation,
)
from oneway.core.services import data_exports
from oneway.core.services.data_exports import data_export_build, data_exports_remove_expired
from oneway.reviews.models import DecisionEvent

MY_DATA = "/c/my-data/"
DELETE = "/c/my-data/delete/"
DOWNLOAD = "/c/my-data/download/"


@pytest.fixture(autouse=True)
def scratch(settings: Any, tmp_path: Path, db: None) -> None:
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    cache.clear()


def _open(token: str) -> Client:
    client = Client()
    assert client.get(reverse("candidate:enter", args=[token])).status_code in (302, 410)
    return client


def test_the_page_shows_the_status_before_starting_and_links_from_the_landing_page(
    make_candidate: Callable[..., CandidateLink], enter: Callable[[CandidateLink], Client]
) -> None:
    link = make_candidate()
    client = enter(link)
    assert 'href="/c/my-data/"' in client.get("/c/").content.decode()
    page = client.get(MY_DATA)
    assert page.status_code == 200
    assert "Invited: you have not started yet." in page.content.decode()
    assert "Delete my data" in page.content.decode()


def test_after_submitting_the_page_shows_submitted_and_a_decision_once_it_was_sent(
    org: Organisation, admin_user: User
) -> None:
    populated = populate_candidate(org, admin_user)
    DecisionEvent.objects.filter(invitation=populated.invitation).update(candidate_emailed_at=None)
    client = _open(populated.token)
    body = client.get(MY_DATA).content.decode()
    assert "Submitted: the team has your answers." in body
    assert "application-decision" not in body  # decided, but not sent to the candidate
    DecisionEvent.objects.filter(invitation=populated.invitation).update(
        candidate_emailed_at=timezone.now(), to_status="advanced"
    )
    body = client.get(MY_DATA).content.decode()
    assert "The team sent you their decision on" in body and "Advanced" in body


def test_after_the_deadline_the_link_still_leads_to_the_data_page(
    make_candidate: Callable[..., CandidateLink],
) -> None:
    link = make_candidate()
    Invitation.objects.filter(pk=link.invitation.pk).update(
        deadline=timezone.now() - datetime.timedelta(days=2), status=InvitationStatus.EXPIRED
    )
    client = Client()
    closed = client.get(link.path)
    assert closed.status_code == 410
    assert 'href="/c/my-data/"' in closed.content.decode()
    assert client.get("/c/").status_code == 410  # answering stays closed
    page = client.get(MY_DATA)
    assert page.status_code == 200
    assert "Closed: the deadline passed" in page.content.decode()


def test_the_page_needs_the_session() -> None:
    assert Client().get(MY_DATA).status_code == 403


def test_delete_asks_for_a_clear_confirmation(org: Organisation, admin_user: User) -> None:
    populated = populate_candidate(org, admin_user)
    client = _open(populated.token)
    page = client.get(DELETE).content.decode()
    assert "Your application is withdrawn. This cannot be undone." in page
    assert "your recordings, written answers, transcripts and captions" in page
    refused = client.post(DELETE, {})
    assert refused.status_code == 400
    assert "Tick the box" in refused.content.decode()
    assert not Erasure.objects.exists()


def test_delete_erases_at_once_sends_a_receipt_and_tells_the_team(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    populated = populate_candidate(org, admin_user)
    client = _open(populated.token)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE, {"confirm": "delete"})
    assert response.status_code == 302 and response["Location"] == "/c/my-data/deleted/"
    assert "Your data has been deleted" in client.get("/c/my-data/deleted/").content.decode()
    assert database_hits(populated.markers) == []
    assert storage_hits(populated.markers) == []
    assert [m.to for m in mail.outbox if "deleted" in m.subject] == [[populated.email]]
    team = [m for m in mail.outbox if m.to == [admin_user.email]]
    assert len(team) == 1 and populated.name in team[0].subject  # not blind: the name
    assert AuditEntry.objects.filter(action="candidate.erased").count() == 1
    assert AuditEntry.objects.filter(action="candidate.withdrawn").count() == 1
    # The link is gone with the data.
    assert Client().get(reverse("candidate:enter", args=[populated.token])).status_code == 404
    assert client.get(MY_DATA).status_code == 403


def test_delete_confirmed_twice_erases_once(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    populated = populate_candidate(org, admin_user)
    first, second = _open(populated.token), _open(populated.token)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert first.post(DELETE, {"confirm": "delete"}).status_code == 302
        late = second.post(DELETE, {"confirm": "delete"})
    assert late.status_code == 410  # the second tab is told the data is gone
    assert Erasure.objects.count() == 1
    assert len([m for m in mail.outbox if m.to == [populated.email]]) == 1


def test_delete_while_the_export_is_being_built_cancels_the_zip(
    org: Organisation,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    populated = populate_candidate(org, admin_user)
    client = _open(populated.token)
    monkeypatch.setattr(data_exports, "_queue_build", lambda export_id: None)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(DOWNLOAD)
    export = DataExport.objects.get(state="queued")
    assert "being prepared" in client.get(DELETE).content.decode()
    real_write = data_exports._write_zip

    def write_then_delete(path: Path, invitations: list[Invitation]) -> None:
        real_write(path, invitations)
        # The candidate confirms the deletion while the job is writing the ZIP.
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(DELETE, {"confirm": "delete"}).status_code == 302

    monkeypatch.setattr(data_exports, "_write_zip", write_then_delete)
    with django_capture_on_commit_callbacks(execute=True):
        assert data_export_build(export_id=export.pk) is None
    assert Erasure.objects.count() == 1
    assert storage_hits(populated.markers) == []
    assert database_hits(populated.markers) == []


def test_under_legal_hold_deletion_is_refused_with_the_contact(
    org: Organisation, admin_user: User
) -> None:
    org.privacy_contact = "privacy@acme.example"
    org.save()
    populated = populate_candidate(org, admin_user)
    Invitation.objects.filter(pk=populated.invitation.pk).update(legal_hold_at=timezone.now())
    client = _open(populated.token)
    page = client.get(MY_DATA).content.decode()
    assert "A legal hold applies to your application" in page
    assert "privacy@acme.example" in page
    refused = client.post(DELETE, {"confirm": "delete"})
    assert refused.status_code == 409
    assert "privacy@acme.example" in refused.content.decode()
    assert not Erasure.objects.exists()
    assert database_hits(populated.markers)


def test_delete_and_download_are_rate_limited(
    org: Organisation, admin_user: User, settings: Any
) -> None:
    settings.DATA_RIGHTS_RATE_LIMIT = 1
    populated = populate_candidate(org, admin_user)
    client = _open(populated.token)
    assert client.post(DELETE, {}).status_code == 400
    assert client.post(DELETE, {}).status_code == 429
    assert client.post(DOWNLOAD).status_code == 302
    assert client.post(DOWNLOAD).status_code == 429


def _download(
    org: Organisation, admin_user: User, capture: Any
) -> tuple[Any, Client, str, zipfile.ZipFile]:
    populated = populate_candidate(org, admin_user)
    DataExport.objects.all().delete()
    client = _open(populated.token)
    mail.outbox.clear()
    with capture(execute=True):
        assert client.post(DOWNLOAD).status_code == 302
    page = client.get(MY_DATA).content.decode()
    start = page.index('href="/c/data/') + len('href="')
    url = page[start : page.index('"', start)]
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response.streaming
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return populated, client, url, zipfile.ZipFile(io.BytesIO(body))


def test_download_builds_one_zip_with_every_kind_of_data_and_a_readme(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    populated, _client, _url, archive = _download(
        org, admin_user, django_capture_on_commit_callbacks
    )
    names = set(archive.namelist())
    assert {
        "README.txt",
        "invitation.txt",
        "consent.txt",
        "accommodations.txt",
        "answers/question-01.mp4",
        "answers/question-01-transcript.vtt",
        "answers/question-01-transcript.txt",
        "answers/question-02.m4a",
        "answers/question-03.txt",
        "device-check-clip.webm",
        "live-interviews.txt",
    } <= names
    assert any(name.startswith("practice") for name in names)
    assert archive.read("answers/question-01.mp4") == populated.media
    readme = archive.read("README.txt").decode()
    for name in names - {"README.txt"}:
        assert name in readme  # every file explained
    assert populated.email in archive.read("invitation.txt").decode()
    assert "Version of the text" in archive.read("consent.txt").decode()
    emails = [m for m in mail.outbox if m.to == [populated.email]]
    assert len(emails) == 1 and "/c/data/" in emails[0].body
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"data.export_requested", "data.exported", "data.export_downloaded"} <= actions


def test_an_expired_or_forged_link_is_refused(
    org: Organisation,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _populated, client, url, _archive = _download(
        org, admin_user, django_capture_on_commit_callbacks
    )
    assert client.get(url[:-4] + "abc/").status_code == 404
    later = time.time() + 25 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert client.get(url).status_code == 410


def test_the_zip_is_removed_after_its_days_and_its_link_answers_410(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    _populated, client, url, _archive = _download(
        org, admin_user, django_capture_on_commit_callbacks
    )
    export = DataExport.objects.get()
    assert data_exports_remove_expired(now=timezone.now() + datetime.timedelta(days=6)) == 0
    assert (
        data_exports_remove_expired(now=timezone.now() + datetime.timedelta(days=7, seconds=1)) == 1
    )
    assert not default_storage.exists(export.storage_name)
    assert client.get(url).status_code == 410


def test_a_second_click_while_preparing_builds_one_zip(
    org: Organisation,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    populated = populate_candidate(org, admin_user)
    DataExport.objects.all().delete()
    monkeypatch.setattr(data_exports, "_queue_build", lambda export_id: None)
    client = _open(populated.token)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(DOWNLOAD)
        client.post(DOWNLOAD)
    assert DataExport.objects.count() == 1


def test_a_build_that_keeps_failing_is_shown_and_can_be_asked_again(
    org: Organisation,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    populated = populate_candidate(org, admin_user)
    monkeypatch.setattr(data_exports, "_queue_build", lambda export_id: None)
    client = _open(populated.token)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(DOWNLOAD)
    export = DataExport.objects.get(state="queued")

    def broken(path: Path, invitations: list[Invitation]) -> None:
        raise OSError("storage is down")

    monkeypatch.setattr(data_exports, "_write_zip", broken)
    for _attempt in range(data_exports.EXPORT_MAX_ATTEMPTS):
        with pytest.raises(OSError):
            data_export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.state == "failed" and "storage is down" in export.error
    page = client.get(MY_DATA).content.decode()
    assert "could not be prepared" in page
    assert "Prepare my file" in page


def test_the_zip_is_written_in_chunks_never_a_whole_recording_at_once(
    org: Organisation,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.core.files.storage import FileSystemStorage

    populated = populate_candidate(org, admin_user)
    monkeypatch.setattr(data_exports, "_queue_build", lambda export_id: None)
    client = _open(populated.token)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(DOWNLOAD)
    export = DataExport.objects.get(state="queued")
    monkeypatch.setattr(data_exports, "CHUNK", 7)  # smaller than any recording here
    reads: list[int] = []
    real_open = FileSystemStorage.open

    class Watched:
        def __init__(self, handle: Any, name: str) -> None:
            self.handle, self.name = handle, name

        def read(self, size: int = -1) -> bytes:
            assert 0 < size <= 7, f"read({size}) of {self.name}"
            reads.append(size)
            return bytes(self.handle.read(size))

        def __enter__(self) -> Watched:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

    def watched_open(storage: FileSystemStorage, name: str, mode: str = "rb") -> Any:
        return Watched(real_open(storage, name, mode), name)

    monkeypatch.setattr(FileSystemStorage, "open", watched_open)
    built = data_export_build(export_id=export.pk)
    assert built is not None and built.state == "ready"
    assert len(reads) > 10
