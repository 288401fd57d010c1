"""The personal link: ``/c/<token>/`` exchanges the capability token for a session."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from oneway.candidate.session import candidate_headers, closed_response, session_login
from oneway.core.audit import client_ip
from oneway.core.models import InvitationStatus
from oneway.core.selectors import invitation_for_token
from oneway.core.services.invitations import invitation_is_open, invitation_mark_opened


def link_rate_limited(request: HttpRequest) -> bool:
    """More than CANDIDATE_LINK_RATE_LIMIT link attempts from this IP this minute?"""
    limit = settings.CANDIDATE_LINK_RATE_LIMIT
    if limit <= 0:
        return False
    key = f"candidate-link:{client_ip(request) or '-'}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=90)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=90)
        attempts = 1
    return attempts > limit


@require_GET
def enter(request: HttpRequest, token: str) -> HttpResponse:
    if link_rate_limited(request):
        response = render(request, "candidate/rate_limited.html", status=429)
        response["Retry-After"] = "60"
        return candidate_headers(response)
    invitation = invitation_for_token(token)
    if invitation is None:
        return candidate_headers(render(request, "candidate/link_invalid.html", status=404))
    if invitation.status == InvitationStatus.COMPLETED:
        session_login(request, invitation)
        return candidate_headers(redirect("candidate:status"))
    if not invitation_is_open(invitation):
        session_login(request, invitation)  # for their data page, which stays open
        return closed_response(request, invitation)
    session_login(request, invitation)
    invitation_mark_opened(invitation=invitation, request=request)
    # The token leaves the address bar (and history) at once.
    return candidate_headers(redirect("candidate:landing"))
