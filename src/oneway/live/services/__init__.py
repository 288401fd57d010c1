"""Every write to live interviews goes through these functions."""

from oneway.live.services.reminders import reminders_send_due
from oneway.live.services.scheduling import (
    live_interview_cancel,
    live_interview_mark_outcome,
    live_interview_reschedule,
    live_interview_schedule,
    live_interview_update,
    live_link_send,
    live_reschedule_request,
)
from oneway.live.services.slots import (
    SlotUnavailable,
    candidate_may_change,
    slot_book,
    slot_offer_close,
    slot_offer_create,
    slot_offer_update,
)

__all__ = [
    "SlotUnavailable",
    "candidate_may_change",
    "live_interview_cancel",
    "live_interview_mark_outcome",
    "live_interview_reschedule",
    "live_interview_schedule",
    "live_interview_update",
    "live_link_send",
    "live_reschedule_request",
    "reminders_send_due",
    "slot_book",
    "slot_offer_close",
    "slot_offer_create",
    "slot_offer_update",
]
