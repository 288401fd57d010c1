from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DecisionStatus(models.TextChoices):
    NEW = "new", _("New")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    ON_HOLD = "on_hold", _("On hold")
    ADVANCED = "advanced", _("Advanced")
    REJECTED = "rejected", _("Rejected")


class Decision(models.Model):
    """Where a candidate stands in the pipeline. Only a person changes it, never the system.

    A candidate without a row is "new".
    """

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="decisions"
    )
    invitation = models.OneToOneField(
        "core.Invitation", on_delete=models.CASCADE, related_name="decision"
    )
    status = models.CharField(
        max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.NEW
    )
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.invitation_id}: {self.status}"


class DecisionEvent(models.Model):
    """One change of a candidate's decision: the history shown on the candidate page."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="decision_events"
    )
    invitation = models.ForeignKey(
        "core.Invitation", on_delete=models.CASCADE, related_name="decision_events"
    )
    from_status = models.CharField(max_length=16, choices=DecisionStatus.choices)
    to_status = models.CharField(max_length=16, choices=DecisionStatus.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set once the optional email to the candidate has gone out.
    candidate_email_requested = models.BooleanField(default=False)
    candidate_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["invitation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.invitation_id}: {self.from_status} -> {self.to_status}"


class DecisionEmailTemplate(models.Model):
    """The email a candidate may receive when their decision changes, per interview.

    Without a row the built-in default (``oneway.reviews.decision_emails``) is used.
    """

    interview = models.ForeignKey(
        "core.Interview", on_delete=models.CASCADE, related_name="decision_email_templates"
    )
    status = models.CharField(max_length=16, choices=DecisionStatus.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "status"], name="decision_email_once_per_status"
            )
        ]

    def __str__(self) -> str:
        return f"{self.interview_id}: {self.status}"
