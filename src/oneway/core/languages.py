"""The languages candidates read Oneway in (issue 16); staff pages stay English.

An interview has a language (its invitations' default) and an invitation may name its own
(blank: the interview's). A candidate can switch on the page; that choice lives in their
session (``oneway.candidate.language``).
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from oneway.core.models import Interview, Invitation
    from oneway.live.models import LiveInterview


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def parse_language(text: str) -> str | None:
    """A shipped language's code from how people write it ("DE", "pt_BR", "pt-br"), or None."""
    wanted = text.strip().replace("_", "-").lower()
    return wanted if wanted in language_codes() else None


def validate_language(value: str) -> None:
    if value and value not in language_codes():
        raise ValidationError(
            _("Unknown language %(code)s: use one of %(codes)s."),
            code="language",
            params={"code": value, "codes": ", ".join(language_codes())},
        )


def interview_language(interview: "Interview | None") -> str:
    code = interview.language if interview is not None else ""
    return code if code in language_codes() else settings.LANGUAGE_CODE


def invitation_language(invitation: "Invitation") -> str:
    """The language this invitation's pages and emails use (before the candidate switches)."""
    if invitation.language in language_codes():
        return invitation.language
    return interview_language(invitation.interview)


def live_language(live: "LiveInterview") -> str:
    """A live interview speaks its invitation's language, else its interview's."""
    if live.invitation_id is not None and live.invitation is not None:
        return invitation_language(live.invitation)
    return interview_language(live.interview)


def is_rtl(code: str) -> bool:
    try:
        return bool(get_language_info(code)["bidi"])
    except KeyError:
        return False
