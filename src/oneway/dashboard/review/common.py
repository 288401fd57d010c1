from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, JsonResponse

from oneway.core.models import Invitation, Question
from oneway.reviews.models import Competency


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def error_messages(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            name: [str(m) for m in ValidationError(errs).messages]
            for name, errs in error.error_dict.items()
        }
    return {"__all__": error_messages(error)}


def json_error(error: ValidationError, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "errors": field_errors(error)}, status=status)


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def posted_question(request: HttpRequest, invitation: Invitation) -> Question:
    """The question named by the form's ``question_id``, in the candidate's interview."""
    question = Question.objects.filter(
        pk=int_or_none(request.POST.get("question_id")) or 0, interview_id=invitation.interview_id
    ).first()
    if question is None:
        raise Http404
    return question


def posted_competency(request: HttpRequest, invitation: Invitation) -> Competency:
    """The competency named by ``competency_id``, on a scorecard of the candidate's
    interview (which version the review may use is the rating service's check)."""
    competency = Competency.objects.filter(
        pk=int_or_none(request.POST.get("competency_id")) or 0,
        scorecard__interview_id=invitation.interview_id,
    ).first()
    if competency is None:
        raise Http404
    return competency
