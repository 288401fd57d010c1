"""Which language a candidate's page speaks, and the switch on the page (issue 16).

Staff pages are English. Candidate pages speak, in this order: the language the candidate
chose with the switcher (kept in their session, forgotten when another invitation's link
is opened), their invitation's language (or the live interview's), and on pages that know
no invitation (an invalid link, say) the browser's Accept-Language among the shipped
languages.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from oneway.core.csrf import csrf_protect_null_origin
from oneway.core.languages import (
    interview_language,
    invitation_language,
    live_language,
    parse_language,
)
from oneway.core.models import Interview, Invitation
from oneway.live.models import LiveInterview

# The language the candidate chose on the page.
CHOICE_KEY = "candidate_language_choice"
# The language the candidate's pages last spoke: their uploads' error messages use it.
PAGE_KEY = "candidate_language"

# Where candidates are (everything else is staff, English). Paths, not URL names: the
# language is chosen before the URL is resolved.
CANDIDATE_PREFIXES = ("/c/", "/live/c/", "/apply/")
UPLOAD_PREFIXES = ("/uploads/",)


def browser_language(request: HttpRequest) -> str:
    """The best shipped language for the browser's Accept-Language (else English)."""
    return translation.get_language_from_request(request) or settings.LANGUAGE_CODE


def chosen_language(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    return parse_language(str(session.get(CHOICE_KEY) or "")) if session is not None else None


def spoken_language(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    return parse_language(str(session.get(PAGE_KEY) or "")) if session is not None else None


def page_language(
    request: HttpRequest,
    *,
    invitation: Invitation | None = None,
    live: LiveInterview | None = None,
    interview: Interview | None = None,
) -> str:
    chosen = chosen_language(request)
    if chosen:
        return chosen
    if invitation is not None:
        return invitation_language(invitation)
    if live is not None:
        return live_language(live)
    if interview is not None:
        return interview_language(interview)
    return browser_language(request)


def activate_for(
    request: HttpRequest,
    *,
    invitation: Invitation | None = None,
    live: LiveInterview | None = None,
    interview: Interview | None = None,
) -> str:
    """Speak the candidate's language for the rest of this request (see the module doc)."""
    code = page_language(request, invitation=invitation, live=live, interview=interview)
    translation.activate(code)
    request.LANGUAGE_CODE = code  # type: ignore[attr-defined]
    session = getattr(request, "session", None)
    if session is not None and session.get(PAGE_KEY) != code:
        session[PAGE_KEY] = code
    return code


def forget_choice(request: HttpRequest) -> None:
    """Another invitation's link was opened: its own language applies again."""
    request.session.pop(CHOICE_KEY, None)
    request.session.pop(PAGE_KEY, None)


def _safe_next(request: HttpRequest) -> str:
    wanted = request.POST.get("next", "")
    if wanted.startswith(CANDIDATE_PREFIXES) and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return "/c/"


@csrf_protect_null_origin
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """The switcher's form: remember the choice, go back to the page (no JavaScript needed).
    An unknown language changes nothing."""
    code = parse_language(request.POST.get("language", ""))
    if code is not None:
        request.session[CHOICE_KEY] = code
        request.session[PAGE_KEY] = code
    response = HttpResponseRedirect(_safe_next(request))
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


class CandidateLanguageMiddleware:
    """Replaces Django's LocaleMiddleware: English for staff, the candidate's language on
    candidate pages (views refine it with ``activate_for`` once they know the invitation)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path_info
        candidate = path.startswith(CANDIDATE_PREFIXES)
        if candidate:
            # Until the view knows the invitation: the candidate's choice, else what their
            # pages spoke last (a page after deleting their data), else the browser's.
            code = chosen_language(request) or spoken_language(request)
            code = code or browser_language(request)
        elif path.startswith(UPLOAD_PREFIXES):
            code = spoken_language(request) or settings.LANGUAGE_CODE
        else:
            code = settings.LANGUAGE_CODE
        with translation.override(code):
            request.LANGUAGE_CODE = code  # type: ignore[attr-defined]
            response = self.get_response(request)
            if candidate:
                patch_vary_headers(response, ("Accept-Language",))
                response.headers.setdefault("Content-Language", translation.get_language())
        return response
