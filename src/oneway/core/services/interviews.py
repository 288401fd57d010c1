"""Interviews and their questions: create, edit, duplicate, archive, order, reuse."""

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.core.audit import log_action
from oneway.core.models import Interview, LibraryQuestion, Organisation, Question

INTERVIEW_FIELDS = (
    "title",
    "intro_text",
    "thank_you_text",
    "contact_email",
    "language",
    "deadline_mode",
    "deadline_at",
    "deadline_timezone",
    "deadline_days",
    "deadline_time",
    "default_thinking_seconds",
    "default_answer_seconds",
    "default_retakes",
    "practice_enabled",
    "accommodations_enabled",
    "reminder_hours",
    "grace_minutes",
    "apply_link_enabled",
    "blind_mode",
    "keep_originals",
    "retention_days",
)
QUESTION_FIELDS = (
    "prompt",
    "answer_type",
    "thinking_seconds",
    "max_answer_seconds",
    "max_characters",
    "retakes",
    "rubric",
)


def _check_fields(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")


def _log_interview(
    action: str,
    interview: Interview,
    *,
    actor: Any,
    request: HttpRequest | None,
    obj: Any = None,
    data: dict[str, Any] | None = None,
) -> None:
    log_action(
        action,
        organisation=interview.organisation,
        actor=actor,
        obj=obj if obj is not None else interview,
        interview_id=interview.pk,
        data=data,
        request=request,
    )


def _ensure_apply_token(interview: Interview) -> None:
    if interview.apply_link_enabled and not interview.apply_token:
        interview.apply_token = secrets.token_urlsafe(16)  # 128 bits


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def interview_create(
    *,
    organisation: Organisation,
    fields: dict[str, Any],
    actor: Any,
    request: HttpRequest | None = None,
) -> Interview:
    _check_fields(fields, INTERVIEW_FIELDS)
    fields = {
        "grace_minutes": settings.DEADLINE_GRACE_MINUTES,
        "deadline_timezone": organisation.timezone,
        **fields,
    }
    interview = Interview(organisation=organisation, created_by=actor, **fields)
    _ensure_apply_token(interview)
    interview.full_clean(exclude=["organisation", "created_by"])
    with transaction.atomic():
        interview.save()
        _log_interview(
            "interview.created",
            interview,
            actor=actor,
            request=request,
            data={"title": interview.title},
        )
    return interview


def interview_update(
    *,
    interview: Interview,
    fields: dict[str, Any],
    actor: Any,
    request: HttpRequest | None = None,
) -> Interview:
    _check_fields(fields, INTERVIEW_FIELDS)
    changed = {
        name: _jsonable(value)
        for name, value in fields.items()
        if getattr(interview, name) != value
    }
    for name, value in fields.items():
        setattr(interview, name, value)
    _ensure_apply_token(interview)
    interview.full_clean(exclude=["organisation", "created_by"])
    with transaction.atomic():
        interview.save()
        if changed:
            _log_interview(
                "interview.updated",
                interview,
                actor=actor,
                request=request,
                data={"changed": sorted(changed), "values": changed},
            )
    return interview


def interview_apply_link_reset(
    *, interview: Interview, actor: Any, request: HttpRequest | None = None
) -> Interview:
    """A new public apply link; the old one stops working."""
    interview.apply_token = secrets.token_urlsafe(16)
    with transaction.atomic():
        interview.save(update_fields=["apply_token", "updated_at"])
        _log_interview("interview.apply_link_reset", interview, actor=actor, request=request)
    return interview


def interview_duplicate(
    *, interview: Interview, actor: Any, request: HttpRequest | None = None
) -> Interview:
    """A copy with the same settings and questions, no candidates, apply link off."""
    copy = Interview(
        organisation=interview.organisation,
        created_by=actor,
        **{name: getattr(interview, name) for name in INTERVIEW_FIELDS},
    )
    copy.title = (_("Copy of %(title)s") % {"title": interview.title})[:200]
    copy.apply_link_enabled = False
    copy.reminder_hours = list(interview.reminder_hours or [])
    with transaction.atomic():
        copy.save()
        Question.objects.bulk_create(
            Question(
                interview=copy,
                position=question.position,
                **{name: getattr(question, name) for name in QUESTION_FIELDS},
            )
            for question in interview.questions.all()
        )
        _log_interview(
            "interview.duplicated",
            copy,
            actor=actor,
            request=request,
            data={"from_interview": interview.pk},
        )
    return copy


def interview_archive(
    *, interview: Interview, actor: Any, request: HttpRequest | None = None
) -> Interview:
    """Hide the interview from lists and stop new invitations; existing links keep working."""
    if interview.is_archived:
        return interview
    with transaction.atomic():
        interview.archived_at = timezone.now()
        interview.save(update_fields=["archived_at", "updated_at"])
        _log_interview("interview.archived", interview, actor=actor, request=request)
    return interview


def interview_restore(
    *, interview: Interview, actor: Any, request: HttpRequest | None = None
) -> Interview:
    if not interview.is_archived:
        return interview
    with transaction.atomic():
        interview.archived_at = None
        interview.save(update_fields=["archived_at", "updated_at"])
        _log_interview("interview.restored", interview, actor=actor, request=request)
    return interview


# --- Questions ---------------------------------------------------------------------------


def _question_defaults(interview: Interview) -> dict[str, Any]:
    return {
        "thinking_seconds": interview.default_thinking_seconds,
        "max_answer_seconds": interview.default_answer_seconds,
        "retakes": interview.default_retakes,
    }


def question_create(
    *,
    interview: Interview,
    fields: dict[str, Any],
    actor: Any,
    request: HttpRequest | None = None,
) -> Question:
    """Add a question at the end. Unset timings come from the interview's defaults."""
    _check_fields(fields, QUESTION_FIELDS)
    question = Question(interview=interview, **{**_question_defaults(interview), **fields})
    question.full_clean(exclude=["interview", "position"])
    with transaction.atomic():
        last = interview.questions.aggregate(last=Max("position"))["last"]
        question.position = 0 if last is None else last + 1
        question.save()
        _log_interview(
            "question.created",
            interview,
            actor=actor,
            request=request,
            obj=question,
            data={"prompt": question.prompt[:200]},
        )
    return question


def question_update(
    *,
    question: Question,
    fields: dict[str, Any],
    actor: Any,
    request: HttpRequest | None = None,
) -> Question:
    _check_fields(fields, QUESTION_FIELDS)
    if (
        "answer_type" in fields
        and fields["answer_type"] != question.answer_type
        and question.answers.exists()
    ):
        raise ValidationError(
            {"answer_type": [_("Candidates have answered this question; its type cannot change.")]}
        )
    changed = sorted(name for name, value in fields.items() if getattr(question, name) != value)
    for name, value in fields.items():
        setattr(question, name, value)
    question.full_clean(exclude=["interview", "position"])
    with transaction.atomic():
        question.save()
        if changed:
            _log_interview(
                "question.updated",
                question.interview,
                actor=actor,
                request=request,
                obj=question,
                data={"changed": changed},
            )
    return question


def question_delete(*, question: Question, actor: Any, request: HttpRequest | None = None) -> None:
    """Remove a question nobody has answered (answers are never deleted this way)."""
    if question.answers.exists():
        raise ValidationError(
            _("Candidates have answered this question, so it cannot be deleted."),
            code="answered",
        )
    interview = question.interview
    with transaction.atomic():
        _log_interview(
            "question.deleted",
            interview,
            actor=actor,
            request=request,
            obj=question,
            data={"prompt": question.prompt[:200]},
        )
        video = question.prompt_media
        question.delete()
        _renumber(interview)
        if video is not None:  # the question's own video goes with it
            from oneway.media.services import media_item_delete

            media_item_delete(item=video, actor=actor)


def _renumber(interview: Interview) -> list[Question]:
    questions = list(interview.questions.order_by("position", "id"))
    for index, question in enumerate(questions):
        question.position = index
    Question.objects.bulk_update(questions, ["position"])
    return questions


def question_move(
    *, question: Question, offset: int, actor: Any, request: HttpRequest | None = None
) -> None:
    """Move a question up (-1) or down (+1) one place."""
    if offset not in (-1, 1):
        raise ValueError("offset must be -1 or 1")
    interview = question.interview
    with transaction.atomic():
        questions = _renumber(interview)
        index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
        target = index + offset
        if not 0 <= target < len(questions):
            return
        questions[index], questions[target] = questions[target], questions[index]
        for position, item in enumerate(questions):
            item.position = position
        Question.objects.bulk_update(questions, ["position"])
        _log_interview(
            "question.moved",
            interview,
            actor=actor,
            request=request,
            obj=question,
            data={"position": target + 1},
        )


def questions_reorder(
    *,
    interview: Interview,
    question_ids: list[int],
    actor: Any,
    request: HttpRequest | None = None,
) -> None:
    """Set the whole order at once; ``question_ids`` must be exactly the interview's."""
    questions = {q.pk: q for q in interview.questions.all()}
    if sorted(question_ids) != sorted(questions):
        raise ValidationError(_("The new order must list every question once."))
    with transaction.atomic():
        for position, question_id in enumerate(question_ids):
            questions[question_id].position = position
        Question.objects.bulk_update(questions.values(), ["position"])
        _log_interview(
            "question.reordered",
            interview,
            actor=actor,
            request=request,
            data={"order": question_ids},
        )


# --- Question library --------------------------------------------------------------------


def library_question_save(
    *, question: Question, actor: Any, request: HttpRequest | None = None
) -> LibraryQuestion:
    """Keep a copy of an interview's question in the organisation's library."""
    organisation = question.interview.organisation
    if LibraryQuestion.objects.filter(organisation=organisation, prompt=question.prompt).exists():
        raise ValidationError(_("This question is already in the library."), code="duplicate")
    with transaction.atomic():
        item = LibraryQuestion.objects.create(
            organisation=organisation,
            **{name: getattr(question, name) for name in QUESTION_FIELDS},
        )
        log_action(
            "library.question_saved",
            organisation=organisation,
            actor=actor,
            obj=item,
            interview_id=question.interview_id,
            data={"from_question": question.pk, "prompt": item.prompt[:200]},
            request=request,
        )
    return item


def library_question_create(
    *,
    organisation: Organisation,
    fields: dict[str, Any],
    actor: Any,
    request: HttpRequest | None = None,
) -> LibraryQuestion:
    _check_fields(fields, QUESTION_FIELDS)
    item = LibraryQuestion(organisation=organisation, **fields)
    item.full_clean(exclude=["organisation"])
    with transaction.atomic():
        item.save()
        log_action(
            "library.question_created",
            organisation=organisation,
            actor=actor,
            obj=item,
            data={"prompt": item.prompt[:200]},
            request=request,
        )
    return item


def library_question_update(
    *,
    library_question: LibraryQuestion,
    fields: dict[str, Any],
    actor: Any,
    request: HttpRequest | None = None,
) -> LibraryQuestion:
    _check_fields(fields, QUESTION_FIELDS)
    changed = sorted(
        name for name, value in fields.items() if getattr(library_question, name) != value
    )
    for name, value in fields.items():
        setattr(library_question, name, value)
    library_question.full_clean(exclude=["organisation"])
    with transaction.atomic():
        library_question.save()
        log_action(
            "library.question_updated",
            organisation=library_question.organisation,
            actor=actor,
            obj=library_question,
            data={"changed": changed},
            request=request,
        )
    return library_question


def library_question_delete(
    *, library_question: LibraryQuestion, actor: Any, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        log_action(
            "library.question_deleted",
            organisation=library_question.organisation,
            actor=actor,
            obj=library_question,
            data={"prompt": library_question.prompt[:200]},
            request=request,
        )
        library_question.delete()


def library_question_add(
    *,
    library_question: LibraryQuestion,
    interview: Interview,
    actor: Any,
    request: HttpRequest | None = None,
) -> Question:
    """Add a copy of a library question at the end of an interview."""
    if library_question.organisation_id != interview.organisation_id:
        raise ValidationError(_("That question belongs to another organisation."))
    question = question_create(
        interview=interview,
        fields={name: getattr(library_question, name) for name in QUESTION_FIELDS},
        actor=actor,
        request=request,
    )
    return question
