import datetime

from django.core import mail
from django.utils import timezone
from isolation_objects import make_invitation

from oneway.core.models import (
    AuditEntry,
    Interview,
    Invitation,
    InvitationStatus,
    ReminderDelivery,
)
from oneway.core.selectors import invitation_for_token
from oneway.core.services.invitations import invitations_expire_due, reminders_send_due
from oneway.core.tasks import expire_invitations, send_due_reminders

H = datetime.timedelta(hours=1)


def invite(interview: Interview, *, deadline_in: float, invited_ago: float = 100) -> Invitation:
    now = timezone.now()
    return make_invitation(
        interview, deadline=now + deadline_in * H, invited_at=now - invited_ago * H
    )


def test_reminder_48h_then_24h_each_once(interview: Interview) -> None:
    invitation = invite(interview, deadline_in=47)
    assert reminders_send_due() == 1
    assert reminders_send_due() == 0  # the job runs again: nothing twice
    [message] = mail.outbox
    assert message.subject.startswith("Reminder: 48 hours left")
    assert message.body.lstrip().startswith("== RECORDED INTERVIEW ==")
    link = message.body.split("/c/")[1].split("/")[0]
    assert invitation_for_token(link) == invitation
    # A day later the 24-hour reminder is due.
    later = timezone.now() + 24 * H
    assert reminders_send_due(now=later) == 1
    assert reminders_send_due(now=later) == 0
    assert sorted(invitation.reminders.values_list("hours_before", flat=True)) == [24, 48]
    assert AuditEntry.objects.filter(action="invitation.reminder_sent").count() == 2


def test_periodic_task_runs_the_same_service(interview: Interview) -> None:
    invite(interview, deadline_in=20)
    send_due_reminders.call_local()
    send_due_reminders.call_local()
    assert len(mail.outbox) == 1


def test_missed_reminders_are_not_sent_late(interview: Interview) -> None:
    invitation = invite(interview, deadline_in=10)
    assert reminders_send_due() == 1
    assert mail.outbox[0].subject.startswith("Reminder: 24 hours left")
    assert set(invitation.reminders.values_list("hours_before", flat=True)) == {24, 48}


def test_no_reminder_for_a_fresh_invitation(interview: Interview) -> None:
    # Invited 30 hours before the deadline: the 48-hour reminder would be silly.
    invite(interview, deadline_in=30, invited_ago=0.1)
    assert reminders_send_due() == 0


def test_never_after_completion_revocation_or_the_deadline(interview: Interview) -> None:
    completed = invite(interview, deadline_in=10)
    Invitation.objects.filter(pk=completed.pk).update(status=InvitationStatus.COMPLETED)
    revoked = invite(interview, deadline_in=10)
    Invitation.objects.filter(pk=revoked.pk).update(status=InvitationStatus.REVOKED)
    invite(interview, deadline_in=-1)
    assert reminders_send_due() == 0
    assert mail.outbox == []


def test_per_interview_schedule(interview: Interview) -> None:
    interview.reminder_hours = [6]
    interview.save()
    invite(interview, deadline_in=20)
    assert reminders_send_due() == 0
    invite(interview, deadline_in=5)
    assert reminders_send_due() == 1
    interview.reminder_hours = []
    interview.save()
    invite(interview, deadline_in=1)
    assert reminders_send_due() == 0


def test_concurrent_runs_send_once(interview: Interview) -> None:
    invitation = invite(interview, deadline_in=10)
    # Another worker recorded the delivery between our read and our insert.
    ReminderDelivery.objects.create(invitation=invitation, hours_before=24)
    assert reminders_send_due() == 0
    assert mail.outbox == []


def test_failed_send_is_retried_next_run(interview: Interview, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from oneway.core.services import invitations

    invite(interview, deadline_in=10)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("SMTP down")

    monkeypatch.setattr(invitations, "send_templated_email", broken)
    assert reminders_send_due() == 0
    assert not ReminderDelivery.objects.filter(hours_before=24).exists()
    monkeypatch.undo()
    assert reminders_send_due() == 1


def test_expiry_after_deadline_and_grace(interview: Interview) -> None:
    now = timezone.now()
    within_grace = invite(interview, deadline_in=-0.1)  # 6 minutes ago, grace is 15
    overdue = invite(interview, deadline_in=-1)
    done = invite(interview, deadline_in=-1)
    Invitation.objects.filter(pk=done.pk).update(status=InvitationStatus.COMPLETED)
    assert invitations_expire_due(now=now) == 1
    expire_invitations.call_local()  # the periodic task: nothing more to do
    overdue.refresh_from_db()
    within_grace.refresh_from_db()
    assert overdue.status == InvitationStatus.EXPIRED and overdue.expired_at is not None
    assert within_grace.status == InvitationStatus.INVITED
    assert Invitation.objects.get(pk=done.pk).status == InvitationStatus.COMPLETED
    assert AuditEntry.objects.filter(action="invitation.expired").count() == 1
