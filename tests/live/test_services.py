import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import AuditEntry, Invitation, Organisation
from oneway.live.models import LiveInterview, LiveOutcome, LiveStatus, SlotOffer
from oneway.live.providers import MeetingProvider
from oneway.live.services import (
    live_interview_cancel,
    live_interview_mark_outcome,
    live_interview_reschedule,
    live_interview_update,
    live_link_send,
    live_reschedule_request,
)

from .helpers import at, ics_of, outbox_to


def actions(live: LiveInterview) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="liveinterview", object_id=str(live.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_scheduling_at_a_set_time_invites_candidate_and_each_interviewer(
    make_live: Callable[..., LiveInterview],
    commit: Callable[..., Any],
    interviewer: User,
    second_interviewer: User,
) -> None:
    with commit():
        live = make_live(interviewers=[interviewer, second_interviewer])
    assert live.status == LiveStatus.SCHEDULED
    assert live.provider == MeetingProvider.ZOOM
    assert live.ends_at == live.starts_at + datetime.timedelta(minutes=45)  # type: ignore[operator]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "carol@example.org",
        "ivy@example.com",
        "sam@example.com",
    ]
    assert all(ics_of(m) for m in mail.outbox)
    candidate_mail = outbox_to("carol@example.org")[0]
    # The candidate email leads with the live format card.
    assert candidate_mail.body.startswith("== LIVE INTERVIEW ==")
    assert "you will meet Ivy Interviewer and Sam Second on Zoom" in candidate_mail.body
    assert "/live/c/" in candidate_mail.body
    assert candidate_mail.reply_to == ["admin-acme@example.com"]
    assert actions(live) == ["live.scheduled"]
    entry = AuditEntry.objects.get(action="live.scheduled")
    assert entry.organisation == live.organisation and entry.actor == live.organiser


def test_offering_slots_sends_the_candidate_a_booking_link_only(
    make_live: Callable[..., LiveInterview],
    make_offer: Callable[..., SlotOffer],
    commit: Callable[..., Any],
) -> None:
    offer = make_offer()
    with commit():
        live = make_live(slot_offer=offer, duration_minutes=30)
    assert live.status == LiveStatus.AWAITING_BOOKING and live.starts_at is None
    assert [m.to for m in mail.outbox] == [["carol@example.org"]]
    message = mail.outbox[0]
    assert "choose a time" in message.subject
    assert ics_of(message) is None
    assert "You choose the time" in message.body
    assert actions(live) == ["live.slots_offered"]


def test_a_time_in_the_past_is_refused(make_live: Callable[..., LiveInterview]) -> None:
    with pytest.raises(ValidationError) as exc:
        make_live(starts_at=timezone.now() - datetime.timedelta(minutes=5))
    assert "in the past" in str(exc.value.message_dict["starts_at"])


def test_overlapping_an_interviewers_other_interview_is_refused_with_a_clear_message(
    make_live: Callable[..., LiveInterview], interviewer: User, second_interviewer: User
) -> None:
    first = make_live(starts_at=at(days=3, hour=10), title="Panel with Dan")
    with pytest.raises(ValidationError) as exc:
        make_live(
            starts_at=at(days=3, hour=10, minute=30),
            interviewers=[second_interviewer, interviewer],
        )
    message = " ".join(exc.value.message_dict["starts_at"])
    assert "Ivy Interviewer already has “Panel with Dan”" in message
    assert "overlaps" in message
    # Back to back is fine; a different interviewer at the same time is fine.
    make_live(starts_at=first.ends_at)
    make_live(starts_at=at(days=3, hour=10), interviewers=[second_interviewer])


def test_a_cancelled_interview_no_longer_blocks_the_time(
    make_live: Callable[..., LiveInterview], admin_user: User
) -> None:
    first = make_live(starts_at=at(days=3, hour=10))
    live_interview_cancel(live=first, actor=admin_user, reason="")
    make_live(starts_at=at(days=3, hour=10))


def test_interviewers_must_be_members_and_at_least_one(
    make_live: Callable[..., LiveInterview],
    other_org: Organisation,
    make_member: Callable[..., User],
) -> None:
    stranger = make_member(other_org, Role.ADMIN, email="stranger@globex.test")
    with pytest.raises(ValidationError) as exc:
        make_live(interviewers=[stranger])
    assert "members of Acme Hiring" in str(exc.value.message_dict["interviewers"])
    with pytest.raises(ValidationError) as exc:
        make_live(interviewers=[])
    assert "at least one interviewer" in str(exc.value.message_dict["interviewers"])


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.example/m", "zoom.us/j/1"])
def test_non_http_meeting_urls_are_refused(
    make_live: Callable[..., LiveInterview], url: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        make_live(meeting_url=url)
    assert "meeting_url" in exc.value.message_dict


def test_an_unknown_candidate_time_zone_is_refused(
    make_live: Callable[..., LiveInterview],
) -> None:
    with pytest.raises(ValidationError) as exc:
        make_live(candidate_timezone="Mars/Olympus")
    assert "Unknown time zone" in str(exc.value.message_dict["candidate_timezone"])


def test_a_closed_or_foreign_slot_offer_is_refused(
    make_live: Callable[..., LiveInterview],
    make_offer: Callable[..., SlotOffer],
    other_org: Organisation,
) -> None:
    offer = make_offer()
    offer.organisation = other_org
    offer.save()
    with pytest.raises(ValidationError):
        make_live(slot_offer=offer, duration_minutes=30)


def test_with_slots_the_interview_lasts_one_slot(
    make_live: Callable[..., LiveInterview], make_offer: Callable[..., SlotOffer]
) -> None:
    live = make_live(slot_offer=make_offer(slot_minutes=30), duration_minutes=60)
    assert live.duration_minutes == 30


def test_invitation_carries_its_position(
    make_live: Callable[..., LiveInterview], invitation: Invitation
) -> None:
    live = make_live(invitation=invitation)
    assert live.interview == invitation.interview
    assert list(invitation.live_interviews.all()) == [live]
    entry = AuditEntry.objects.get(action="live.scheduled")
    assert entry.invitation_id == invitation.pk
    assert entry.interview_id == invitation.interview_id


def test_staff_reschedule_checks_conflicts_and_the_past(
    make_live: Callable[..., LiveInterview], admin_user: User
) -> None:
    other = make_live(starts_at=at(days=4, hour=10))
    live = make_live(starts_at=at(days=3, hour=10))
    with pytest.raises(ValidationError) as exc:
        live_interview_reschedule(live=live, actor=admin_user, starts_at=other.starts_at)
    assert "overlaps" in " ".join(exc.value.message_dict["starts_at"])
    with pytest.raises(ValidationError):
        live_interview_reschedule(
            live=live, actor=admin_user, starts_at=timezone.now() - datetime.timedelta(hours=1)
        )
    # Moving within its own old time does not clash with itself.
    moved = live_interview_reschedule(
        live=live, actor=admin_user, starts_at=at(days=3, hour=10, minute=15)
    )
    assert moved.ics_sequence == 1


def test_staff_can_send_a_scheduled_interview_back_to_slot_picking(
    make_live: Callable[..., LiveInterview],
    make_offer: Callable[..., SlotOffer],
    commit: Callable[..., Any],
    admin_user: User,
) -> None:
    live = make_live()
    offer = make_offer(slot_minutes=60)
    mail.outbox.clear()
    with commit():
        live = live_interview_reschedule(
            live=live, actor=admin_user, slot_offer=offer, reason="Panel moved"
        )
    assert live.status == LiveStatus.AWAITING_BOOKING
    assert live.ics_sequence == 1
    candidate_mail = outbox_to("carol@example.org")[0]
    assert "choose a new time" in candidate_mail.subject
    assert b"METHOD:CANCEL" in (ics_of(candidate_mail) or b"")
    assert "Panel moved" in candidate_mail.body
    assert b"METHOD:CANCEL" in (ics_of(outbox_to("ivy@example.com")[0]) or b"")


def test_cancel_by_candidate_needs_a_reason_and_tells_the_interviewers(
    make_live: Callable[..., LiveInterview], commit: Callable[..., Any]
) -> None:
    live = make_live()
    mail.outbox.clear()
    with pytest.raises(ValidationError):
        live_interview_cancel(live=live, reason="  ", by_candidate=True)
    with commit():
        live = live_interview_cancel(live=live, reason="I took another offer", by_candidate=True)
    assert live.status == LiveStatus.CANCELLED and live.cancelled_by_candidate
    interviewer_mail = outbox_to("ivy@example.com")[0]
    assert "Carol Candidate cancelled" in interviewer_mail.body
    assert "I took another offer" in interviewer_mail.body
    entry = AuditEntry.objects.get(action="live.cancelled")
    assert entry.actor is None and entry.actor_label == f"live-candidate:{live.pk}"
    with pytest.raises(ValidationError):
        live_interview_cancel(live=live, reason="again", by_candidate=True)


def test_outcome_only_after_the_start(
    make_live: Callable[..., LiveInterview], admin_user: User, interviewer: User
) -> None:
    live = make_live()
    with pytest.raises(ValidationError):
        live_interview_mark_outcome(live=live, actor=interviewer, outcome=LiveOutcome.HELD)
    after = live.starts_at + datetime.timedelta(minutes=50)  # type: ignore[operator]
    live = live_interview_mark_outcome(
        live=live,
        actor=interviewer,
        outcome=LiveOutcome.HELD,
        notes="Strong on systems design.",
        rating=4,
        now=after,
    )
    assert (live.status, live.outcome, live.rating) == (LiveStatus.DONE, "held", 4)
    assert live.outcome_by == interviewer
    # It can be corrected afterwards.
    live = live_interview_mark_outcome(
        live=live, actor=admin_user, outcome=LiveOutcome.CANDIDATE_NO_SHOW, now=after
    )
    assert live.outcome == "candidate_no_show" and live.rating is None
    with pytest.raises(ValidationError):
        live_interview_mark_outcome(live=live, actor=admin_user, outcome="great", now=after)
    with pytest.raises(ValidationError):
        live_interview_mark_outcome(
            live=live, actor=admin_user, outcome=LiveOutcome.HELD, rating=6, now=after
        )
    assert actions(live).count("live.outcome_marked") == 2


def test_no_outcome_for_a_cancelled_interview(
    make_live: Callable[..., LiveInterview], admin_user: User
) -> None:
    live = make_live()
    live_interview_cancel(live=live, actor=admin_user, reason="")
    with pytest.raises(ValidationError):
        live_interview_mark_outcome(
            live=live,
            actor=admin_user,
            outcome=LiveOutcome.HELD,
            now=live.ends_at,
        )


def test_changing_details_updates_calendars_and_withdraws_removed_interviewers(
    make_live: Callable[..., LiveInterview],
    commit: Callable[..., Any],
    admin_user: User,
    interviewer: User,
    second_interviewer: User,
) -> None:
    live = make_live(interviewers=[interviewer])
    mail.outbox.clear()
    with commit():
        live = live_interview_update(
            live=live,
            actor=admin_user,
            interviewers=[second_interviewer],
            meeting_url="https://meet.google.com/abc-defg-hij",
        )
    assert live.provider == MeetingProvider.GOOGLE_MEET
    assert live.ics_sequence == 1
    removed = outbox_to("ivy@example.com")
    assert len(removed) == 1 and b"METHOD:CANCEL" in (ics_of(removed[0]) or b"")
    added = outbox_to("sam@example.com")
    assert len(added) == 1 and b"METHOD:REQUEST" in (ics_of(added[0]) or b"")
    candidate_mail = outbox_to("carol@example.org")[0]
    assert "Updated" in candidate_mail.subject
    assert "on Google Meet" in candidate_mail.body
    assert AuditEntry.objects.get(action="live.updated").data["changed"] == [
        "interviewers",
        "meeting_url",
    ]


def test_changing_only_the_preparation_notes_sends_nothing(
    make_live: Callable[..., LiveInterview], commit: Callable[..., Any], admin_user: User
) -> None:
    live = make_live()
    mail.outbox.clear()
    with commit():
        live = live_interview_update(
            live=live,
            actor=admin_user,
            interviewers=list(live.interviewers.all()),
            candidate_notes="Have your CV to hand.",
        )
    assert live.ics_sequence == 0 and mail.outbox == []


def test_adding_a_busy_interviewer_is_refused(
    make_live: Callable[..., LiveInterview],
    admin_user: User,
    interviewer: User,
    second_interviewer: User,
) -> None:
    make_live(starts_at=at(days=3, hour=10), interviewers=[second_interviewer])
    live = make_live(starts_at=at(days=3, hour=10, minute=15), interviewers=[interviewer])
    with pytest.raises(ValidationError) as exc:
        live_interview_update(
            live=live, actor=admin_user, interviewers=[interviewer, second_interviewer]
        )
    assert "Sam Second already has" in " ".join(exc.value.message_dict["interviewers"])


def test_candidate_may_ask_for_another_time_within_the_policy(
    make_live: Callable[..., LiveInterview],
    commit: Callable[..., Any],
    admin_user: User,
) -> None:
    live = make_live(starts_at=at(days=3), change_cutoff_hours=24)
    mail.outbox.clear()
    with commit():
        live_reschedule_request(live=live, message="Could we do Friday morning instead?")
    # Interviewers and the organiser hear about it, with the candidate as reply-to.
    assert sorted(m.to[0] for m in mail.outbox) == [admin_user.email, "ivy@example.com"]
    assert mail.outbox[0].reply_to == ["carol@example.org"]
    assert "Friday morning" in mail.outbox[0].body
    too_late = live.starts_at - datetime.timedelta(hours=23)  # type: ignore[operator]
    with pytest.raises(ValidationError):
        live_reschedule_request(live=live, message="Another time?", now=too_late)
    strict = make_live(starts_at=at(days=5), candidate_may_reschedule=False)
    with pytest.raises(ValidationError):
        live_reschedule_request(live=strict, message="Another time?")


def test_a_fresh_link_never_breaks_the_earlier_ones(
    make_live: Callable[..., LiveInterview],
    commit: Callable[..., Any],
    admin_user: User,
    client: Any,
) -> None:
    with commit():
        live = make_live()
    with commit():
        live_link_send(live=live, actor=admin_user)
    first, second = outbox_to("carol@example.org")
    links = [
        line.split(": ", 1)[1].strip()
        for message in (first, second)
        for line in message.body.splitlines()
        if line.startswith("Your interview page")
    ]
    assert len(links) == 2 and links[0] != links[1]
    for link in links:
        assert client.get(link.replace("http://127.0.0.1:8000", "")).status_code == 200
    assert live.links.count() == 2
    # Only hashes are stored.
    assert not any(
        link.rsplit("/", 2)[-2] in h
        for h in live.links.values_list("token_hash", flat=True)
        for link in links
    )
