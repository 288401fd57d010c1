"""Staff pages for live interviews, mounted at /live/ in the ``live`` namespace together
with the candidate's pages (``oneway.candidate.live_urls``): see ``oneway.urls``."""

from django.urls import URLPattern, path

from oneway.dashboard.live import slots, staff

urlpatterns: list[URLPattern] = [
    path("", staff.live_list_view, name="list"),
    path("new/", staff.live_create, name="create"),
    path(
        "new/for-candidate/<int:invitation_id>/",
        staff.live_create_for_invitation,
        name="create_for_invitation",
    ),
    path("<int:live_interview_id>/", staff.live_detail, name="detail"),
    path("<int:live_interview_id>/edit/", staff.live_edit, name="edit"),
    path("<int:live_interview_id>/reschedule/", staff.live_reschedule, name="reschedule"),
    path("<int:live_interview_id>/cancel/", staff.live_cancel, name="cancel"),
    path("<int:live_interview_id>/outcome/", staff.live_outcome, name="outcome"),
    path("<int:live_interview_id>/send-link/", staff.live_send_link, name="send_link"),
    path("<int:live_interview_id>/calendar.ics", staff.live_calendar, name="calendar"),
    path("slots/", slots.slot_offer_list, name="slot_offer_list"),
    path("slots/new/", slots.slot_offer_create_view, name="slot_offer_create"),
    path("slots/<int:slot_offer_id>/", slots.slot_offer_detail, name="slot_offer_detail"),
    path("slots/<int:slot_offer_id>/edit/", slots.slot_offer_edit, name="slot_offer_edit"),
    path("slots/<int:slot_offer_id>/close/", slots.slot_offer_close_view, name="slot_offer_close"),
]
