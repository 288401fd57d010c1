"""Reads of the candidate flow: where the candidate is, and what each page shows."""

from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.urls import reverse

from oneway.candidate import rules
from oneway.candidate.session import DEVICE_CHECKED_KEY
from oneway.core import answer_times
from oneway.core.models import Answer, Invitation, InvitationStatus, Question, Take
from oneway.core.models.answers import TakeState
from oneway.uploads.models import Upload


@dataclass(frozen=True)
class Step:
    """Where the candidate should be: ``landing``, ``device_check``, ``practice``,
    ``question`` (with ``question``), ``submit`` or ``status``."""

    name: str
    url: str
    question: Question | None = None


def flow_questions(invitation: Invitation) -> list[Question]:
    return list(invitation.interview.questions.all())


def needs_device_check(invitation: Invitation, questions: list[Question]) -> bool:
    return any(rules.question_limits(q, invitation).is_recorded for q in questions)


def devices_needed(invitation: Invitation, questions: list[Question]) -> str:
    """ "video", "audio" or "" (writing only), with the candidate's accommodations applied:
    what the device check checks."""
    return answer_times.devices_needed(
        [answer_times.answer_times(q, invitation) for q in questions]
    )


def has_started(invitation: Invitation) -> bool:
    """Has the candidate seen a real question? (Accommodations are fixed from then on.)"""
    return Answer.objects.filter(
        invitation=invitation, is_practice=False, revealed_at__isnull=False
    ).exists()


def practice_answer(invitation: Invitation) -> Answer | None:
    return Answer.objects.filter(invitation=invitation, is_practice=True).first()


def current_step(invitation: Invitation, session: SessionBase) -> Step:
    """The one page the candidate belongs on now: they always come back to it."""
    if invitation.status == InvitationStatus.COMPLETED:
        return Step("status", reverse("candidate:status"))
    if invitation.consent_at is None:
        return Step("landing", reverse("candidate:landing"))
    questions = flow_questions(invitation)
    answers = {
        a.question_id: a
        for a in Answer.objects.filter(invitation=invitation, is_practice=False).only(
            "question_id", "submitted_at", "revealed_at"
        )
    }
    recorded = needs_device_check(invitation, questions)
    if recorded and not session.get(DEVICE_CHECKED_KEY):
        return Step("device_check", reverse("candidate:device_check"))
    # The practice is for the recorder: offered before the first question, if any is recorded.
    if invitation.interview.practice_enabled and recorded and not answers:
        practice = practice_answer(invitation)
        if practice is None or practice.submitted_at is None:
            return Step("practice", reverse("candidate:practice"))
    for question in questions:
        answer = answers.get(question.pk)
        if answer is None or answer.submitted_at is None:
            return Step("question", reverse("candidate:question", args=[question.pk]), question)
    return Step("submit", reverse("candidate:submit"))


def take_for_invitation(invitation: Invitation, take_id: int) -> Take | None:
    return (
        Take.objects.select_related("answer__question", "media")
        .filter(pk=take_id, answer__invitation=invitation)
        .first()
    )


def take_upload(take: Take) -> Upload | None:
    """The upload carrying a take's bytes (complete or not)."""
    return Upload.objects.filter(owner=f"take:{take.pk}").order_by("created_at").first()


def take_storage_name(take: Take) -> str:
    """Where the candidate's own copy of a take is stored ("" while it uploads)."""
    if take.media is not None:
        if take.media.original_name and take.media.original_deleted_at is None:
            return take.media.original_name
        if take.media.rendition_name:
            return take.media.rendition_name
    if take.upload_id is not None:
        upload = Upload.objects.filter(pk=take.upload_id).first()
        if upload is not None and upload.storage_name:
            return upload.storage_name
    return ""


def take_state(take: Take) -> dict[str, Any]:
    """What the recorder needs to know about one take (JSON)."""
    upload = None if take.state == TakeState.UPLOADED else take_upload(take)
    return {
        "id": take.pk,
        "number": take.number,
        "state": take.state,
        "saved": take.state == TakeState.UPLOADED,
        "durationMs": take.client_duration_ms,
        "uploadUrl": reverse("uploads:resource", args=[upload.pk]) if upload else "",
        "playbackUrl": reverse("candidate:take_recording", args=[take.pk]),
    }


def answer_takes(answer: Answer) -> list[dict[str, Any]]:
    return [take_state(take) for take in answer.takes.select_related("media").order_by("number")]


def submitted_answers(invitation: Invitation) -> list[tuple[Question, Answer | None]]:
    """Each question with its answer (None when not answered), in order."""
    answers = {
        a.question_id: a
        for a in Answer.objects.filter(invitation=invitation, is_practice=False).select_related(
            "submitted_take"
        )
    }
    return [(q, answers.get(q.pk)) for q in flow_questions(invitation)]
