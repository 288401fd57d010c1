"""The candidate's session: the capability token is exchanged once for a session cookie.

After ``candidate:enter`` the token never appears in a URL again (no leaks through
history, screenshots or Referer headers); every candidate page finds the invitation
through the session. ``candidate_page`` wraps every candidate view: it loads the
invitation, answers the closed page when the interview has closed, and sets the
headers every candidate page carries.
"""

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from oneway.candidate.language import activate_for, forget_choice
from oneway.core.csrf import csrf_protect_null_origin
from oneway.core.models import Invitation, InvitationStatus
from oneway.core.services.invitations import invitation_is_open

SESSION_KEY = "candidate_invitation_id"
DEVICE_CHECKED_KEY = "candidate_device_checked"

P = ParamSpec("P")
_R = TypeVar("_R", bound=HttpResponseBase)
CandidateView = Callable[Concatenate[HttpRequest, Invitation, P], HttpResponseBase]


def session_login(request: HttpRequest, invitation: Invitation) -> None:
    """Bind the browser session to ``invitation`` (a new session key: no fixation)."""
    if request.session.get(SESSION_KEY) != invitation.pk:
        request.session.cycle_key()
        request.session.pop(DEVICE_CHECKED_KEY, None)
        forget_choice(request)
    request.session[SESSION_KEY] = invitation.pk


def session_invitation(request: HttpRequest) -> Invitation | None:
    invitation_id = request.session.get(SESSION_KEY)
    if not invitation_id:
        return None
    return (
        Invitation.objects.select_related("interview", "organisation")
        .filter(pk=invitation_id)
        .first()
    )


def candidate_headers(response: _R) -> _R:
    """No Referer ever leaves a candidate page; nothing is cached or indexed."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


def closed_response(request: HttpRequest, invitation: Invitation | None) -> HttpResponse:
    """410: the link no longer opens an interview. Names no interview, gives a contact."""
    activate_for(request, invitation=invitation)
    contact = invitation.interview.contact_email if invitation is not None else ""
    # The candidate's data rights outlive the deadline: their data page stays reachable.
    has_data = invitation is not None and invitation.status != InvitationStatus.ERASED
    response = render(
        request, "candidate/closed.html", {"contact": contact, "has_data": has_data}, status=410
    )
    return candidate_headers(response)


def no_session_response(request: HttpRequest, *, api: bool) -> HttpResponse:
    if api:
        response: HttpResponse = JsonResponse(
            {"error": _("Your session has ended. Open the link from your email again.")},
            status=403,
        )
    else:
        response = render(request, "candidate/no_session.html", status=403)
    return candidate_headers(response)


def candidate_page(
    *, allow_completed: bool = False, api: bool = False
) -> Callable[[CandidateView[P]], Callable[Concatenate[HttpRequest, P], HttpResponseBase]]:
    """Decorate a candidate view ``view(request, invitation, ...)``.

    No session: 403 asking for the link again. Closed (deadline and grace passed,
    revoked, expired): 410. Completed: the status page, unless ``allow_completed``.
    """

    def decorate(view: CandidateView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            invitation = session_invitation(request)
            if invitation is None:
                return no_session_response(request, api=api)
            activate_for(request, invitation=invitation)
            if invitation.status == InvitationStatus.COMPLETED and not allow_completed:
                if api:
                    response: HttpResponseBase = JsonResponse(
                        {"error": _("You have already submitted this interview.")}, status=409
                    )
                    return candidate_headers(response)
                return candidate_headers(redirect("candidate:status"))
            if invitation.status != InvitationStatus.COMPLETED and not invitation_is_open(
                invitation
            ):
                if api:
                    return candidate_headers(JsonResponse({"error": closed_message()}, status=410))
                return closed_response(request, invitation)
            return candidate_headers(view(request, invitation, *args, **kwargs))

        # No referrer leaves a candidate page, so posts carry "Origin: null".
        return csrf_protect_null_origin(wrapper)

    return decorate


def closed_message() -> str:
    return _("This interview has closed: the deadline has passed. Nothing more can be sent.")


def json_error(message: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)
