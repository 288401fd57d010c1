"""The candidate's live-interview pages (capability link), mounted at /live/ in the ``live``
namespace together with the staff pages (``oneway.dashboard.live_urls``)."""

from django.urls import URLPattern, path

from oneway.candidate.views import live as candidate

urlpatterns: list[URLPattern] = [
    path("c/<str:token>/", candidate.candidate_page, name="candidate"),
    path("c/<str:token>/book/", candidate.candidate_book, name="candidate_book"),
    path("c/<str:token>/cancel/", candidate.candidate_cancel, name="candidate_cancel"),
    path("c/<str:token>/request/", candidate.candidate_request, name="candidate_request"),
    path("c/<str:token>/calendar.ics", candidate.candidate_calendar, name="candidate_calendar"),
]
