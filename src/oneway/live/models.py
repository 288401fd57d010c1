"""Live interviews: a real interviewer, a time, and a link to the team's meeting tool."""

import datetime
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.timezone import now as tz_now
from django.utils.translation import gettext_lazy as _

from oneway.live.providers import MeetingProvider, provider_display


def default_live_reminder_hours() -> list[int]:
    return [24, 1]


class LiveStatus(models.TextChoices):
    AWAITING_BOOKING = "awaiting_booking", _("Waiting for the candidate to pick a time")
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")
    DONE = "done", _("Done")


class LiveOutcome(models.TextChoices):
    HELD = "held", _("Held")
    CANDIDATE_NO_SHOW = "candidate_no_show", _("Candidate did not attend")
    INTERVIEWER_NO_SHOW = "interviewer_no_show", _("Interviewer did not attend")


class SlotOffer(models.Model):
    """Times a team offers; candidates book one slot each, first come first served."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="live_slot_offers"
    )
    name = models.CharField(_("name"), max_length=200)
    timezone = models.CharField(_("time zone of the ranges"), max_length=64, default="UTC")
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer between interviews (minutes)"),
        default=10,
        validators=[MaxValueValidator(240)],
    )
    minimum_notice_hours = models.PositiveSmallIntegerField(
        _("minimum notice (hours)"),
        default=24,
        validators=[MaxValueValidator(720)],
        help_text=_("Candidates cannot book a slot that starts sooner than this."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=tz_now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class SlotRange(models.Model):
    """One stretch of offered time, cut into slots of the offer's length."""

    offer = models.ForeignKey(SlotOffer, on_delete=models.CASCADE, related_name="ranges")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="live_slot_range_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M} UTC"


class LiveInterview(models.Model):
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="live_interviews"
    )
    # The position it belongs to (optional: a live interview may stand alone).
    interview = models.ForeignKey(
        "core.Interview",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="live_interviews",
    )
    # The recorded-stage candidate it follows on from, when invited from a review page.
    invitation = models.ForeignKey(
        "core.Invitation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="live_interviews",
    )
    title = models.CharField(_("title"), max_length=200)
    interviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="live_interviews_as_interviewer"
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
    )
    meeting_url = models.URLField(_("meeting link"), max_length=1000)
    provider = models.CharField(
        max_length=16, choices=MeetingProvider.choices, default=MeetingProvider.OTHER
    )
    dial_in = models.TextField(_("dial-in or location"), blank=True)
    candidate_notes = models.TextField(_("what to prepare (shown to the candidate)"), blank=True)
    candidate_name = models.CharField(_("candidate's name"), max_length=200)
    candidate_email = models.EmailField(_("candidate's email"))
    candidate_timezone = models.CharField(_("candidate's time zone"), max_length=64)
    slot_offer = models.ForeignKey(
        SlotOffer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="live_interviews",
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    # When the current time was set: reminders whose moment came before it are skipped.
    scheduled_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=LiveStatus.choices, default=LiveStatus.AWAITING_BOOKING
    )
    link_visible_minutes = models.PositiveSmallIntegerField(
        _("show the meeting link from (minutes before the start)"),
        default=15,
        validators=[MaxValueValidator(10080)],
    )
    candidate_may_reschedule = models.BooleanField(
        _("the candidate may reschedule or ask for another time"), default=True
    )
    change_cutoff_hours = models.PositiveSmallIntegerField(
        _("until (hours before the start)"), default=24, validators=[MaxValueValidator(720)]
    )
    reminder_hours = models.JSONField(
        _("reminders (hours before the start)"), default=default_live_reminder_hours, blank=True
    )
    # Calendar identity: one UID for the life of the interview, SEQUENCE raised on change.
    ics_uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ics_sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    cancelled_by_candidate = models.BooleanField(default=False)
    outcome = models.CharField(max_length=24, choices=LiveOutcome.choices, blank=True)
    outcome_notes = models.TextField(_("notes"), blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=tz_now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["organisation", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="live_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="live_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.candidate_name})"

    @property
    def provider_name(self) -> str:
        return provider_display(self.meeting_url, self.provider)

    @property
    def is_open(self) -> bool:
        return self.status in (LiveStatus.AWAITING_BOOKING, LiveStatus.SCHEDULED)

    def link_visible_from(self) -> datetime.datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at - datetime.timedelta(minutes=self.link_visible_minutes)

    def change_deadline(self) -> datetime.datetime | None:
        """Until when the candidate may reschedule (the staff policy)."""
        if self.starts_at is None:
            return None
        return self.starts_at - datetime.timedelta(hours=self.change_cutoff_hours)

    def has_started(self, now: datetime.datetime | None = None) -> bool:
        return self.starts_at is not None and (now or tz_now()) >= self.starts_at


class LiveLink(models.Model):
    """A candidate's capability link. Each email carries a fresh one, and every link stays
    valid, so a reminder never breaks the link in an earlier email. Only hashes are kept."""

    live_interview = models.ForeignKey(
        LiveInterview, on_delete=models.CASCADE, related_name="links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=tz_now)

    def __str__(self) -> str:
        return f"Link for live interview {self.live_interview_id}"


class SlotBooking(models.Model):
    """A candidate's hold on one slot. The partial unique constraints make a double
    booking impossible even when two requests commit at the same moment."""

    offer = models.ForeignKey(SlotOffer, on_delete=models.CASCADE, related_name="bookings")
    live_interview = models.ForeignKey(
        LiveInterview, on_delete=models.CASCADE, related_name="bookings"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    booked_at = models.DateTimeField(default=tz_now)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "starts_at"],
                condition=models.Q(released_at__isnull=True),
                name="live_slot_booked_once",
            ),
            models.UniqueConstraint(
                fields=["live_interview"],
                condition=models.Q(released_at__isnull=True),
                name="live_one_active_booking",
            ),
        ]

    def __str__(self) -> str:
        return f"Booking {self.starts_at:%Y-%m-%d %H:%M} UTC for {self.live_interview_id}"


class LiveReminderDelivery(models.Model):
    """One reminder sent for one start time; a second run of the job is a no-op."""

    live_interview = models.ForeignKey(
        LiveInterview, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    hours_before = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    sent_at = models.DateTimeField(default=tz_now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["live_interview", "hours_before", "starts_at"], name="live_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder {self.hours_before} h for live interview {self.live_interview_id}"
