import datetime
import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from isolation_objects import make_interview

from oneway.accounts.models import User
from oneway.core.models import (
    AuditEntry,
    Interview,
    Invitation,
    InvitationLink,
    InvitationStatus,
    Organisation,
)
from oneway.core.selectors import invitation_for_token
from oneway.core.services.invitations import (
    invitation_complete,
    invitation_create,
    invitation_extend,
    invitation_is_open,
    invitation_mark_opened,
    invitation_mark_started,
    invitation_resend,
    invitation_revoke,
)
from oneway.core.tokens import hash_token

LINK = re.compile(r"http://[^\s\"<]+/c/([A-Za-z0-9_-]+)/")


def links_in(message: mail.EmailMessage) -> list[str]:
    return list(dict.fromkeys(LINK.findall(message.body)))


def test_create_sends_the_invitation_with_a_working_link(
    interview: Interview, owner: User, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invitation_create(
            interview=interview,
            name="Ada Lovelace",
            email="Ada@Example.com ",
            timezone="America/New_York",
            actor=owner,
        )
    assert invitation.email == "ada@example.com"
    assert invitation.status == InvitationStatus.INVITED
    assert len(token) >= 22  # >= 128 bits, url-safe base64
    assert invitation.token_hash == hash_token(token)
    assert token not in str(list(Invitation.objects.values()))
    assert invitation_for_token(token) == invitation
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.reply_to == ["jobs@acme.test"]
    assert "recorded interview" in message.subject.lower()
    # The format card leads, in both the text and the HTML part.
    assert message.body.lstrip().startswith("== RECORDED INTERVIEW ==")
    assert "Recorded interview: no one will be on the call" in message.body
    html = message.alternatives[0][0]
    assert html.index("Recorded interview: no one will be on the call") < html.index("Hello Ada")
    [emailed] = links_in(message)
    assert emailed != token
    assert invitation_for_token(emailed) == invitation
    assert Invitation.objects.get().last_sent_at is not None
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "invitation.created" in actions and "invitation.email_sent" in actions


def test_format_card_in_the_email_states_everything(
    org: Organisation, owner: User, django_capture_on_commit_callbacks: Callable
) -> None:
    interview = make_interview(org, questions=5, practice_enabled=True)
    deadline = datetime.datetime(2099, 3, 13, 17, 0, tzinfo=datetime.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            interview=interview,
            name="Ada",
            email="ada@example.com",
            timezone="America/New_York",
            deadline=deadline,
            actor=owner,
        )
    body = mail.outbox[0].body
    assert "Answer by Friday 13 March 2099, 13:00 EDT (America/New_York)" in body
    assert "For Acme Hiring that is Friday 13 March 2099, 17:00 GMT (Europe/London)" in body
    assert "5 questions" in body
    assert "Up to 2 minutes per recorded answer" in body
    assert "30 seconds to think" in body
    assert "1 retake per answer" in body
    assert re.search(r"About \d+ minutes in total", body)
    assert "camera and a microphone" in body
    assert "Questions before you start? Write to jobs@acme.test" in body
    assert "Only the hiring team at Acme Hiring watches your answers" in body
    assert "kept for 180 days" in body


def test_relative_deadline_is_days_later_at_the_time_in_the_candidates_zone(
    interview: Interview, owner: User
) -> None:
    invitation, _ = invitation_create(
        interview=interview,
        name="A",
        email="a@example.com",
        timezone="Asia/Tokyo",
        actor=owner,
        send=False,
    )
    local = invitation.deadline.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert (local.hour, local.minute) == (17, 0)
    invited_local = invitation.invited_at.astimezone(local.tzinfo).date()
    assert (local.date() - invited_local).days == 5


def test_deadline_across_a_dst_change_keeps_the_wall_clock_time(interview: Interview) -> None:
    from oneway.core.deadlines import deadline_for

    # 2025-03-26 + 5 days crosses the change to summer time in London (30 March).
    invited = datetime.datetime(2025, 3, 26, 12, 0, tzinfo=datetime.UTC)
    deadline = deadline_for(interview, timezone="Europe/London", invited_at=invited)
    assert deadline == datetime.datetime(2025, 3, 31, 16, 0, tzinfo=datetime.UTC)  # 17:00 BST


def test_nonexistent_local_time_resolves_later() -> None:
    from oneway.core.deadlines import local_to_utc

    # 01:30 does not exist in London on 30 March 2025; the later reading is 02:30 BST.
    moment = local_to_utc(datetime.datetime(2025, 3, 30, 1, 30), "Europe/London")
    assert moment == datetime.datetime(2025, 3, 30, 1, 30, tzinfo=datetime.UTC)
    # 01:30 happens twice on 26 October 2025; the later is 01:30 GMT.
    moment = local_to_utc(datetime.datetime(2025, 10, 26, 1, 30), "Europe/London")
    assert moment == datetime.datetime(2025, 10, 26, 1, 30, tzinfo=datetime.UTC)


def test_fixed_deadline_is_the_same_for_everyone(org: Organisation, owner: User) -> None:
    fixed = timezone.now() + datetime.timedelta(days=3)
    interview = make_interview(org, deadline_mode="fixed", deadline_at=fixed)
    a, _ = invitation_create(
        interview=interview,
        name="A",
        email="a@x.test",
        timezone="Asia/Tokyo",
        actor=owner,
        send=False,
    )
    b, _ = invitation_create(
        interview=interview,
        name="B",
        email="b@x.test",
        timezone="America/Denver",
        actor=owner,
        send=False,
    )
    assert a.deadline == b.deadline == fixed


def test_create_refuses_bad_input_with_field_errors(interview: Interview, owner: User) -> None:
    with pytest.raises(ValidationError) as exc:
        invitation_create(
            interview=interview,
            name="",
            email="nope",
            timezone="Mars/Olympus",
            actor=owner,
            deadline=timezone.now() - datetime.timedelta(hours=1),
        )
    assert set(exc.value.error_dict) == {"name", "email", "timezone", "deadline"}
    assert not Invitation.objects.exists()


def test_create_refuses_a_duplicate(interview: Interview, owner: User) -> None:
    invitation_create(interview=interview, name="A", email="a@x.test", actor=owner, send=False)
    with pytest.raises(ValidationError) as exc:
        invitation_create(interview=interview, name="A", email="A@X.test", actor=owner)
    assert "already invited" in str(exc.value.error_dict["email"])


def test_an_interview_needs_a_question_before_inviting(org: Organisation, owner: User) -> None:
    interview = make_interview(org, questions=0)
    with pytest.raises(ValidationError, match="at least one question"):
        invitation_create(interview=interview, name="A", email="a@x.test", actor=owner)


def test_resend_and_reminders_keep_earlier_links_working(
    interview: Interview, owner: User, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invitation_create(
            interview=interview, name="A", email="a@x.test", actor=owner
        )
    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(invitation=invitation, actor=owner)
    first, second = (links_in(m)[0] for m in mail.outbox)
    assert first != second
    for t in (token, first, second):
        assert invitation_for_token(t) == invitation
    assert InvitationLink.objects.filter(invitation=invitation).count() == 3
    assert AuditEntry.objects.filter(action="invitation.resent").count() == 1


def test_tampered_token_finds_nothing(interview: Interview, owner: User) -> None:
    _, token = invitation_create(
        interview=interview, name="A", email="a@x.test", actor=owner, send=False
    )
    assert invitation_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert invitation_for_token("") is None
    assert invitation_for_token("x" * 500) is None


def test_status_transitions_record_their_times(
    interview: Interview, owner: User, django_capture_on_commit_callbacks: Callable
) -> None:
    invitation, _ = invitation_create(
        interview=interview, name="A", email="a@x.test", actor=owner, send=False
    )
    invitation_mark_opened(invitation=invitation)
    invitation_mark_opened(invitation=invitation)  # once only
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPENED and invitation.opened_at
    invitation_mark_started(invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.IN_PROGRESS and invitation.started_at
    with django_capture_on_commit_callbacks(execute=True):
        invitation_complete(invitation=invitation)
        invitation_complete(invitation=invitation)  # idempotent
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.COMPLETED and invitation.completed_at
    assert not invitation_is_open(invitation)
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        "A completed Support engineer",
        "Received: your recorded interview for Support engineer",
    ]
    receipt = next(m for m in mail.outbox if m.to == ["a@x.test"])
    assert "Questions answered: 0 of 2" in receipt.body
    team = next(m for m in mail.outbox if m.to != ["a@x.test"])
    assert team.to == [owner.email]
    actions = list(
        AuditEntry.objects.filter(invitation_id=invitation.pk)
        .order_by("id")
        .values_list("action", "actor_label")
    )
    assert ("invitation.opened", f"candidate:{invitation.pk}") in actions
    assert [a for a, _ in actions].count("invitation.opened") == 1
    assert [a for a, _ in actions].count("invitation.completed") == 1


def test_revoke_closes_every_link(interview: Interview, owner: User) -> None:
    invitation, token = invitation_create(
        interview=interview, name="A", email="a@x.test", actor=owner, send=False
    )
    invitation_revoke(invitation=invitation, actor=owner)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED and invitation.revoked_at
    assert not invitation_is_open(invitation)
    assert invitation_for_token(token) == invitation  # found, but closed: the page says so
    with pytest.raises(ValidationError):
        invitation_revoke(invitation=invitation, actor=owner)
    with pytest.raises(ValidationError):
        invitation_resend(invitation=invitation, actor=owner)
    # A revoked address may be invited afresh.
    invitation_create(interview=interview, name="A", email="a@x.test", actor=owner, send=False)


def test_open_until_deadline_plus_grace(interview: Interview, owner: User) -> None:
    deadline = timezone.now() + datetime.timedelta(hours=1)
    invitation, _ = invitation_create(
        interview=interview,
        name="A",
        email="a@x.test",
        actor=owner,
        send=False,
        deadline=deadline,
    )
    grace = datetime.timedelta(minutes=interview.grace_minutes)
    assert invitation_is_open(invitation, now=deadline + grace)
    assert not invitation_is_open(invitation, now=deadline + grace + datetime.timedelta(seconds=1))


def test_extend_reopens_an_expired_invitation_and_notifies(
    interview: Interview, owner: User, django_capture_on_commit_callbacks: Callable
) -> None:
    invitation, _ = invitation_create(
        interview=interview, name="A", email="a@x.test", actor=owner, send=False
    )
    invitation_mark_opened(invitation=invitation)
    Invitation.objects.filter(pk=invitation.pk).update(
        status=InvitationStatus.EXPIRED,
        expired_at=timezone.now(),
        deadline=timezone.now() - datetime.timedelta(days=1),
    )
    invitation.refresh_from_db()
    new_deadline = timezone.now() + datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_extend(invitation=invitation, deadline=new_deadline, actor=owner)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPENED
    assert invitation.deadline == new_deadline and invitation.expired_at is None
    assert invitation_is_open(invitation)
    [message] = mail.outbox
    assert message.subject.startswith("New deadline")
    entry = AuditEntry.objects.get(action="invitation.extended")
    assert entry.actor == owner and entry.data["to"] == new_deadline.isoformat()


def test_extend_refuses_a_past_deadline(interview: Interview, owner: User) -> None:
    invitation, _ = invitation_create(
        interview=interview, name="A", email="a@x.test", actor=owner, send=False
    )
    with pytest.raises(ValidationError) as exc:
        invitation_extend(
            invitation=invitation,
            deadline=timezone.now() - datetime.timedelta(minutes=1),
            actor=owner,
        )
    assert "deadline" in exc.value.error_dict


def test_a_concurrent_duplicate_is_refused_by_the_database(
    interview: Interview, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oneway.core.services import invitations

    invitation_create(interview=interview, name="A", email="a@x.test", actor=owner, send=False)
    # As if the other request's insert landed between our check and our insert.
    monkeypatch.setattr(invitations, "existing_invitation", lambda *args: None)
    with pytest.raises(ValidationError) as exc:
        invitation_create(interview=interview, name="A", email="a@x.test", actor=owner)
    assert "already invited" in str(exc.value.error_dict["email"])
    assert Invitation.objects.count() == 1
