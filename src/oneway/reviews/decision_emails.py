"""The emails a candidate may receive when their decision changes.

Each interview may override the built-in text per status. Placeholders in braces are
filled in: {candidate_name}, {interview_title}, {organisation_name}, {contact_email}.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from oneway.core.models import Interview, Invitation
from oneway.reviews.models import DecisionEmailTemplate, DecisionStatus

PLACEHOLDERS = ("candidate_name", "interview_title", "organisation_name", "contact_email")
EMAIL_STATUSES = (
    DecisionStatus.SHORTLISTED,
    DecisionStatus.ON_HOLD,
    DecisionStatus.ADVANCED,
    DecisionStatus.REJECTED,
)

DEFAULTS = {
    DecisionStatus.SHORTLISTED: (
        _("Your interview for {interview_title}: you are on our shortlist"),
        _(
            "Dear {candidate_name},\n\nThank you for recording your interview for "
            "{interview_title}. We enjoyed your answers and you are on our shortlist. "
            "We will be in touch about the next step soon.\n\n"
            "If you have a question, write to {contact_email}.\n\n{organisation_name}"
        ),
    ),
    DecisionStatus.ON_HOLD: (
        _("Your interview for {interview_title}: an update"),
        _(
            "Dear {candidate_name},\n\nThank you for recording your interview for "
            "{interview_title}. We have not decided yet and need a little more time. "
            "We will write to you again as soon as we know more.\n\n"
            "If you have a question, write to {contact_email}.\n\n{organisation_name}"
        ),
    ),
    DecisionStatus.ADVANCED: (
        _("Your interview for {interview_title}: the next step"),
        _(
            "Dear {candidate_name},\n\nThank you for recording your interview for "
            "{interview_title}. We would like to invite you to the next step; we will "
            "contact you shortly with the details.\n\n"
            "If you have a question, write to {contact_email}.\n\n{organisation_name}"
        ),
    ),
    DecisionStatus.REJECTED: (
        _("Your interview for {interview_title}"),
        _(
            "Dear {candidate_name},\n\nThank you for the time you took to record your "
            "interview for {interview_title}. After careful consideration we have decided "
            "not to move forward with your application. We wish you every success.\n\n"
            "If you have a question, write to {contact_email}.\n\n{organisation_name}"
        ),
    ),
}


@dataclass(frozen=True)
class DecisionEmail:
    status: str
    subject: str
    body: str
    customised: bool


def templates_for(interview: Interview) -> dict[str, DecisionEmail]:
    saved = {t.status: t for t in DecisionEmailTemplate.objects.filter(interview=interview)}
    result: dict[str, DecisionEmail] = {}
    for status in EMAIL_STATUSES:
        if status in saved:
            template = saved[status]
            result[status] = DecisionEmail(status, template.subject, template.body, True)
        else:
            subject, body = DEFAULTS[status]
            result[status] = DecisionEmail(status, str(subject), str(body), False)
    return result


def fill(text: str, invitation: Invitation, *, name: str | None = None) -> str:
    """The template with the candidate's values; ``name`` replaces the candidate's name
    where a preview is shown to staff who may not see it (blind mode)."""
    values = {
        "candidate_name": invitation.name if name is None else name,
        "interview_title": invitation.interview.title,
        "organisation_name": invitation.organisation.name,
        "contact_email": invitation.interview.contact_email,
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)
