"""The practice question and the interview's questions, one at a time."""

from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from oneway.candidate import rules
from oneway.candidate.forms import TextAnswerForm
from oneway.candidate.selectors import answer_takes, current_step, flow_questions
from oneway.candidate.services import (
    CandidateError,
    answer_reveal,
    answer_submit,
    limits_for,
    practice_skip,
)
from oneway.candidate.serving import question_video
from oneway.candidate.session import candidate_page
from oneway.candidate.tabs import tab_check
from oneway.core.models import Answer, Invitation, Question, Take
from oneway.core.models.answers import TakeState


def _page(
    request: HttpRequest, invitation: Invitation, question: Question | None
) -> HttpResponseBase:
    page_url = (
        reverse("candidate:practice")
        if question is None
        else reverse("candidate:question", args=[question.pk])
    )
    lookup: dict[str, Any] = {"is_practice": True} if question is None else {"question": question}
    answer = Answer.objects.filter(invitation=invitation, **lookup).first()
    error = ""
    status = 200
    text_form = None
    if answer is not None:
        answer.invitation = invitation
        limits = limits_for(answer)
    elif question is None:
        limits = rules.practice_limits(invitation)
    else:
        limits = rules.question_limits(question, invitation)
    if not limits.is_recorded:
        text_form = TextAnswerForm(max_characters=limits.max_characters)

    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            tab_check(invitation, request.POST.get("tab", ""))
            if action == "reveal":
                answer_reveal(invitation=invitation, question=question, request=request)
                return redirect(page_url + "#question")
            if action == "skip" and question is None:
                practice_skip(invitation=invitation, request=request)
                return redirect(current_step(invitation, request.session).url)
            if action == "submit" and answer is not None:
                if text_form is not None:
                    text_form = TextAnswerForm(request.POST, max_characters=limits.max_characters)
                    if text_form.is_valid():
                        answer_submit(
                            answer=answer, text=text_form.cleaned_data["text"], request=request
                        )
                        return redirect(current_step(invitation, request.session).url)
                    status = 400
                else:
                    take = None
                    take_id = request.POST.get("take", "")
                    if take_id.isdigit():
                        take = Take.objects.filter(pk=int(take_id), answer=answer).first()
                    answer_submit(answer=answer, take=take, request=request)
                    return redirect(current_step(invitation, request.session).url)
            elif status == 200:
                status = 400
        except CandidateError as refusal:
            error, status = refusal.message, refusal.status

    questions = flow_questions(invitation)
    position = next((i for i, q in enumerate(questions, 1) if question and q.pk == question.pk), 0)
    revealed = answer is not None and answer.revealed_at is not None
    takes = answer_takes(answer) if answer is not None else []
    thinking_left = limits.thinking_seconds
    if revealed and answer is not None and answer.revealed_at is not None:
        elapsed = (timezone.now() - answer.revealed_at).total_seconds()
        thinking_left = max(0, int(limits.thinking_seconds - elapsed))
    config = {
        "practice": question is None,
        "answerId": answer.pk if answer is not None else None,
        "label": question and f"{position}" or "practice",
        "answerType": limits.answer_type,
        "revealed": revealed,
        "thinkingLeft": thinking_left,
        "thinkingSeconds": limits.thinking_seconds,
        "answerSeconds": limits.answer_seconds,
        "maxTakes": limits.max_takes,
        "takes": takes,
        "takesEndpoint": reverse("candidate:take_start", args=[answer.pk]) if answer else "",
        "takesBase": reverse("candidate:take_detail", args=[0]).rsplit("0/", 1)[0],
        "uploadEndpoint": reverse("uploads:collection"),
        "recorder": rules.RECORDER,
        "permissionTimeoutMs": rules.PERMISSION_TIMEOUT_SECONDS * 1000,
    }
    context = {
        "invitation": invitation,
        "question": question,
        "practice": question is None,
        "position": position,
        "total": len(questions),
        "answer": answer,
        "limits": limits,
        "revealed": revealed,
        "takes": takes,
        "saved_takes": [t for t in takes if t["state"] == TakeState.UPLOADED],
        "text_form": text_form,
        "error": error,
        "config": config,
        "page_url": page_url,
        # A question asked on video plays before it is revealed (issue 16).
        "prompt_video": None if revealed else question_video(question, invitation, request),
    }
    return render(request, "candidate/question.html", context, status=status)


@require_http_methods(["GET", "POST"])
@candidate_page()
def practice(request: HttpRequest, invitation: Invitation) -> HttpResponseBase:
    step = current_step(invitation, request.session)
    if step.name != "practice":
        return redirect(step.url)
    return _page(request, invitation, None)


@require_http_methods(["GET", "POST"])
@candidate_page()
def question(request: HttpRequest, invitation: Invitation, question_id: int) -> HttpResponseBase:
    step = current_step(invitation, request.session)
    # One question at a time: no skipping ahead, no going back to a sent answer.
    if step.name != "question" or step.question is None or step.question.pk != question_id:
        return redirect(step.url)
    question = get_object_or_404(Question, pk=question_id, interview=invitation.interview)
    return _page(request, invitation, question)
