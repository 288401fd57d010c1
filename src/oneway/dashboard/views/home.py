"""The staff home page: a to-do page, everything through the access gate."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from oneway.access import viewer_from
from oneway.accounts.permissions import staff_view
from oneway.reviews.home import deadlines_near, failure_count, processing_failures
from oneway.reviews.selectors import todo

TODO_SHOWN = 10


@staff_view("interviews.view")
def home(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from(request)
    waiting = todo(viewer, limit=TODO_SHOWN + 1)
    can_retry = viewer.can("media.retry")
    return render(
        request,
        "dashboard/home.html",
        {
            "waiting": waiting[:TODO_SHOWN],
            "more_waiting": len(waiting) > TODO_SHOWN,
            "deadlines": deadlines_near(viewer),
            "failures": processing_failures(viewer) if can_retry else [],
            "failure_total": failure_count(viewer) if can_retry else 0,
            "can_retry": can_retry,
        },
    )
