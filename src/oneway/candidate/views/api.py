"""JSON endpoints the recorder calls (CSRF-protected like every state change)."""

import json
import uuid
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from oneway.candidate.policies import ANSWER, device_check_owner
from oneway.candidate.selectors import take_for_invitation, take_state, take_storage_name
from oneway.candidate.services import CandidateError, take_start, take_stop
from oneway.candidate.serving import content_type_for, recording_response
from oneway.candidate.session import candidate_page, json_error
from oneway.candidate.tabs import tab_check, tab_claim
from oneway.core.models import Answer, Invitation
from oneway.uploads.models import Upload


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _refused(error: CandidateError) -> JsonResponse:
    return json_error(error.message, error.status, code=error.code)


@require_POST
@candidate_page(api=True)
def tab(request: HttpRequest, invitation: Invitation) -> HttpResponseBase:
    data = _body(request)
    try:
        tab_claim(
            invitation=invitation,
            tab=str(data.get("tab", "")),
            takeover=bool(data.get("takeover")),
            request=request,
        )
    except CandidateError as error:
        return _refused(error)
    return JsonResponse({"ok": True})


@require_POST
@candidate_page(api=True)
def start(request: HttpRequest, invitation: Invitation, answer_id: int) -> HttpResponseBase:
    answer = (
        Answer.objects.select_related("question")
        .filter(pk=answer_id, invitation=invitation)
        .first()
    )
    if answer is None:
        raise Http404
    answer.invitation = invitation
    data = _body(request)
    try:
        tab_check(invitation, str(data.get("tab", "")))
        take = take_start(answer=answer, request=request)
    except CandidateError as error:
        return _refused(error)
    return JsonResponse(
        {
            "take": take_state(take),
            "upload": {
                "endpoint": reverse("uploads:collection"),
                "metadata": {"purpose": ANSWER, "take": str(take.pk)},
            },
        },
        status=201,
    )


@require_POST
@candidate_page(api=True)
def stop(request: HttpRequest, invitation: Invitation, take_id: int) -> HttpResponseBase:
    take = take_for_invitation(invitation, take_id)
    if take is None:
        raise Http404
    take.answer.invitation = invitation
    data = _body(request)
    try:
        duration = int(data.get("durationMs") or 0)
    except (TypeError, ValueError):
        duration = 0
    take = take_stop(
        take=take,
        duration_ms=duration,
        mime_type=str(data.get("mimeType", ""))[:100],
        interrupted=bool(data.get("interrupted")),
        request=request,
    )
    return JsonResponse({"take": take_state(take)})


@require_GET
@candidate_page(api=True, allow_completed=True)
def detail(request: HttpRequest, invitation: Invitation, take_id: int) -> HttpResponseBase:
    take = take_for_invitation(invitation, take_id)
    if take is None:
        raise Http404
    return JsonResponse({"take": take_state(take)})


@require_GET
@candidate_page(api=True, allow_completed=True)
def recording(request: HttpRequest, invitation: Invitation, take_id: int) -> HttpResponseBase:
    """The candidate's own take, played back on the question page."""
    take = take_for_invitation(invitation, take_id)
    if take is None:
        raise Http404
    name = take_storage_name(take)
    if not name:
        return json_error("", 404)
    mime = take.mime_type.split(";")[0].strip()
    content_type = mime if mime.startswith(("video/", "audio/")) else content_type_for(name)
    return recording_response(request, name, content_type=content_type)


@require_GET
@candidate_page(api=True)
def device_check_clip(
    request: HttpRequest, invitation: Invitation, upload_id: uuid.UUID
) -> HttpResponseBase:
    """The device check's test clip, played back from the server."""
    upload = Upload.objects.filter(
        pk=upload_id, owner=device_check_owner(invitation), completed_at__isnull=False
    ).first()
    if upload is None:
        raise Http404
    sniffed = upload.metadata.get("sniffed_type", "")
    return recording_response(
        request,
        upload.storage_name,
        content_type=content_type_for(upload.storage_name, sniffed),
    )
