"""What the candidate is told about their recordings, and the consent they give."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from oneway.core.models import Invitation


def privacy_contact(invitation: Invitation) -> str:
    return invitation.organisation.privacy_contact or invitation.interview.contact_email


def retention_sentence(invitation: Invitation) -> str:
    days = invitation.organisation.retention_days
    if days:
        return ngettext(
            "Your recordings are kept for %(days)d day after the interview closes, then "
            "deleted automatically.",
            "Your recordings are kept for %(days)d days after the interview closes, then "
            "deleted automatically.",
            days,
        ) % {"days": days}
    return _("Your recordings are kept until %(org)s deletes them or you ask them to.") % {
        "org": invitation.organisation.name
    }


def privacy_facts(invitation: Invitation) -> dict[str, str]:
    """Who watches, how long recordings are kept, how to have them deleted."""
    org = invitation.organisation.name
    return {
        "who": _(
            "Only members of the hiring team at %(org)s, signed in to their account, can "
            "watch your answers. Every time someone watches, it is recorded in a log."
        )
        % {"org": org},
        "humans": _(
            "People decide. No software scores or ranks you, and nothing analyses your face, "
            "voice or emotions. A written transcript of your answers may be made to help the "
            "team (and for captions)."
        ),
        "kept": retention_sentence(invitation),
        "delete": _(
            "To have your recordings deleted sooner, or to get a copy, write to %(contact)s."
        )
        % {"contact": privacy_contact(invitation)},
        "practice": _(
            "The practice question and the device check test clip are never shown to anyone."
        ),
    }


def consent_statement(invitation: Invitation) -> str:
    """The exact text the candidate agrees to; it is stored with the time they agreed."""
    facts = privacy_facts(invitation)
    return " ".join(
        [
            _(
                "I agree that %(org)s records my video, audio or written answers to the "
                "interview \u201c%(title)s\u201d and that its hiring team watches them to "
                "consider my application."
            )
            % {"org": invitation.organisation.name, "title": invitation.interview.title},
            facts["who"],
            facts["humans"],
            facts["kept"],
            facts["delete"],
        ]
    )
