"""An interview's questions: add, edit, delete, reorder, and the library round trip."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oneway.access import access_interview, viewer_from, visible_library_questions
from oneway.accounts.permissions import staff_view
from oneway.core.forms import posted
from oneway.core.models import Interview, Question
from oneway.core.services.interviews import (
    library_question_add,
    library_question_save,
    question_create,
    question_delete,
    question_move,
    question_update,
)
from oneway.dashboard.forms import QuestionForm, apply_service_errors


def _question(request: HttpRequest, interview_id: int, question_id: int) -> Question:
    interview = access_interview(viewer_from(request), interview_id)
    return get_object_or_404(
        Question.objects.select_related("interview__organisation"),
        pk=question_id,
        interview=interview,
    )


def _back(interview: Interview, anchor: str = "questions") -> HttpResponse:
    from django.urls import reverse

    return redirect(reverse("dashboard:interview_detail", args=[interview.pk]) + f"#{anchor}")


@staff_view("interviews.edit")
def question_create_view(request: HttpRequest, interview_id: int) -> HttpResponse:
    interview = access_interview(viewer_from(request), interview_id)
    form = QuestionForm(
        posted(request),
        instance=Question(interview=interview),
        initial={
            "thinking_seconds": interview.default_thinking_seconds,
            "max_answer_seconds": interview.default_answer_seconds,
            "retakes": interview.default_retakes,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            question_create(
                interview=interview,
                fields=form.service_fields(),
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Question added."))
            if "add_another" in request.POST:
                return redirect("dashboard:question_create", interview_id=interview.pk)
            return _back(interview)
    return render(
        request,
        "dashboard/question_form.html",
        {"form": form, "interview": interview, "question": None},
    )


@staff_view("interviews.edit")
def question_edit(request: HttpRequest, interview_id: int, question_id: int) -> HttpResponse:
    question = _question(request, interview_id, question_id)
    interview = question.interview
    form = QuestionForm(posted(request), instance=copy.copy(question))
    if request.method == "POST" and form.is_valid():
        try:
            question_update(
                question=question,
                fields=form.service_fields(),
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Question saved."))
            return _back(interview)
    return render(
        request,
        "dashboard/question_form.html",
        {"form": form, "interview": interview, "question": question},
    )


@staff_view("interviews.edit")
def question_delete_view(request: HttpRequest, interview_id: int, question_id: int) -> HttpResponse:
    question = _question(request, interview_id, question_id)
    interview = question.interview
    error = ""
    if request.method == "POST":
        try:
            question_delete(question=question, actor=request.user, request=request)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Question deleted."))
            return _back(interview)
    return render(
        request,
        "dashboard/question_delete.html",
        {"interview": interview, "question": question, "error": error},
        status=400 if error else 200,
    )


@staff_view("interviews.edit")
@require_POST
def question_move_view(request: HttpRequest, interview_id: int, question_id: int) -> HttpResponse:
    question = _question(request, interview_id, question_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    question_move(question=question, offset=offset, actor=request.user, request=request)
    return _back(question.interview, anchor=f"question-{question.pk}")


@staff_view("interviews.edit")
@require_POST
def question_save_to_library(
    request: HttpRequest, interview_id: int, question_id: int
) -> HttpResponse:
    question = _question(request, interview_id, question_id)
    try:
        library_question_save(question=question, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Question saved to the library."))
    return _back(question.interview, anchor=f"question-{question.pk}")


@staff_view("interviews.edit")
def question_from_library(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    library = visible_library_questions(viewer)
    search = request.GET.get("q", "").strip()
    if search:
        library = library.filter(prompt__icontains=search)
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("library_question") if i.isdigit()]
        chosen = list(visible_library_questions(viewer).filter(pk__in=ids))
        if not chosen:
            messages.error(request, _("Choose at least one question to add."))
        else:
            order = {pk: index for index, pk in enumerate(ids)}
            for item in sorted(chosen, key=lambda q: order[q.pk]):
                library_question_add(
                    library_question=item, interview=interview, actor=request.user, request=request
                )
            messages.success(
                request, _("%(n)d question(s) added from the library.") % {"n": len(chosen)}
            )
            return _back(interview)
    return render(
        request,
        "dashboard/question_from_library.html",
        {"interview": interview, "library": library, "search": search},
    )
