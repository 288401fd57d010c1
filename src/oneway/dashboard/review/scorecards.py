"""The scorecard editor and rating a competency in an answer."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from oneway.access import access_interview, access_invitation, require, viewer_from
from oneway.accounts.permissions import staff_view
from oneway.core.models import Interview
from oneway.dashboard.review.common import (
    int_or_none,
    json_error,
    posted_competency,
    posted_question,
    wants_json,
)
from oneway.reviews.models import Competency, Rating
from oneway.reviews.scorecards import scorecards_with_competencies
from oneway.reviews.services.scorecards import (
    MAX_COMPETENCIES,
    CompetencyInput,
    review_rate_competency,
    scorecard_save,
)


class CompetencyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Competency"), max_length=120)
    weight = forms.DecimalField(
        label=gettext_lazy("Weight"),
        max_digits=6,
        decimal_places=2,
        initial=Decimal(1),
        help_text=gettext_lazy("How much it counts in the overall score (0 leaves it out)."),
    )
    anchor_1 = forms.CharField(
        label=gettext_lazy("What a 1 looks like"), widget=forms.Textarea(attrs={"rows": 2})
    )
    anchor_3 = forms.CharField(
        label=gettext_lazy("What a 3 looks like"), widget=forms.Textarea(attrs={"rows": 2})
    )
    anchor_5 = forms.CharField(
        label=gettext_lazy("What a 5 looks like"), widget=forms.Textarea(attrs={"rows": 2})
    )
    questions = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Rated in the answers to"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: object, interview: Interview, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["questions"].choices = [  # type: ignore[attr-defined]
            (q.pk, _("Question %(n)d: %(prompt)s") % {"n": n, "prompt": q.prompt[:80]})
            for n, q in enumerate(interview.questions.all(), start=1)
        ]


class BaseCompetencyFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    default_error_messages = {  # noqa: RUF012 (Django's own pattern)
        **forms.BaseFormSet.default_error_messages,
        "too_many_forms": gettext_lazy("A scorecard has at most %(num)d competencies."),
    }


CompetencyFormSet = forms.formset_factory(
    CompetencyForm,
    formset=BaseCompetencyFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_COMPETENCIES,
    validate_max=True,
)


def _initial(competencies: list[Competency]) -> list[dict[str, object]]:
    return [
        {
            "name": c.name,
            "weight": c.weight,
            "anchor_1": c.anchor_1,
            "anchor_3": c.anchor_3,
            "anchor_5": c.anchor_5,
            "questions": [q.pk for q in c.questions.all()],
        }
        for c in competencies
    ]


def _inputs(formset: forms.BaseFormSet) -> list[CompetencyInput]:  # type: ignore[type-arg]
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        rows.append(
            CompetencyInput(
                name=data["name"],
                weight=data["weight"],
                anchor_1=data["anchor_1"],
                anchor_3=data["anchor_3"],
                anchor_5=data["anchor_5"],
                question_ids=tuple(data["questions"]),
            )
        )
    return rows


@staff_view("interviews.view")
@require_http_methods(["GET", "POST"])
def scorecard_edit(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    require(viewer, "interviews.edit")
    versions = scorecards_with_competencies(interview.pk)
    current = versions[0] if versions else None
    status = 200
    if request.method == "POST":
        formset = CompetencyFormSet(
            request.POST, prefix="competencies", form_kwargs={"interview": interview}
        )
        if formset.is_valid():
            try:
                saved = scorecard_save(
                    interview=interview,
                    competencies=_inputs(formset),
                    actor=viewer.user,
                    request=request,
                )
            except ValidationError as error:
                for message in error.messages:
                    formset.non_form_errors().append(message)
            else:
                if saved is None:
                    messages.info(request, _("Nothing changed."))
                elif saved.competencies.exists():
                    messages.success(
                        request, _("Scorecard version %(v)d saved.") % {"v": saved.version}
                    )
                else:
                    messages.success(
                        request,
                        _("Scorecard removed: answers are rated with one score each again."),
                    )
                return redirect("dashboard:review_scorecard", interview_id=interview.pk)
        status = 400
    else:
        formset = CompetencyFormSet(
            initial=_initial(list(current.competencies.all())) if current else None,
            prefix="competencies",
            form_kwargs={"interview": interview},
        )
    rated_versions = set(
        Competency.objects.filter(scorecard__interview=interview, ratings__isnull=False)
        .values_list("scorecard__version", flat=True)
        .distinct()
    )
    return render(
        request,
        "dashboard/review/scorecard.html",
        {
            "interview": interview,
            "formset": formset,
            "current": current,
            "versions": versions,
            "rated_versions": rated_versions,
        },
        status=status,
    )


@staff_view("reviews.rate")
@require_POST
def rate_competency(request: HttpRequest, invitation_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    invitation = access_invitation(viewer, invitation_id)
    question = posted_question(request, invitation)
    competency = posted_competency(request, invitation)
    back = reverse("dashboard:review_candidate", args=[invitation.pk]) + f"#question-{question.pk}"
    try:
        rating = review_rate_competency(
            invitation=invitation,
            question=question,
            competency=competency,
            score=int_or_none(request.POST.get("score")) or 0,
            reviewer=viewer.user,
            request=request,
        )
    except ValidationError as error:
        if wants_json(request):
            return json_error(error)
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    if wants_json(request):
        rated = Rating.objects.filter(review_id=rating.review_id).count()
        return JsonResponse({"ok": True, "score": rating.score, "rated": rated})
    messages.success(request, _("Rating saved."))
    return redirect(back)
