"""What the candidate is told about their recordings, and the consent they give."""

from django.utils.translation import gettext as _

from oneway.core.models import Invitation
from oneway.core.services.retention import (
    clips_promise,
    retention_due,
    retention_promise,
    rights_promise,
)


def privacy_contact(invitation: Invitation) -> str:
    return invitation.organisation.privacy_contact or invitation.interview.contact_email


def retention_sentence(invitation: Invitation) -> str:
    return retention_promise(invitation.interview)


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
        "delete": rights_promise(invitation)
        + " "
        + _("Deleting withdraws your application. Questions about your data: %(contact)s.")
        % {"contact": privacy_contact(invitation)},
        "practice": clips_promise(),
    }


def consent_statement(invitation: Invitation) -> str:
    """The exact text the candidate agrees to; it is stored with the time they agreed."""
    facts = privacy_facts(invitation)
    return " ".join(
        [
            _(
                "I agree that %(org)s records my video, audio or written answers to the "
                "interview “%(title)s” and that its hiring team watches them to "
                "consider my application."
            )
            % {"org": invitation.organisation.name, "title": invitation.interview.title},
            facts["who"],
            facts["humans"],
            facts["kept"],
            facts["delete"],
        ]
    )


def rights_facts(invitation: Invitation) -> dict[str, str]:
    """The "Your data" page: when retention deletes it, and how the candidate can."""
    from oneway.core.localdates import local_date

    due = retention_due(invitation)
    when = ""
    if invitation.legal_hold_at is not None or invitation.interview.legal_hold_at is not None:
        when = _(
            "A legal hold applies to your application: nothing can be deleted until it is "
            "lifted. Questions: %(contact)s."
        ) % {"contact": privacy_contact(invitation)}
    elif due is not None:
        when = _("Unless you delete it sooner, your data will be deleted on %(date)s.") % {
            "date": local_date(due.date(), "j F Y")
        }
    return {"kept": retention_sentence(invitation), "when": when, "clips": clips_promise()}
