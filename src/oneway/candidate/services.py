"""Every write of the candidate flow: consent, accommodations, answers and takes.

Each function checks the rules the server enforces (the browser only displays them),
saves, and writes the audit log as ``candidate:<invitation id>``. A refusal raises
``CandidateError`` carrying an HTTP status and a message meant for the candidate.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.candidate import rules
from oneway.candidate.selectors import has_started
from oneway.core.audit import log_action
from oneway.core.languages import invitation_language
from oneway.core.models import Answer, Invitation, InvitationStatus, Question, Take
from oneway.core.models.answers import TakeState
from oneway.core.services.invitations import (
    invitation_complete,
    invitation_is_open,
    invitation_mark_started,
)


class CandidateError(Exception):
    """A refusal the candidate sees: ``status`` (HTTP) and ``message`` (translated)."""

    def __init__(self, status: int, message: str, code: str = ""):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def candidate_label(invitation: Invitation) -> str:
    return f"candidate:{invitation.pk}"


def _log(
    action: str,
    invitation: Invitation,
    *,
    obj: Any = None,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> None:
    log_action(
        action,
        organisation=invitation.organisation,
        actor_label=candidate_label(invitation),
        obj=obj if obj is not None else invitation,
        interview_id=invitation.interview_id,
        invitation_id=invitation.pk,
        data=data,
        request=request,
    )


def ensure_open(invitation: Invitation) -> None:
    """Refuse anything once the interview is submitted, withdrawn or past deadline + grace."""
    if invitation.status == InvitationStatus.COMPLETED:
        raise CandidateError(409, _("You have already submitted this interview."), "completed")
    if not invitation_is_open(invitation):
        raise CandidateError(
            410,
            _("This interview has closed: the deadline has passed. Nothing more can be sent."),
            "closed",
        )


# --- Landing page ----------------------------------------------------------------------


def candidate_consent(
    *, invitation: Invitation, consent_text: str, request: HttpRequest | None = None
) -> Invitation:
    """Record the candidate's consent: the exact text they agreed to, and when."""
    ensure_open(invitation)
    if invitation.consent_at is not None:
        return invitation
    with transaction.atomic():
        invitation.consent_text = consent_text
        invitation.consent_at = timezone.now()
        invitation.save(update_fields=["consent_text", "consent_at"])
        _log("candidate.consented", invitation, request=request)
        invitation_mark_started(invitation=invitation, request=request)
    return invitation


def candidate_accommodations_request(
    *,
    invitation: Invitation,
    time_factor: Decimal,
    text_alternative: bool,
    note: str = "",
    request: HttpRequest | None = None,
) -> Invitation:
    """Grant the accommodations the interview offers, at once: no one has to approve them.

    They can change until the first question is shown (afterwards they would change the
    rules of an answer already under way).
    """
    ensure_open(invitation)
    if not invitation.interview.accommodations_enabled:
        raise CandidateError(403, _("This interview does not offer accommodations."))
    if has_started(invitation):
        raise CandidateError(
            409, _("Accommodations can only be changed before the first question.")
        )
    if time_factor not in rules.TIME_FACTORS:
        raise CandidateError(400, _("Choose one of the time options offered."))
    with transaction.atomic():
        invitation.accommodation_time_factor = time_factor
        invitation.accommodation_text_alternative = text_alternative
        invitation.accommodation_note = note.strip()[:2000]
        invitation.accommodation_requested_at = timezone.now()
        invitation.save(
            update_fields=[
                "accommodation_time_factor",
                "accommodation_text_alternative",
                "accommodation_note",
                "accommodation_requested_at",
            ]
        )
        _log(
            "candidate.accommodations_requested",
            invitation,
            data={
                "time_factor": str(time_factor),
                "text_alternative": text_alternative,
                "note": bool(invitation.accommodation_note),
            },
            request=request,
        )
    return invitation


# --- Answers and takes -----------------------------------------------------------------


def limits_for(answer: Answer) -> rules.AnswerLimits:
    if answer.is_practice or answer.question is None:
        return rules.practice_limits(answer.invitation)
    return rules.question_limits(answer.question, answer.invitation)


def answer_reveal(
    *,
    invitation: Invitation,
    question: Question | None,
    request: HttpRequest | None = None,
) -> Answer:
    """Show a question (``None``: the practice question): the server notes when.

    Revealing again (a reload) keeps the first time.
    """
    ensure_open(invitation)
    if invitation.consent_at is None:
        raise CandidateError(403, _("Please give your consent on the first page before you start."))
    if question is not None and question.interview_id != invitation.interview_id:
        raise CandidateError(404, _("This question is not part of your interview."))
    lookup: dict[str, Any] = (
        {"is_practice": True} if question is None else {"question": question, "is_practice": False}
    )
    with transaction.atomic():
        try:
            answer = Answer.objects.get_or_create(invitation=invitation, **lookup)[0]
        except IntegrityError:  # a second request created it first
            answer = Answer.objects.get(invitation=invitation, **lookup)
        if answer.revealed_at is None:
            answer.revealed_at = timezone.now()
            answer.save(update_fields=["revealed_at"])
            _log(
                "answer.revealed",
                invitation,
                obj=answer,
                data={"question": question.pk if question else None, "practice": question is None},
                request=request,
            )
    answer.invitation = invitation
    return answer


def take_start(*, answer: Answer, request: HttpRequest | None = None) -> Take:
    """Begin one recording attempt. Refused beyond the takes allowed or once submitted."""
    invitation = answer.invitation
    ensure_open(invitation)
    limits = limits_for(answer)
    if not limits.is_recorded:
        raise CandidateError(400, _("This question is answered in writing."))
    if answer.revealed_at is None:
        raise CandidateError(409, _("Show the question before you record."))
    with transaction.atomic():
        locked = Answer.objects.select_for_update().get(pk=answer.pk)
        if locked.submitted_at is not None:
            raise CandidateError(409, _("This answer has already been sent."), "submitted")
        takes = Take.objects.filter(answer=locked)
        count = takes.count()
        if count >= limits.max_takes:
            raise CandidateError(
                409,
                _("You have used all the takes allowed for this question."),
                "no_takes_left",
            )
        # Numbers stay unique when a refused take was deleted (``take_refuse``).
        number = (takes.aggregate(last=Max("number"))["last"] or 0) + 1
        take = Take.objects.create(answer=locked, number=number)
        _log(
            "take.started",
            invitation,
            obj=take,
            data={"answer": answer.pk, "number": take.number},
            request=request,
        )
    take.answer = answer
    return take


def take_stop(
    *,
    take: Take,
    duration_ms: int,
    mime_type: str = "",
    interrupted: bool = False,
    request: HttpRequest | None = None,
) -> Take:
    """The browser stopped recording (or found an interrupted take after a reload).

    Only notes what the browser measured; the upload policy checks the real length.
    """
    invitation = take.answer.invitation
    if take.stopped_at is not None:
        return take
    limits = limits_for(take.answer)
    fields = ["stopped_at", "client_duration_ms"]
    take.stopped_at = timezone.now()
    take.client_duration_ms = max(0, min(int(duration_ms), int(limits.max_seconds_accepted * 1000)))
    if mime_type and not take.mime_type:
        take.mime_type = mime_type[:100]
        fields.append("mime_type")
    with transaction.atomic():
        take.save(update_fields=fields)
        _log(
            "take.stopped",
            invitation,
            obj=take,
            data={"duration_ms": take.client_duration_ms, "interrupted": interrupted},
            request=request,
        )
    return take


def take_refuse(*, take: Take, reason: str) -> None:
    """The take's recording was refused when its upload completed (empty, or not audio or
    video we can play): the take is deleted, so it does not count against the takes
    allowed and the candidate can record again. The audit entry keeps what happened."""
    invitation = take.answer.invitation
    with transaction.atomic():
        deleted, _by_model = Take.objects.filter(
            pk=take.pk, state=TakeState.RECORDING, upload_id__isnull=True
        ).delete()
        if deleted:
            _log(
                "take.refused",
                invitation,
                obj=take,
                data={"answer": take.answer_id, "number": take.number, "reason": reason[:500]},
            )


def take_upload_completed(*, take_id: int, upload: Any) -> Take | None:
    """The take's recording is stored (upload_completed): attach it and queue processing.

    Idempotent. Practice takes get no media item: reviewers never see them, and the
    candidate plays the original back.
    """
    with transaction.atomic():
        take = (
            Take.objects.select_for_update(of=("self",))
            .select_related(
                "answer__invitation__organisation",
                "answer__invitation__interview",
                "answer__question",
            )
            .filter(pk=take_id)
            .first()
        )
        if take is None or take.upload_id is not None:
            return take
        answer = take.answer
        invitation = answer.invitation
        take.upload_id = upload.id
        take.size = upload.length
        take.state = TakeState.UPLOADED
        take.stopped_at = take.stopped_at or timezone.now()
        container = upload.metadata.get("sniffed_type", "")
        declared = upload.metadata.get("filetype", "")
        if not declared.startswith(("video/", "audio/")):
            declared = f"video/{container}" if container else ""
        take.mime_type = (take.mime_type or declared)[:100]
        if not answer.is_practice:
            from oneway.media.services import media_item_create  # contract C

            kind = "audio" if limits_for(answer).answer_type == "audio" else "video"
            take.media = media_item_create(
                organisation=invitation.organisation,
                original_name=upload.storage_name,
                size=upload.length or 0,
                kind=kind,
                keep_original=invitation.interview.keep_originals,
                actor_label=candidate_label(invitation),
                # What the candidate was asked in; the speech engine listens for it.
                spoken_language=invitation_language(invitation),
            )
        take.save()
        _log(
            "take.uploaded",
            invitation,
            obj=take,
            data={"size": take.size, "upload": str(upload.id), "practice": answer.is_practice},
        )
    return take


def answer_submit(
    *,
    answer: Answer,
    take: Take | None = None,
    text: str = "",
    request: HttpRequest | None = None,
) -> Answer:
    """Send an answer: the chosen take (default: the last one saved) or the written text."""
    invitation = answer.invitation
    ensure_open(invitation)
    limits = limits_for(answer)
    with transaction.atomic():
        locked = Answer.objects.select_for_update().get(pk=answer.pk)
        if locked.submitted_at is not None:
            raise CandidateError(409, _("This answer has already been sent."), "submitted")
        if locked.revealed_at is None:
            raise CandidateError(409, _("Show the question before you answer it."))
        data: dict[str, Any] = {"practice": answer.is_practice}
        if limits.is_recorded:
            saved = Take.objects.filter(answer=locked, state=TakeState.UPLOADED)
            if take is None:
                take = saved.order_by("-number").first()
            elif take.answer_id != locked.pk:
                raise CandidateError(404, _("This take belongs to another answer."))
            if take is None or take.state != TakeState.UPLOADED:
                raise CandidateError(
                    409,
                    _("Your recording is still uploading. Wait until it shows as saved."),
                    "not_saved",
                )
            locked.submitted_take = take
            data.update(take=take.pk, number=take.number)
        else:
            text = text.strip()
            if not text:
                raise CandidateError(400, _("Write your answer before you send it."))
            if len(text) > limits.max_characters:
                raise CandidateError(
                    400,
                    _("Your answer is %(n)d characters long; the limit is %(max)d.")
                    % {"n": len(text), "max": limits.max_characters},
                )
            locked.text = text
            data["characters"] = len(text)
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["submitted_take", "text", "submitted_at"])
        _log("answer.submitted", invitation, obj=locked, data=data, request=request)
    locked.invitation = invitation
    return locked


def practice_skip(*, invitation: Invitation, request: HttpRequest | None = None) -> Answer:
    """Skip the practice question (it is optional)."""
    ensure_open(invitation)
    answer = answer_reveal(invitation=invitation, question=None, request=request)
    if answer.submitted_at is None:
        answer.submitted_at = timezone.now()
        answer.save(update_fields=["submitted_at"])
        _log("answer.practice_skipped", invitation, obj=answer, request=request)
    return answer


def interview_submit(*, invitation: Invitation, request: HttpRequest | None = None) -> Invitation:
    """The candidate sends the whole interview: every question must have its answer."""
    ensure_open(invitation)
    questions = set(invitation.interview.questions.values_list("pk", flat=True))
    answered = set(
        Answer.objects.filter(
            invitation=invitation, is_practice=False, submitted_at__isnull=False
        ).values_list("question_id", flat=True)
    )
    missing = questions - answered
    if missing:
        raise CandidateError(
            409,
            _("%(n)d question(s) still need an answer.") % {"n": len(missing)},
            "unanswered",
        )
    invitation = invitation_complete(invitation=invitation, request=request)
    return invitation


def answers_submit_last_takes(
    *, invitation: Invitation, now: datetime.datetime | None = None
) -> int:
    """After the deadline, an answer recorded but never sent counts with its last take.

    Called by the periodic task for closed invitations; returns how many were sent.
    """
    sent = 0
    pending = Answer.objects.filter(
        invitation=invitation, is_practice=False, submitted_at__isnull=True
    )
    for answer in pending:
        last = answer.takes.filter(state=TakeState.UPLOADED).order_by("-number").first()
        if last is None:
            continue
        with transaction.atomic():
            updated = Answer.objects.filter(pk=answer.pk, submitted_at__isnull=True).update(
                submitted_take=last, submitted_at=now or timezone.now()
            )
            if updated:
                _log(
                    "answer.submitted",
                    invitation,
                    obj=answer,
                    data={"take": last.pk, "number": last.number, "automatic": True},
                )
                sent += 1
    return sent
