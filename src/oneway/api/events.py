"""Webhook events: which audit-log actions they come from, and their small payloads.

A payload carries ids and what the event is about, never media, and of the candidate only
``candidate_label(None, invitation)``: the alias in a blind interview.
"""

import datetime
from typing import Any

from oneway.access import candidate_label
from oneway.core.models import AuditEntry, Invitation, Take

# webhook event -> the audit actions it comes from
EVENT_ACTIONS: dict[str, tuple[str, ...]] = {
    "invitation.sent": ("invitation.email_sent",),
    "invitation.opened": ("invitation.opened",),
    "answer.submitted": ("answer.submitted",),
    "candidate.completed": ("invitation.completed",),
    "media.ready": ("media.processed",),
    "review.submitted": ("review.submitted",),
    "decision.changed": ("decision.changed",),
    "live.booked": ("live.slot_booked", "live.scheduled"),
    "live.rescheduled": ("live.rescheduled",),
    "live.cancelled": ("live.cancelled",),
    "candidate.erased": ("candidate.erased",),
}
EVENTS: tuple[str, ...] = tuple(EVENT_ACTIONS)
ACTION_EVENTS: dict[str, str] = {
    action: event for event, actions in EVENT_ACTIONS.items() for action in actions
}


def iso(value: datetime.datetime | None) -> str | None:
    """UTC, ISO 8601 with a Z."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def _candidate(invitation: Invitation | None, invitation_id: int | None) -> dict[str, Any] | None:
    if invitation_id is None:
        return None
    if invitation is None:  # erased meanwhile: the id is all there is
        return {"id": invitation_id}
    return {
        "id": invitation.pk,
        "name": candidate_label(None, invitation),
        "status": invitation.status,
    }


def event_for(entry: AuditEntry) -> tuple[str, int | None, dict[str, Any]] | None:
    """(event, interview id, payload data) for an audit entry, or None if it is no event."""
    event = ACTION_EVENTS.get(entry.action)
    if event is None:
        return None
    interview_id = entry.interview_id
    invitation_id = entry.invitation_id
    data: dict[str, Any] = {}
    if event == "media.ready":
        take = (
            Take.objects.select_related("answer")
            .filter(media_id=int(entry.object_id or 0), answer__is_practice=False)
            .first()
        )
        if take is None:  # the team's own video prompts are not candidates' media
            return None
        invitation_id = take.answer.invitation_id
        data = {"answer_id": take.answer_id, "question_id": take.answer.question_id}
    elif event == "answer.submitted":
        data = {"answer_id": int(entry.object_id)}
    elif event == "review.submitted":
        data = {"review_id": int(entry.object_id)}
    elif event == "decision.changed":
        data = {"from": entry.data.get("from"), "to": entry.data.get("to")}
    elif event.startswith("live."):
        from oneway.live.models import LiveInterview

        live = LiveInterview.objects.filter(pk=int(entry.object_id)).first()
        data = {
            "live_interview_id": int(entry.object_id),
            "starts_at": iso(live.starts_at) if live is not None else None,
            "status": live.status if live is not None else None,
        }
    invitation = (
        Invitation.objects.select_related("interview").filter(pk=invitation_id).first()
        if invitation_id is not None and event != "candidate.erased"
        else None
    )
    if event == "answer.submitted":
        from oneway.core.models import Answer

        answer = Answer.objects.filter(pk=data["answer_id"]).only("is_practice", "question_id")
        first = answer.first()
        if first is None or first.is_practice:
            return None
        data["question_id"] = first.question_id
    if invitation is not None:
        interview_id = invitation.interview_id
    payload: dict[str, Any] = {"interview_id": interview_id}
    candidate = _candidate(invitation, invitation_id)
    if candidate is not None:
        payload["candidate"] = candidate
    payload.update(data)
    payload["occurred_at"] = iso(entry.created_at)
    return event, interview_id, payload
