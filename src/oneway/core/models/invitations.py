from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from oneway.core.languages import validate_language
from oneway.core.models.interviews import Interview
from oneway.core.models.orgs import Organisation


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    OPENED = "opened", _("Opened")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    # The candidate withdrew (or their data reached its retention end): the row is kept
    # with its personal fields replaced by a tombstone, so counts survive.
    ERASED = "erased", _("Withdrawn, data deleted")


class Invitation(models.Model):
    """One candidate's personal link to one interview."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="invitations")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    deadline = models.DateTimeField(_("deadline"))
    # Blank: the interview's language (oneway.core.languages.invitation_language).
    language = models.CharField(
        _("Language"), max_length=16, blank=True, validators=[validate_language]
    )
    # sha256 of the capability token; the token itself is only ever in the email.
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.INVITED
    )
    invited_at = models.DateTimeField(default=now)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    legal_hold_at = models.DateTimeField(null=True, blank=True)
    legal_hold_note = models.CharField(max_length=300, blank=True)
    # Candidate flow
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_text = models.TextField(blank=True)
    accommodation_time_factor = models.DecimalField(max_digits=3, decimal_places=2, default=1)
    accommodation_text_alternative = models.BooleanField(default=False)
    accommodation_note = models.TextField(blank=True)
    accommodation_requested_at = models.DateTimeField(null=True, blank=True)
    # The browser tab that currently holds the interview (two tabs must not collide).
    active_tab = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=16, default="staff")  # staff, csv, apply

    class Meta:
        ordering = ["-invited_at"]
        indexes = [
            models.Index(fields=["interview", "status"]),
            models.Index(fields=["organisation", "deadline"]),
            models.Index(fields=["interview", "email"]),
            # Insights (funnel, time to complete), read from the index alone.
            models.Index(
                fields=["interview"],
                include=["id", "opened_at", "started_at", "completed_at"],
                name="invitation_interview_times",
            ),
        ]
        constraints = [
            # One live invitation per address and interview (a revoked one may be redone).
            models.UniqueConstraint(
                fields=["interview", "email"],
                condition=~models.Q(status="revoked"),
                name="invitation_once_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def is_closed(self) -> bool:
        return self.status in (
            InvitationStatus.COMPLETED,
            InvitationStatus.EXPIRED,
            InvitationStatus.REVOKED,
            InvitationStatus.ERASED,
        )


class ReminderDelivery(models.Model):
    """One reminder sent; the unique constraint makes a second run of the job a no-op."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="reminders")
    hours_before = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "hours_before"], name="reminder_once")
        ]

    def __str__(self) -> str:
        return f"Reminder {self.hours_before} h for invitation {self.invitation_id}"


class InvitationLink(models.Model):
    """One capability token sent to a candidate (invitation, resend, reminder, extension).

    Every email carries a fresh token, and each stays valid while the invitation is open,
    so the link in an earlier email keeps working after a resend or a reminder.
    Only the SHA-256 hash is stored.
    """

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=16, default="invite")
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Link {self.pk} ({self.purpose}) of invitation {self.invitation_id}"


class InvitationImport(models.Model):
    """A CSV upload kept server-side between its preview and its confirmation.

    ``rows`` holds each parsed row as ``{"line", "name", "email", "timezone", "deadline",
    "errors"}`` so the confirmation does not need the file again.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitation_imports"
    )
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)
    rows = models.JSONField(default=list)
    created_at = models.DateTimeField(default=now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} into {self.interview_id}"

    @property
    def valid_rows(self) -> list[dict[str, object]]:
        return [row for row in self.rows if not row.get("errors")]

    @property
    def invalid_rows(self) -> list[dict[str, object]]:
        return [row for row in self.rows if row.get("errors")]
