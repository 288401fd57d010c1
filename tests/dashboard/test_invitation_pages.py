import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from isolation_objects import make_interview

from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Interview, Invitation, InvitationStatus, Organisation


@pytest.fixture
def interview(org: Organisation, owner: User) -> Interview:
    return make_interview(org, created_by=owner)


@pytest.fixture(autouse=True)
def clear_rate_limits(db: None) -> None:
    cache.clear()


def test_invite_one_candidate(
    admin_client: Client, interview: Interview, django_capture_on_commit_callbacks: Callable
) -> None:
    url = reverse("dashboard:invitation_create", args=[interview.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url,
            {
                "name": "Ada",
                "email": "ada@example.com",
                "timezone": "Asia/Tokyo",
                "deadline": "2099-01-10T09:00",
            },
        )
    invitation = Invitation.objects.get()
    assert response["Location"] == reverse(
        "dashboard:invitation_detail", args=[interview.pk, invitation.pk]
    )
    assert invitation.deadline.isoformat() == "2099-01-10T00:00:00+00:00"  # 09:00 in Tokyo
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    page = admin_client.get(response["Location"])
    assert b"Resend invitation" in page.content and b"Extend the deadline" in page.content
    assert b"invitation.created" in page.content  # the candidate's activity


def test_invite_form_re_renders_with_errors(admin_client: Client, interview: Interview) -> None:
    url = reverse("dashboard:invitation_create", args=[interview.pk])
    response = admin_client.post(
        url, {"name": "", "email": "nope", "timezone": "Mars/Base", "deadline": "soon"}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "email", "timezone", "deadline"}
    admin_client.post(url, {"name": "Ada", "email": "ada@example.com"})
    response = admin_client.post(url, {"name": "Ada", "email": "ADA@example.com"})
    assert response.status_code == 400
    assert "already invited" in str(response.context["form"].errors["email"])


def test_inviting_needs_a_question(admin_client: Client, org: Organisation) -> None:
    empty = make_interview(org, questions=0)
    url = reverse("dashboard:invitation_create", args=[empty.pk])
    page = admin_client.get(url)
    assert b"Add at least one question" in page.content
    response = admin_client.post(url, {"name": "Ada", "email": "ada@example.com"})
    assert response.status_code == 400
    assert b"Add at least one question" in response.content
    assert not Invitation.objects.exists()


def test_resend_extend_and_revoke_from_the_invitation_page(
    admin_client: Client, interview: Interview, django_capture_on_commit_callbacks: Callable
) -> None:
    admin_client.post(
        reverse("dashboard:invitation_create", args=[interview.pk]),
        {"name": "Ada", "email": "ada@example.com", "timezone": "Europe/Paris"},
    )
    invitation = Invitation.objects.get()
    args = [interview.pk, invitation.pk]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("dashboard:invitation_resend", args=args))
    assert len(mail.outbox) == 1
    extend = reverse("dashboard:invitation_extend", args=args)
    response = admin_client.post(extend, {"deadline": "2000-01-01T10:00", "notify": "on"})
    assert response.status_code == 400 and b"must be in the future" in response.content
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(extend, {"deadline": "2099-05-01T12:00", "notify": "on"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.deadline.isoformat() == "2099-05-01T10:00:00+00:00"  # 12:00 CEST
    assert mail.outbox[-1].subject.startswith("New deadline")
    revoke = reverse("dashboard:invitation_revoke", args=args)
    assert b"stops working" in admin_client.get(revoke).content
    admin_client.post(revoke)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    page = admin_client.get(reverse("dashboard:invitation_detail", args=args))
    assert b"Resend invitation" not in page.content
    assert b"Revoked" in page.content
    audit = admin_client.get(reverse("dashboard:invitation_audit", args=args))
    for action in (b"invitation.resent", b"invitation.extended", b"invitation.revoked"):
        assert action in audit.content


def test_reviewer_sees_the_invitation_but_cannot_manage_it(
    reviewer_client: Client, interview: Interview, owner: User, assign_reviewer: Callable[..., Any]
) -> None:
    from oneway.core.services.invitations import invitation_create

    invitation, _ = invitation_create(
        interview=interview, name="Ada", email="ada@x.test", actor=owner, send=False
    )
    args = [interview.pk, invitation.pk]
    url = reverse("dashboard:invitation_detail", args=args)
    assert reviewer_client.get(url).status_code == 404  # not assigned to the interview
    assign_reviewer(interview)
    page = reviewer_client.get(url)
    assert page.status_code == 200 and b"Resend invitation" not in page.content
    assert b"invitation.created" not in page.content  # the audit log is for admins
    assert (
        reviewer_client.post(reverse("dashboard:invitation_revoke", args=args)).status_code == 403
    )


def test_csv_upload_preview_then_confirm(
    admin_client: Client, interview: Interview, django_capture_on_commit_callbacks: Callable
) -> None:
    csv = (
        "name,email,timezone\n"
        "Ada,ada@example.com,Europe/London\n"
        "Bob,bob@example,\n"
        "Cy,cy@example.com,Nowhere/Land\n"
        "Di,di@example.com,\n"
    )
    response = admin_client.post(
        reverse("dashboard:invitation_import", args=[interview.pk]),
        {"file": SimpleUploadedFile("people.csv", csv.encode(), content_type="text/csv")},
    )
    assert response.status_code == 302
    preview = admin_client.get(response["Location"])
    content = preview.content.decode()
    assert "Not a valid email address." in content
    assert "Unknown time zone Nowhere/Land" in content
    assert "Invite 2 candidates" in content
    # Rows with problems come first.
    assert content.index("bob@example") < content.index("ada@example.com")
    assert not Invitation.objects.exists() and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(response["Location"])
    assert done.status_code == 302
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "ada@example.com",
        "di@example.com",
    ]
    assert len(mail.outbox) == 2
    again = admin_client.post(response["Location"])
    assert again.status_code == 200 and Invitation.objects.count() == 2


def test_csv_upload_errors_re_render(admin_client: Client, interview: Interview) -> None:
    url = reverse("dashboard:invitation_import", args=[interview.pk])
    response = admin_client.post(url, {})
    assert response.status_code == 400 and "file" in response.context["form"].errors
    response = admin_client.post(
        url, {"file": SimpleUploadedFile("x.csv", b"foo,bar\n1,2\n", content_type="text/csv")}
    )
    assert response.status_code == 400
    assert b"name, email not found" in response.content


def test_apply_link_is_off_by_default(interview: Interview) -> None:
    interview.apply_token = "sometoken1234567890abcd"
    interview.save()
    assert Client().get(reverse("apply:apply", args=[interview.apply_token])).status_code == 404


def test_apply_page_sends_a_personal_link(
    admin_client: Client, interview: Interview, django_capture_on_commit_callbacks: Callable
) -> None:
    from oneway.core.services.interviews import interview_update

    interview_update(interview=interview, fields={"apply_link_enabled": True}, actor=None)
    detail = admin_client.get(reverse("dashboard:interview_detail", args=[interview.pk]))
    url = reverse("apply:apply", args=[interview.apply_token])
    assert url.encode() in detail.content
    client = Client()
    page = client.get(url)
    assert b"no one will be on the call" in page.content
    assert page["Cache-Control"].startswith("max-age=0")
    bad = client.post(url, {"name": "", "email": "x"})
    assert bad.status_code == 400 and b"error-summary" in bad.content
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            url, {"name": "Eve", "email": "eve@example.com", "timezone": "Europe/Madrid"}
        )
    assert sent.status_code == 200 and b"Check your email" in sent.content
    invitation = Invitation.objects.get()
    assert invitation.source == "apply" and invitation.timezone == "Europe/Madrid"
    assert re.search(r"/c/[A-Za-z0-9_-]{40,}/", mail.outbox[0].body)
    # Applying again sends the link again, without a second invitation, same answer.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, {"name": "Eve", "email": "eve@example.com"})
    assert again.content == sent.content
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 2
    assert AuditEntry.objects.filter(action="invitation.apply_repeated").count() == 1


def test_apply_is_rate_limited(interview: Interview) -> None:
    interview.apply_link_enabled = True
    interview.apply_token = "applytoken-abcdefghijklmnop"
    interview.save()
    url = reverse("apply:apply", args=[interview.apply_token])
    client = Client()
    statuses = [
        client.post(url, {"name": "X", "email": f"x{n}@example.com"}).status_code for n in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    # Per address: at most 3 emails an hour to the same person, whatever the IP.
    for n in range(5):
        Client().post(url, {"name": "Y", "email": "y@example.com"}, REMOTE_ADDR=f"10.1.1.{n}")
    assert Invitation.objects.filter(email="y@example.com").count() == 1
    assert AuditEntry.objects.filter(action="invitation.apply_repeated").count() == 2


def test_a_passed_fixed_deadline_is_explained_and_can_be_overridden(
    admin_client: Client, org: Organisation
) -> None:
    import datetime

    from django.utils import timezone

    interview = make_interview(
        org, deadline_mode="fixed", deadline_at=timezone.now() - datetime.timedelta(days=1)
    )
    page = admin_client.get(reverse("dashboard:interview_detail", args=[interview.pk]))
    assert b"fixed deadline has passed" in page.content
    assert b"Invite a candidate" in page.content
    url = reverse("dashboard:invitation_create", args=[interview.pk])
    response = admin_client.post(url, {"name": "Ada", "email": "ada@example.com"})
    assert response.status_code == 400 and b"fixed deadline has passed" in response.content
    response = admin_client.post(
        url, {"name": "Ada", "email": "ada@example.com", "deadline": "2099-01-01T12:00"}
    )
    assert response.status_code == 302
