from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oneway.core.models.invitations import Invitation
from oneway.core.models.orgs import Organisation


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class DataExport(models.Model):
    """A candidate's data as one ZIP (their own request, or a data request for all of an
    address's invitations in an organisation). Built by a job; the file is removed after
    ``DATA_EXPORT_KEEP_DAYS`` (and with the candidate's erasure)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="data_exports"
    )
    invitations = models.ManyToManyField(Invitation, related_name="data_exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The language of the README and the email (the candidate's, when they asked).
    language = models.CharField(max_length=16, default="en")
    state = models.CharField(max_length=8, choices=ExportState.choices, default=ExportState.QUEUED)
    storage_name = models.CharField(max_length=300, blank=True)
    size = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    # The file is deleted from then on (the row stays as a record without it).
    expires_at = models.DateTimeField()
    file_deleted_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "expires_at"])]

    def __str__(self) -> str:
        return f"Data export {self.pk} ({self.state})"

    @property
    def is_downloadable(self) -> bool:
        return (
            self.state == ExportState.READY
            and self.file_deleted_at is None
            and self.expires_at > timezone.now()
        )
