import re
import uuid
from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_EXTENSION = re.compile(r"\.[a-z0-9]{1,8}\Z")


class UploadBackend(models.TextChoices):
    # In-progress data in one file in UPLOAD_TEMP_DIR, moved into the default storage.
    LOCAL = "local", _("Local disk")
    # In-progress data as parts of an S3 multipart upload, the tail below the minimum part
    # size as small objects in the same bucket (no web host keeps anything of it); the
    # multipart upload is completed in place.
    S3 = "s3", _("S3 multipart")


class Upload(models.Model):
    """One resumable (tus) upload. Its state lives here and in storage, never in a process.

    ``offset`` only ever counts bytes that were written and flushed to disk (or stored as
    S3 parts) before the transaction that advanced it committed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The policy that authorises it (see policy.py) and the opaque owner key it granted.
    purpose = models.CharField(max_length=64)
    owner = models.CharField(max_length=200, db_index=True)
    metadata = models.JSONField(default=dict, blank=True)
    # None while the length is deferred (the recorder does not know it yet).
    length = models.BigIntegerField(null=True, blank=True)
    offset = models.BigIntegerField(default=0)
    max_size = models.BigIntegerField(null=True, blank=True)
    backend = models.CharField(
        max_length=8, choices=UploadBackend.choices, default=UploadBackend.LOCAL
    )
    # The completed file's name in Django's default storage; "" until complete.
    storage_name = models.CharField(max_length=300, blank=True)
    # Whether the policy has seen (and accepted) the first bytes.
    prefix_checked = models.BooleanField(default=False)
    # S3 multipart state: the upload id, the stored parts ([number, etag, size] each) and
    # how many bytes they hold; bytes from there to ``offset`` are the tail: one object per
    # acknowledged chunk ([start, size] each, in order), until they add up to a part.
    s3_upload_id = models.CharField(max_length=1024, blank=True)
    s3_parts = models.JSONField(default=list, blank=True)
    s3_parts_size = models.BigIntegerField(default=0)
    s3_tail = models.JSONField(default=list, blank=True)
    # The per-upload capability (issue 14): a >= 128-bit token handed to the client at
    # creation (``X-Upload-Token``), stored only as its SHA-256, and the moment until which
    # it authorises requests without asking the policy (see views._authorize).
    capability_hash = models.CharField(max_length=64, blank=True)
    capability_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    # When upload_completed was delivered (see signals.py).
    notified_at = models.DateTimeField(null=True, blank=True)

    # The token itself, on the object upload_create returns (never stored).
    capability_token = ""

    class Meta:
        indexes = [
            models.Index(fields=["completed_at", "expires_at"], name="uploads_sweep_idx"),
        ]

    def __str__(self) -> str:
        return f"Upload {self.id} ({self.offset}/{self.length if self.length is not None else '?'})"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    def is_expired(self, now: datetime | None = None) -> bool:
        return not self.is_complete and self.expires_at <= (now or timezone.now())

    def target_name(self) -> str:
        """Where the completed file goes in the default storage (fixed from creation on,
        so a completion interrupted by a crash can be finished under the same name)."""
        filename = self.metadata.get("filename", "")
        ext = ""
        if "." in filename:
            candidate = "." + filename.rsplit(".", 1)[1].lower()
            if _EXTENSION.match(candidate):
                ext = candidate
        hex_id = self.id.hex
        return f"uploads/{hex_id[:2]}/{hex_id}{ext}"
