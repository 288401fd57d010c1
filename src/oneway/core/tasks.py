"""Background jobs for the core (invitations, reminders). Tasks take ids, never objects.

Each task only calls a service; the services are idempotent, so a retried or doubled task
does no harm.
"""

from huey.contrib.djhuey import db_task, task

from oneway.core.periodic import periodic_task


@db_task(retries=3, retry_delay=60)
def send_invitation_email(invitation_id: int, purpose: str) -> None:
    from oneway.core.services.invitations import invitation_email_send

    invitation_email_send(invitation_id=invitation_id, purpose=purpose)


@db_task()
def send_invitation_emails(invitation_ids: list[int], purpose: str) -> None:
    """Many invitations at once (a CSV import): one task, not a thousand.

    A failure is retried on its own, so the others are not sent twice.
    """
    from oneway.core.services.invitations import invitation_emails_send

    for invitation_id in invitation_emails_send(invitation_ids=invitation_ids, purpose=purpose):
        send_invitation_email.schedule((invitation_id, purpose), delay=60)


@db_task(retries=3, retry_delay=60)
def send_completion_emails(invitation_id: int) -> None:
    from oneway.core.services.invitations import invitation_completion_emails_send

    invitation_completion_emails_send(invitation_id=invitation_id)


@db_task(retries=3, retry_delay=60)
def send_member_invite_email(member_invite_id: int) -> None:
    from oneway.core.services.members import member_invite_email_send

    member_invite_email_send(member_invite_id=member_invite_id)


@periodic_task(minutes=5)
def send_due_reminders() -> None:
    from oneway.core.services.invitations import reminders_send_due

    reminders_send_due()


@periodic_task(minutes=1)
def expire_invitations() -> None:
    from oneway.core.services.invitations import invitations_expire_due

    invitations_expire_due()


@db_task(retries=8, retry_delay=120)
def run_erasure(erasure_id: int) -> None:
    """Remove an erased candidate's files; raises (and is retried) while some remain."""
    from oneway.core.services.erasure import erasure_run

    erasure_run(erasure_id=erasure_id)


@periodic_task(hours=1, at_minute=23)
def retry_pending_erasures() -> None:
    from oneway.core.services.erasure import erasures_retry_pending

    erasures_retry_pending()


@db_task(retries=3, retry_delay=60)
def build_data_export(export_id: int) -> None:
    from oneway.core.services.data_exports import data_export_build

    data_export_build(export_id=export_id)


@db_task(retries=3, retry_delay=60)
def send_data_export_email(export_id: int) -> None:
    from oneway.core.services.data_exports import data_export_email_send

    data_export_email_send(export_id=export_id)


@periodic_task(days=1, at_hour=3, at_minute=10)
def run_retention() -> None:
    """The daily retention run (see core/services/retention.py for the rule)."""
    from oneway.core.services.retention import retention_run

    retention_run()


@periodic_task(hours=1, at_minute=41)
def remove_short_lived_data() -> None:
    """Hourly: test and practice clips past 24 hours, export ZIPs past their days, upload
    rows of stored answers."""
    from oneway.core.services.data_exports import data_exports_remove_expired
    from oneway.core.services.retention import (
        short_lived_clips_delete,
        stored_answer_uploads_delete,
    )

    short_lived_clips_delete()
    data_exports_remove_expired()
    stored_answer_uploads_delete()


@task()
def doctor_ping(nonce: str) -> str:
    """``doctor``'s queue round trip: a worker hands the value back."""
    return nonce
