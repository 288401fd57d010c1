from django.conf import settings
from django.db import models
from django.utils import timezone

from oneway.core.models.orgs import Organisation


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: object) -> int:
        raise TypeError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only.")

    def tombstone(self, *, tombstone: str, keep_keys: frozenset[str]) -> int:
        """The one change the log allows: an erased candidate's personal data leaves these
        entries. Action, time, object and staff actor stay (counts and history survive);
        ``data`` keeps only ``keep_keys`` plus the tombstone; the candidate's address and
        label are replaced. Returns how many entries changed."""
        changed = 0
        for entry in self.only("pk", "data", "actor_label", "actor_id"):
            data = entry.data if isinstance(entry.data, dict) else {}
            kept = {key: value for key, value in data.items() if key in keep_keys}
            kept["tombstone"] = tombstone
            fields: dict[str, object] = {"data": kept}
            if entry.actor_id is None:
                # Candidates (and the system acting for them) leave their IP address.
                fields["ip"] = None
                if entry.actor_label.startswith("candidate:"):
                    fields["actor_label"] = tombstone
            changed += super(AuditEntryQuerySet, self.model.objects.filter(pk=entry.pk)).update(
                **fields
            )
        return changed


class AuditEntry(models.Model):
    """Append-only record of who did what (pretix's log_action)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # "system", "candidate:<invitation id>", "share:<id>" when there is no user.
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # The interview and invitation the entry concerns, for per-interview/candidate views.
    interview_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    invitation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # Insights: the device checks of some interviews, read from the index alone.
            models.Index(
                fields=["interview_id"],
                include=["invitation_id", "data"],
                condition=models.Q(action="candidate.device_checked"),
                name="audit_device_checks",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only.")
