"""Insights pages: how one interview, or all of an organisation's, is going."""

import csv
import io

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from oneway.access import access_interview, require, viewer_from, visible_interviews
from oneway.accounts.permissions import staff_view
from oneway.reviews.insights import Insights, insights_for


def _csv(insights: Insights, name: str) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Chart"), _("Row"), _("Value"), _("Note")])
    for chart in insights.charts:
        for row in chart.rows:
            writer.writerow([chart.title, row.label, row.value, row.note])
    for reviewer in insights.reviewers:
        for score, count in enumerate(reviewer.counts, start=1):
            writer.writerow(
                [_("Ratings by reviewer"), reviewer.name, count, _("rated %(s)d") % {"s": score}]
            )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"{slugify(name) or 'insights'}-insights-{timezone.now():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_view("interviews.view")
@require_GET
def interview_insights(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    require(viewer, "reviews.see_all")
    prompts = dict(interview.questions.values_list("position", "prompt"))
    insights = insights_for([interview.pk], prompts=prompts)
    if request.GET.get("format") == "csv":
        return _csv(insights, interview.title)
    return render(
        request,
        "dashboard/review/insights.html",
        {"interview": interview, "insights": insights, "scope": "interview"},
    )


@staff_view("reviews.see_all")
@require_GET
def organisation_insights(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from(request)
    insights = insights_for(visible_interviews(viewer))
    if request.GET.get("format") == "csv":
        return _csv(insights, viewer.org.name)
    return render(
        request,
        "dashboard/review/insights.html",
        {"insights": insights, "scope": "organisation"},
    )
