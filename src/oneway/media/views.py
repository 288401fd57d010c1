"""Media views: signed serving, play reports, and the staff retry/state endpoints."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oneway.access import (
    Viewer,
    access_media_item,
    candidate_identity,
    viewer_from,
    visible_media_items,
)
from oneway.accounts.permissions import staff_view
from oneway.core.audit import log_action
from oneway.core.models import Invitation, Membership
from oneway.media.models import MediaItem
from oneway.media.services import can_retry, media_item_retry
from oneway.media.serving import serve_media_item
from oneway.media.signing import VARIANTS, BadMediaToken, read_play_token, read_token


def _refuse(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _member_viewer(user: Any, organisation_id: int) -> Viewer | None:
    """The user as a viewer of the item's organisation (None once no longer a member)."""
    membership = (
        Membership.objects.filter(user=user, organisation_id=organisation_id)
        .select_related("organisation")
        .first()
    )
    if membership is None:
        return None
    return Viewer(org=membership.organisation, user=user, role=membership.role)


def _still_allowed(viewer: Viewer, item: MediaItem, variant: str) -> bool:
    """The gate, asked again when the URL is served: the viewer must still see the answer
    (assignment or membership may have ended since the URL was issued), and a poster frame
    or thumbnail is not served while blind mode hides the candidate from them."""
    if not visible_media_items(viewer).filter(pk=item.pk).exists():
        return False
    if variant not in ("poster", "thumbnail"):
        return True
    invitation = (
        Invitation.objects.select_related("interview").filter(answers__takes__media=item).first()
    )
    return invitation is None or not candidate_identity(viewer, invitation).hidden


@require_http_methods(["GET", "HEAD"])
def serve(request: HttpRequest, item_id: int, variant: str) -> HttpResponseBase:
    """A signed URL from ``media_url``: checked, then the file (ranges supported)."""
    if variant not in VARIANTS:
        raise Http404
    try:
        claims = read_token(request.GET.get("t", ""), item_id=item_id, variant=variant)
    except BadMediaToken as exc:
        return _refuse(exc.status, exc.message)
    if variant == "thumbnail" and claims.user_id is None:
        return _refuse(403, _("This media link is not valid."))
    if claims.user_id is not None and (
        not request.user.is_authenticated or request.user.pk != claims.user_id
    ):
        return _refuse(403, _("This media link was issued to someone else."))
    item = MediaItem.objects.filter(pk=item_id).first()
    if item is None:
        raise Http404
    # Membership or assignment may have ended since the URL was issued: ask the gate again.
    if claims.user_id is not None:
        viewer = _member_viewer(request.user, item.organisation_id)
        if viewer is None or not _still_allowed(viewer, item, variant):
            raise Http404
    return serve_media_item(
        request, item, variant, download=claims.download, max_age=claims.seconds_left
    )


@require_POST
def played(request: HttpRequest, item_id: int) -> HttpResponse:
    """The player reports a play: one ``media.played`` audit entry per play."""
    item = MediaItem.objects.select_related("organisation").filter(pk=item_id).first()
    if item is None:
        raise Http404
    actor_label = ""
    token = request.GET.get("t")
    if token:
        try:
            actor_label = read_play_token(token, item_id=item_id)
        except BadMediaToken as exc:
            return _refuse(exc.status, exc.message)
    else:
        viewer = (
            _member_viewer(request.user, item.organisation_id)
            if request.user.is_authenticated
            else None
        )
        if viewer is None or not visible_media_items(viewer).filter(pk=item.pk).exists():
            raise Http404
    position = request.POST.get("position", "")
    try:
        at = round(float(position), 1) if position else None
    except ValueError:
        at = None
    log_action(
        "media.played",
        organisation=item.organisation,
        actor=request.user if not actor_label else None,
        actor_label=actor_label,
        obj=item,
        data={"position": at},
        request=request,
    )
    return JsonResponse({"ok": True})


def _back(request: HttpRequest) -> HttpResponse:
    for candidate in (request.POST.get("next"), request.headers.get("Referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(candidate)
    return redirect("dashboard:home")


@staff_view("media.retry")
@require_POST
def retry(request: HttpRequest, media_item_id: int) -> HttpResponse:
    item = access_media_item(viewer_from(request), media_item_id)
    if can_retry(item):
        media_item_retry(item=item, actor=request.user, request=request)
        messages.success(request, _("Processing will be tried again."))
    else:
        messages.info(request, _("There is nothing to retry for this recording."))
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"state": item.state, "transcript_state": item.transcript_state})
    return _back(request)


@staff_view("interviews.view")
@require_GET
def state(request: HttpRequest, media_item_id: int) -> HttpResponse:
    """The processing-state partial on its own, for pages that refresh it while it works."""
    viewer = viewer_from(request)
    item = access_media_item(viewer, media_item_id)
    response = render(
        request, "media/_state.html", {"item": item, "can_retry": viewer.can("media.retry")}
    )
    response["Cache-Control"] = "no-store"
    return response
