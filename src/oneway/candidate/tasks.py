"""Periodic jobs of the candidate flow."""

from oneway.candidate.device_clips import device_check_clips_expire
from oneway.candidate.services import answers_submit_last_takes
from oneway.core.models import Answer, Invitation, InvitationStatus
from oneway.core.models.answers import TakeState
from oneway.core.periodic import periodic_task


@periodic_task(minutes=10)
def submit_last_takes_of_closed_interviews() -> int:
    """When an interview closes, an answer recorded but never sent counts with its last
    saved take ("or the last one counts"). Idempotent: sent answers are left alone."""
    invitation_ids = (
        Answer.objects.filter(
            is_practice=False,
            submitted_at__isnull=True,
            takes__state=TakeState.UPLOADED,
            invitation__status__in=(InvitationStatus.EXPIRED, InvitationStatus.COMPLETED),
        )
        .values_list("invitation_id", flat=True)
        .distinct()
    )
    sent = 0
    for invitation in Invitation.objects.filter(pk__in=list(invitation_ids)).select_related(
        "organisation"
    ):
        sent += answers_submit_last_takes(invitation=invitation)
    return sent


@periodic_task(minutes=15)
def expire_device_check_clips() -> int:
    """Finished test clips are kept at most rules.DEVICE_CHECK_KEEP (unfinished ones
    expire then too, through the upload sweep)."""
    return device_check_clips_expire()
