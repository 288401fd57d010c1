"""Revealing a blind candidate's identity to one owner or admin, on purpose and on record."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from oneway.access import REVEAL_ACTION
from oneway.accounts.models import User
from oneway.core.audit import log_action
from oneway.core.models import Invitation


def candidate_identity_reveal(
    *, invitation: Invitation, actor: User, request: HttpRequest | None = None
) -> None:
    """Reveal the candidate's name, email and accommodation note to ``actor`` only.

    The audit entry *is* the reveal: ``oneway.access`` reads it back, so it can be neither
    hidden nor undone. The caller has checked the ``candidates.reveal`` permission.
    """
    if not invitation.interview.blind_mode:
        raise ValidationError(_("This interview is not in blind review."))
    log_action(
        REVEAL_ACTION,
        organisation=invitation.organisation,
        actor=actor,
        obj=invitation,
        interview_id=invitation.interview_id,
        invitation_id=invitation.pk,
        request=request,
    )
