import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oneway.core.models.orgs import Organisation


def new_tombstone() -> str:
    """The opaque id that replaces a candidate's identity in what is kept (audit log)."""
    return "erased-" + secrets.token_hex(8)


class ErasureReason(models.TextChoices):
    CANDIDATE = "candidate", _("The candidate deleted their data")
    STAFF = "staff", _("A data request handled by the team")
    RETENTION = "retention", _("The retention period ended")


class Erasure(models.Model):
    """The erasure ledger: one row per erased candidate, holding no personal data.

    Created in the transaction that removes the candidate's rows; ``pending_files`` lists
    the stored files (opaque storage names) and in-progress uploads still to be removed,
    so a job that fails half-way is retried from here and no record ever points at a file
    that is gone without saying so. A restore from a backup re-applies every row
    (``invitation_id`` is the candidate that must not come back).
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="erasures"
    )
    interview_id = models.BigIntegerField(db_index=True)
    invitation_id = models.BigIntegerField(unique=True)
    tombstone = models.CharField(max_length=40, unique=True)
    reason = models.CharField(max_length=16, choices=ErasureReason.choices)
    # A staff member's id (the audit entry names them); candidates and jobs leave it empty.
    actor_id = models.BigIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    pending_files = models.JSONField(default=list, blank=True)
    pending_uploads = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["completed_at", "requested_at"])]

    def __str__(self) -> str:
        return f"Erasure of invitation {self.invitation_id} ({self.tombstone})"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class DataRequest(models.Model):
    """A person's request about their data, handled by the team (GDPR: within a month).

    Found by email across the organisation's interviews. ``log`` records what was done
    (``{"at", "by", "action", "detail"}``). Once the person's data is erased, ``email`` is
    replaced by the tombstone and the log stays.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="data_requests"
    )
    email = models.EmailField(_("email address"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("request received"), default=timezone.now)
    due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    export = models.ForeignKey(
        "core.DataExport", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    log = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["closed_at", "due_at"]

    def __str__(self) -> str:
        return f"Data request {self.pk}"
