"""The organisation's question library."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from oneway.access import viewer_from, visible_library_questions
from oneway.accounts.permissions import staff_view
from oneway.core.forms import posted
from oneway.core.models import LibraryQuestion
from oneway.core.services.interviews import (
    library_question_create,
    library_question_delete,
    library_question_update,
)
from oneway.dashboard.forms import LibraryQuestionForm, apply_service_errors


def _item(request: HttpRequest, library_question_id: int) -> LibraryQuestion:
    return get_object_or_404(
        visible_library_questions(viewer_from(request)), pk=library_question_id
    )


@staff_view("interviews.edit")
def library(request: HttpRequest) -> HttpResponse:
    items = visible_library_questions(viewer_from(request))
    search = request.GET.get("q", "").strip()
    if search:
        items = items.filter(prompt__icontains=search)
    return render(request, "dashboard/library.html", {"items": items, "search": search})


@staff_view("interviews.edit")
def library_question_create_view(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    form = LibraryQuestionForm(posted(request), instance=LibraryQuestion(organisation=org))
    if request.method == "POST" and form.is_valid():
        try:
            library_question_create(
                organisation=org, fields=form.service_fields(), actor=request.user, request=request
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Question added to the library."))
            return redirect("dashboard:library")
    return render(request, "dashboard/library_form.html", {"form": form, "item": None})


@staff_view("interviews.edit")
def library_question_edit(request: HttpRequest, library_question_id: int) -> HttpResponse:
    item = _item(request, library_question_id)
    form = LibraryQuestionForm(posted(request), instance=copy.copy(item))
    if request.method == "POST" and form.is_valid():
        try:
            library_question_update(
                library_question=item,
                fields=form.service_fields(),
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Library question saved."))
            return redirect("dashboard:library")
    return render(request, "dashboard/library_form.html", {"form": form, "item": item})


@staff_view("interviews.edit")
def library_question_delete_view(request: HttpRequest, library_question_id: int) -> HttpResponse:
    item = _item(request, library_question_id)
    if request.method == "POST":
        library_question_delete(library_question=item, actor=request.user, request=request)
        messages.success(request, _("Question removed from the library."))
        return redirect("dashboard:library")
    return render(request, "dashboard/library_delete.html", {"item": item})
