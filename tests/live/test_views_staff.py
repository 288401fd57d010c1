import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import Interview, Invitation, Membership, Organisation
from oneway.live.models import LiveInterview, LiveStatus, SlotOffer
from oneway.reviews.models import ReviewerAssignment

from .helpers import at, ics_of, outbox_to


def form_data(form: Any) -> dict[str, Any]:
    """What a browser would submit for the form as rendered (initial values)."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or value is False:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, datetime.datetime):
            data[name] = value.strftime("%Y-%m-%dT%H:%M")
        elif value is True:
            data[name] = "on"
        else:
            data[name] = str(value)
    return data


def base_post(interviewer: User, **overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Final round",
        "candidate_name": "Dana Doe",
        "candidate_email": "dana@example.org",
        "candidate_timezone": "America/New_York",
        "interviewers": [str(interviewer.pk)],
        "duration_minutes": "45",
        "meeting_url": "https://teams.microsoft.com/l/meetup-join/abc",
        "scheduling": "fixed",
        "starts_at_local": at(days=3, hour=14).strftime("%Y-%m-%dT%H:%M"),
        "starts_at_timezone": "UTC",
        "link_visible_minutes": "15",
        "candidate_may_reschedule": "on",
        "change_cutoff_hours": "24",
        "reminder_hours": "24, 1",
    }
    data.update(overrides)
    return data


def test_admin_schedules_a_live_interview_at_a_set_time(
    admin_client: Client, interviewer: User, commit: Callable[..., Any]
) -> None:
    with commit():
        response = admin_client.post(reverse("live:create"), base_post(interviewer))
    live = LiveInterview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("live:detail", args=[live.pk])
    assert live.status == LiveStatus.SCHEDULED
    assert live.starts_at == at(days=3, hour=14)
    assert live.provider == "teams"
    assert {m.to[0] for m in mail.outbox} == {"dana@example.org", "ivy@example.com"}
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    assert "Live interview: you will meet Dana Doe on Microsoft Teams" in page.content.decode()


def test_the_form_re_renders_with_field_errors(
    admin_client: Client, interviewer: User, make_live: Callable[..., LiveInterview]
) -> None:
    response = admin_client.post(
        reverse("live:create"),
        base_post(
            interviewer,
            meeting_url="javascript:alert(1)",
            candidate_timezone="Atlantis/Capital",
            starts_at_local=(timezone.now() - datetime.timedelta(days=1)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "meeting_url" in form.errors
    assert "Unknown time zone" in str(form.errors["candidate_timezone"])
    assert not LiveInterview.objects.exists()
    # Past time (once the rest is fixed) is a field error on the time, with a clear message.
    response = admin_client.post(
        reverse("live:create"),
        base_post(
            interviewer,
            starts_at_local=(timezone.now() - datetime.timedelta(days=1)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
        ),
    )
    assert "in the past" in str(response.context["form"].errors["starts_at_local"])
    # Overlap with an interviewer's other live interview.
    make_live(starts_at=at(days=3, hour=14), title="Panel with Eve")
    response = admin_client.post(reverse("live:create"), base_post(interviewer))
    assert "Ivy Interviewer already has “Panel with Eve”" in str(
        response.context["form"].errors["starts_at_local"]
    )
    # A wall-clock time skipped by DST.
    response = admin_client.post(
        reverse("live:create"),
        base_post(
            interviewer,
            starts_at_local="2031-03-30T01:30",
            starts_at_timezone="Europe/London",
        ),
    )
    assert "does not exist" in str(response.context["form"].errors["starts_at_local"])


def test_a_reviewer_cannot_create(reviewer_client: Client) -> None:
    assert reviewer_client.get(reverse("live:create")).status_code == 403


def test_invite_to_live_interview_from_a_candidate_in_two_clicks(
    admin_client: Client,
    admin_user: User,
    invitation: Invitation,
    make_live: Callable[..., LiveInterview],
    make_offer: Callable[..., SlotOffer],
    commit: Callable[..., Any],
) -> None:
    # The admin has scheduled before (their meeting room is remembered) and has open slots.
    make_live(meeting_url="https://meet.google.com/abc-defg-hij", candidate_email="x@y.test")
    offer = make_offer(slot_minutes=45)
    mail.outbox.clear()
    # Click 1: the button on the candidate's page.
    page = admin_client.get(reverse("live:create_for_invitation", args=[invitation.pk]))
    assert page.status_code == 200
    form = page.context["form"]
    assert form["candidate_name"].value() == "Carol Candidate"
    assert form["candidate_email"].value() == "carol@example.org"
    assert form["candidate_timezone"].value() == "Europe/Paris"
    assert form["interview"].value() == invitation.interview_id
    assert form["title"].value() == "Live interview: Backend engineer"
    assert form["meeting_url"].value() == "https://meet.google.com/abc-defg-hij"
    assert form["scheduling"].value() == "slots"
    assert form["slot_offer"].value() == offer.pk
    # Click 2: send.
    with commit():
        response = admin_client.post(
            reverse("live:create_for_invitation", args=[invitation.pk]), form_data(form)
        )
    assert response.status_code == 302, response.context["form"].errors
    live = LiveInterview.objects.get(invitation=invitation)
    assert live.status == LiveStatus.AWAITING_BOOKING
    assert live.interview == invitation.interview
    assert [m.to for m in mail.outbox] == [["carol@example.org"]]


def test_invite_for_another_organisations_candidate_is_404(
    admin_client: Client, other_org: Organisation
) -> None:
    from oneway.core.models import Interview

    interview = Interview.objects.create(
        organisation=other_org, title="Secret", contact_email="x@globex.test"
    )
    theirs = Invitation.objects.create(
        organisation=other_org,
        interview=interview,
        name="Not yours",
        email="n@globex.test",
        deadline=timezone.now() + datetime.timedelta(days=3),
        token_hash="f" * 64,
    )
    url = reverse("live:create_for_invitation", args=[theirs.pk])
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url, {}).status_code == 404


def test_other_organisations_live_interviews_are_404(
    make_org: Callable[..., Organisation],
    make_member: Callable[..., User],
    client_for: Callable[[User], Client],
    make_live: Callable[..., LiveInterview],
    make_offer: Callable[..., SlotOffer],
) -> None:
    live = make_live()
    offer = make_offer()
    globex = make_org("Globex")
    outsider = client_for(make_member(globex, Role.OWNER, email="boss@globex.test"))
    for name in ("detail", "edit", "reschedule", "cancel", "outcome", "send_link", "calendar"):
        url = reverse(f"live:{name}", args=[live.pk])
        assert outsider.get(url).status_code == 404, name
        assert outsider.post(url, {"reason": "x", "outcome": "held"}).status_code == 404, name
    for name in ("slot_offer_detail", "slot_offer_edit", "slot_offer_close"):
        url = reverse(f"live:{name}", args=[offer.pk])
        assert outsider.get(url).status_code == 404, name
        assert outsider.post(url, {}).status_code == 404, name
    live.refresh_from_db()
    assert live.status == LiveStatus.SCHEDULED
    assert LiveInterview.objects.filter(organisation=globex).count() == 0
    assert "Carol" not in outsider.get(reverse("live:list") + "?show=all").content.decode()


def test_staff_reschedule_and_cancel_through_the_pages(
    admin_client: Client, make_live: Callable[..., LiveInterview], commit: Callable[..., Any]
) -> None:
    live = make_live()
    mail.outbox.clear()
    new_start = at(days=6, hour=16)
    with commit():
        response = admin_client.post(
            reverse("live:reschedule", args=[live.pk]),
            {
                "scheduling": "fixed",
                "starts_at_local": new_start.strftime("%Y-%m-%dT%H:%M"),
                "starts_at_timezone": "UTC",
                "reason": "Interviewer travelling",
            },
        )
    assert response.status_code == 302
    live.refresh_from_db()
    assert (live.starts_at, live.ics_sequence) == (new_start, 1)
    assert "Interviewer travelling" in outbox_to("carol@example.org")[0].body
    mail.outbox.clear()
    with commit():
        response = admin_client.post(
            reverse("live:cancel", args=[live.pk]), {"reason": "Role closed"}
        )
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.status == LiveStatus.CANCELLED
    assert b"METHOD:CANCEL" in (ics_of(outbox_to("carol@example.org")[0]) or b"")
    # The detail page of a cancelled interview offers no more changes.
    page = admin_client.get(reverse("live:detail", args=[live.pk])).content.decode()
    assert "Role closed" in page and reverse("live:reschedule", args=[live.pk]) not in page


def test_reschedule_form_shows_conflicts(
    admin_client: Client, make_live: Callable[..., LiveInterview]
) -> None:
    other = make_live(starts_at=at(days=5, hour=9))
    live = make_live()
    response = admin_client.post(
        reverse("live:reschedule", args=[live.pk]),
        {
            "scheduling": "fixed",
            "starts_at_local": other.starts_at.strftime("%Y-%m-%dT%H:%M"),  # type: ignore[union-attr]
            "starts_at_timezone": "UTC",
        },
    )
    assert response.status_code == 200
    assert "overlaps" in str(response.context["form"].errors["starts_at_local"])


def test_an_interviewer_records_the_outcome_after_the_call(
    client_for: Callable[[User], Client],
    interviewer: User,
    make_member: Callable[..., User],
    org: Organisation,
    make_live: Callable[..., LiveInterview],
) -> None:
    live = make_live()
    LiveInterview.objects.filter(pk=live.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        ends_at=timezone.now() - datetime.timedelta(minutes=15),
    )
    url = reverse("live:outcome", args=[live.pk])
    # A reviewer who was not on the call does not even see it; one who sees it (assigned to
    # its position) may not record the outcome.
    bystander_user = make_member(org, Role.REVIEWER, email="bystander@acme.test")
    bystander = client_for(bystander_user)
    assert bystander.post(url, {"outcome": "held"}).status_code == 404
    position = Interview.objects.create(
        organisation=org, title="Position", contact_email="jobs@acme.test"
    )
    LiveInterview.objects.filter(pk=live.pk).update(interview=position)
    ReviewerAssignment.objects.create(organisation=org, interview=position, user=bystander_user)
    assert bystander.post(url, {"outcome": "held"}).status_code == 403
    ivy = client_for(interviewer)
    response = ivy.post(url, {"outcome": "bogus"})
    assert response.status_code == 200 and "outcome" in response.context["outcome_form"].errors
    response = ivy.post(
        url,
        {"outcome": "held", "rating": "5", "notes": "Great questions", "next": "/app/"},
    )
    assert response.status_code == 302 and response["Location"] == "/app/"
    live.refresh_from_db()
    assert (live.outcome, live.rating, live.outcome_notes) == ("held", 5, "Great questions")
    # An unsafe next is ignored.
    response = ivy.post(url, {"outcome": "held", "next": "https://evil.example/"})
    assert response["Location"] == reverse("live:detail", args=[live.pk])


def test_edit_details_page(
    admin_client: Client,
    make_live: Callable[..., LiveInterview],
    second_interviewer: User,
    commit: Callable[..., Any],
) -> None:
    live = make_live()
    page = admin_client.get(reverse("live:edit", args=[live.pk]))
    data = form_data(page.context["form"])
    data["interviewers"] = [str(second_interviewer.pk)]
    data["meeting_url"] = "ftp://nope.example"
    response = admin_client.post(reverse("live:edit", args=[live.pk]), data)
    assert "meeting_url" in response.context["form"].errors
    data["meeting_url"] = "https://whereby.com/acme"
    mail.outbox.clear()
    with commit():
        response = admin_client.post(reverse("live:edit", args=[live.pk]), data)
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.provider == "whereby"
    assert list(live.interviewers.all()) == [second_interviewer]
    assert outbox_to("ivy@example.com") and outbox_to("sam@example.com")


def test_staff_download_the_calendar_file(
    reviewer_client: Client,
    client_for: Callable[[User], Client],
    interviewer: User,
    make_live: Callable[..., LiveInterview],
) -> None:
    live = make_live()
    url = reverse("live:calendar", args=[live.pk])
    assert reviewer_client.get(url).status_code == 404  # neither assigned nor interviewer
    response = client_for(interviewer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in response.content


def test_list_pages_have_a_fixed_number_of_queries(
    admin_client: Client,
    make_live: Callable[..., LiveInterview],
    position: Any,
    second_interviewer: User,
    interviewer: User,
) -> None:
    make_live(interview=position)
    admin_client.get(reverse("live:list"))
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(reverse("live:list")).status_code == 200
    for day in range(4, 9):
        make_live(
            starts_at=at(days=day),
            interviewers=[interviewer, second_interviewer],
            interview=position,
        )
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(reverse("live:list"))
    assert response.content.decode().count("Carol Candidate") == 6
    assert len(many) == len(few)


def test_slot_offer_pages(admin_client: Client, reviewer_client: Client, admin_user: User) -> None:
    page = admin_client.get(reverse("live:slot_offer_create"))
    assert page.status_code == 200
    day = (timezone.now() + datetime.timedelta(days=10)).date().isoformat()
    data = {
        "name": "Spring panel",
        "timezone": "Europe/London",
        "slot_minutes": "30",
        "buffer_minutes": "10",
        "minimum_notice_hours": "24",
        "ranges-TOTAL_FORMS": "3",
        "ranges-INITIAL_FORMS": "0",
        "ranges-MIN_NUM_FORMS": "0",
        "ranges-MAX_NUM_FORMS": "1000",
        "ranges-0-date": day,
        "ranges-0-start": "09:00",
        "ranges-0-end": "12:00",
        "ranges-1-date": day,
        "ranges-1-start": "14:00",
        "ranges-1-end": "13:00",
    }
    response = admin_client.post(reverse("live:slot_offer_create"), data)
    assert response.status_code == 200
    assert "must end after it starts" in response.content.decode()
    data["ranges-1-end"] = "16:00"
    data["timezone"] = "Nowhere/Special"
    response = admin_client.post(reverse("live:slot_offer_create"), data)
    assert "Unknown time zone" in str(response.context["form"].errors["timezone"])
    data["timezone"] = "Europe/London"
    response = admin_client.post(reverse("live:slot_offer_create"), data)
    assert response.status_code == 302
    offer = SlotOffer.objects.get()
    assert offer.ranges.count() == 2 and offer.created_by == admin_user
    detail = reviewer_client.get(reverse("live:slot_offer_detail", args=[offer.pk]))
    assert detail.status_code == 200
    assert reviewer_client.get(reverse("live:slot_offer_list")).status_code == 200
    assert reviewer_client.get(reverse("live:slot_offer_edit", args=[offer.pk])).status_code == 403
    edit = admin_client.get(reverse("live:slot_offer_edit", args=[offer.pk]))
    assert edit.context["formset"].initial[0]["start"] == datetime.time(9, 0)
    assert admin_client.post(reverse("live:slot_offer_close", args=[offer.pk])).status_code == 302
    offer.refresh_from_db()
    assert offer.closed_at is not None


def test_candidate_partial_for_the_review_page(
    admin_user: User,
    interviewer: User,
    org: Organisation,
    invitation: Invitation,
    make_live: Callable[..., LiveInterview],
) -> None:
    live = make_live(invitation=invitation)
    LiveInterview.objects.filter(pk=live.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    request = RequestFactory().get("/app/review/1/")
    request.user = interviewer
    request.org = org  # type: ignore[attr-defined]
    request.membership = Membership.objects.get(user=interviewer, organisation=org)  # type: ignore[attr-defined]
    template = Template('{% include "live/_candidate_live.html" with invitation=invitation %}')
    html = template.render(
        Context({"invitation": invitation, "user": interviewer, "request": request, "can": {}})
    )
    assert "Technical interview" in html
    assert reverse("live:outcome", args=[live.pk]) in html  # an interviewer records the outcome
    assert reverse("live:create_for_invitation", args=[invitation.pk]) not in html
    html = template.render(
        Context(
            {
                "invitation": invitation,
                "user": admin_user,
                "request": request,
                "can": {"live_manage": True},
            }
        )
    )
    assert reverse("live:create_for_invitation", args=[invitation.pk]) in html
    assert "Invite to live interview" in html


@pytest.mark.parametrize("name", ["list", "slot_offer_list"])
def test_reviewers_can_look(reviewer_client: Client, name: str) -> None:
    assert reviewer_client.get(reverse(f"live:{name}")).status_code == 200


def test_the_dashboard_home_shows_live_interviews_still_to_come_today(
    admin_client: Client, make_live: Callable[..., LiveInterview], org: Organisation
) -> None:
    from oneway.live.timeutil import local

    soon = timezone.now() + datetime.timedelta(minutes=5)
    make_live(starts_at=soon, candidate_name="Dashboard Dora")
    make_live(starts_at=at(days=2, hour=9), candidate_name="Later Larry")
    html = admin_client.get(reverse("dashboard:home")).content.decode()
    assert "Live interviews still to come today" in html
    today = local(timezone.now(), org.timezone).date() == local(soon, org.timezone).date()
    assert ("Dashboard Dora" in html) == today  # (false only in the 5 minutes before midnight)
    assert "Later Larry" not in html


def test_the_candidate_review_page_carries_the_live_stage(
    admin_client: Client, invitation: Invitation, make_live: Callable[..., LiveInterview]
) -> None:
    """Contract D: recorded and live stages on one candidate page."""
    make_live(invitation=invitation, title="Second round with the team")
    response = admin_client.get(reverse("dashboard:review_candidate", args=[invitation.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Second round with the team" in html
    assert reverse("live:create_for_invitation", args=[invitation.pk]) in html


def test_reschedule_and_cancel_return_to_the_page_they_came_from(
    admin_client: Client, invitation: Invitation, make_live: Callable[..., LiveInterview]
) -> None:
    live = make_live(invitation=invitation)
    back = reverse("dashboard:review_candidate", args=[invitation.pk])
    page = admin_client.get(reverse("live:cancel", args=[live.pk]) + f"?next={back}")
    assert f'name="next" value="{back}"' in page.content.decode()
    response = admin_client.post(
        reverse("live:cancel", args=[live.pk]), {"reason": "", "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
