"""The staff data-requests page: find a person by email, export, erase, retention, holds."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from candidate_data import populate_candidate
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oneway.accounts.models import User
from oneway.core.models import AuditEntry, DataRequest, Interview, Invitation, Organisation
from oneway.core.services.data_requests import one_month_later

LIST = "/app/data-requests/"


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


@pytest.fixture
def person(org: Organisation, admin_user: User, other_org: Organisation) -> list[Any]:
    """One person who applied to two interviews, and someone else in another org."""
    first = populate_candidate(org, admin_user)
    second = populate_candidate(
        org, admin_user, name=first.name, email=first.email.upper(), title="Designer"
    )
    foreign = populate_candidate(other_org, admin_user, email=first.email, title="Elsewhere")
    return [first, second, foreign]


def test_reviewers_may_not_see_the_page(reviewer_client: Client) -> None:
    assert reviewer_client.get(LIST).status_code == 403


def test_due_dates_are_one_calendar_month_after_the_request() -> None:
    utc = datetime.UTC
    assert one_month_later(datetime.datetime(2027, 1, 31, 9, tzinfo=utc)) == datetime.datetime(
        2027, 2, 28, 9, tzinfo=utc
    )
    assert one_month_later(datetime.datetime(2026, 12, 2, tzinfo=utc)).month == 1


def test_find_a_person_across_the_organisations_interviews_only(
    admin_client: Client, person: list[Any]
) -> None:
    first, second, foreign = person
    page = admin_client.get(LIST, {"email": first.email}).content.decode()
    assert first.invitation.interview.title in page and "Designer" in page
    assert "Elsewhere" not in page


def _open(admin_client: Client, email: str) -> DataRequest:
    response = admin_client.post(LIST, {"email": email, "note": "Asked by phone"})
    assert response.status_code == 302
    data_request = DataRequest.objects.get()
    assert response["Location"] == f"/app/data-requests/{data_request.pk}/"
    return data_request


def test_a_bad_address_re_renders_with_a_message(admin_client: Client) -> None:
    response = admin_client.post(LIST, {"email": "not-an-address"})
    assert response.status_code == 400
    assert "Enter the person" in response.content.decode()
    assert not DataRequest.objects.exists()


def test_export_gives_one_zip_across_interviews(
    admin_client: Client, person: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    first, second, _foreign = person
    data_request = _open(admin_client, first.email)
    assert data_request.due_at == one_month_later(data_request.requested_at)
    act = reverse("dashboard:data_request_action", args=[data_request.pk])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(act, {"action": "export"})
    detail = admin_client.get(f"/app/data-requests/{data_request.pk}/").content.decode()
    assert "Download the ZIP" in detail
    response = admin_client.get(f"/app/data-requests/{data_request.pk}/download/")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    folders = {name.split("/")[0] for name in archive.namelist() if "/" in name}
    assert len(folders) == 2
    assert "README.txt" in archive.namelist()
    assert sum(name.endswith("question-01.mp4") for name in archive.namelist()) == 2
    assert "exported" in detail


def test_erase_removes_the_person_everywhere_in_the_org_except_under_hold(
    admin_client: Client,
    admin_user: User,
    person: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    first, second, foreign = person
    data_request = _open(admin_client, first.email)
    act = reverse("dashboard:data_request_action", args=[data_request.pk])
    admin_client.post(act, {"action": "hold", "invitation": second.invitation.pk})
    assert Invitation.objects.get(pk=second.invitation.pk).legal_hold_at is not None
    assert admin_client.post(act, {"action": "erase"}).status_code == 302  # not confirmed
    assert Invitation.objects.filter(status="erased").count() == 0
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(act, {"action": "erase", "confirm": "erase"})
    assert Invitation.objects.get(pk=first.invitation.pk).status == "erased"
    assert Invitation.objects.get(pk=second.invitation.pk).status != "erased"
    assert Invitation.objects.get(pk=foreign.invitation.pk).status != "erased"
    receipts = [m for m in mail.outbox if m.to == [first.email]]
    assert len(receipts) == 1
    assert not [m for m in mail.outbox if m.to == [admin_user.email]]  # the team did it
    admin_client.post(act, {"action": "release", "invitation": second.invitation.pk})
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(act, {"action": "erase", "confirm": "erase"})
    org = first.invitation.organisation
    assert not Invitation.objects.filter(organisation=org, email__iexact=first.email).exists()
    assert Invitation.objects.filter(pk=foreign.invitation.pk, email=first.email).exists()
    data_request.refresh_from_db()
    assert data_request.email.endswith("@erased.invalid")
    actions = [entry["action"] for entry in data_request.log]
    assert actions == ["opened", "erased", "erased"]
    detail = admin_client.get(f"/app/data-requests/{data_request.pk}/").content.decode()
    assert "No data of this address is left" in detail
    assert Erasure_reasons() == {"staff"}


def Erasure_reasons() -> set[str]:  # noqa: N802
    from oneway.core.models import Erasure

    return set(Erasure.objects.values_list("reason", flat=True))


def test_retention_preview_and_run_now(
    admin_client: Client,
    org: Organisation,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    org.retention_days = 1
    org.save()
    due = populate_candidate(org, admin_user)
    later = populate_candidate(org, admin_user, title="Later")
    Invitation.objects.filter(pk=due.invitation.pk).update(
        deadline=timezone.now() - datetime.timedelta(days=2)
    )
    page = admin_client.get(LIST).content.decode()
    today = timezone.localdate()
    assert f"1 candidate on {today:%-d %B}" in page
    assert "1 candidate on" in page.split(f"{today:%-d %B}", 1)[1]  # the later one
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/app/data-requests/retention/run/")
    assert Invitation.objects.get(pk=due.invitation.pk).status == "erased"
    assert Invitation.objects.get(pk=later.invitation.pk).status != "erased"
    entry = AuditEntry.objects.get(action="retention.run")
    assert entry.data == {"erased": 1} and entry.actor == admin_user


def test_an_interview_hold_is_audited_and_shown_to_the_candidate(
    admin_client: Client, org: Organisation, admin_user: User
) -> None:
    populated = populate_candidate(org, admin_user)
    interview = populated.invitation.interview
    admin_client.post(
        f"/app/interviews/{interview.pk}/legal-hold/", {"action": "hold", "note": "Claim 7"}
    )
    interview = Interview.objects.get(pk=interview.pk)
    assert interview.legal_hold_at is not None and interview.legal_hold_note == "Claim 7"
    assert "Claim 7" in admin_client.get(LIST).content.decode()
    assert AuditEntry.objects.filter(action="legal_hold.placed").exists()
    candidate = Client()
    candidate.get(reverse("candidate:enter", args=[populated.token]))
    assert "A legal hold applies" in candidate.get("/c/my-data/").content.decode()


def test_the_list_page_takes_the_same_queries_for_more_requests(
    admin_client: Client, org: Organisation
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(LIST).status_code == 200
        return len(queries)

    now = timezone.now()
    DataRequest.objects.create(organisation=org, email="a@example.com", due_at=now)
    one = count()
    for n in range(5):
        DataRequest.objects.create(organisation=org, email=f"p{n}@example.com", due_at=now)
    assert count() == one


def test_erase_also_removes_live_interviews_outside_any_recorded_interview(
    admin_client: Client,
    org: Organisation,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from oneway.live.models import LiveInterview

    LiveInterview.objects.create(
        organisation=org,
        title="Coffee chat",
        meeting_url="https://meet.example/x",
        candidate_name="Lone Person",
        candidate_email="lone@example.com",
        candidate_timezone="UTC",
        outcome_notes="Lone Person was sharp",
    )
    data_request = _open(admin_client, "lone@example.com")
    detail = admin_client.get(f"/app/data-requests/{data_request.pk}/").content.decode()
    assert "And 1 live interview with this address" in detail
    act = reverse("dashboard:data_request_action", args=[data_request.pk])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(act, {"action": "erase", "confirm": "erase"})
    assert not LiveInterview.objects.exists()
    data_request.refresh_from_db()
    assert data_request.email.endswith("@erased.invalid")
    assert "1 live interviews" in data_request.log[-1]["detail"]


def test_an_interview_sets_its_own_retention_in_its_form(
    admin_client: Client, org: Organisation, admin_user: User
) -> None:
    from isolation_objects import make_interview

    from oneway.candidate.testing import create_candidate
    from oneway.core.format_card import recorded_format_card

    interview = make_interview(org, created_by=admin_user)
    form = {
        "title": "Data analyst",
        "contact_email": "jobs@acme.test",
        "deadline_mode": "relative",
        "deadline_days": "5",
        "deadline_time": "17:00",
        "deadline_timezone": "Europe/London",
        "default_thinking_seconds": "30",
        "default_answer_seconds": "120",
        "default_retakes": "1",
        "reminder_hours": "48, 24",
        "grace_minutes": "15",
    }
    edit = reverse("dashboard:interview_edit", args=[interview.pk])
    refused = admin_client.post(edit, {**form, "retention_days": "99999"})
    assert "less than or equal to 3650" in refused.content.decode()
    assert admin_client.post(edit, {**form, "retention_days": "21"}).status_code == 302
    interview.refresh_from_db()
    assert interview.retention_days == 21
    link = create_candidate(org, actor=admin_user)
    link.invitation.interview = interview
    assert any("kept for 21 days" in note for note in recorded_format_card(link.invitation).notes)
    assert admin_client.post(edit, {**form, "retention_days": ""}).status_code == 302
    interview.refresh_from_db()
    assert interview.retention_days is None  # the organisation's again
