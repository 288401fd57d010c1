from django.conf import settings
from django.db import models
from django.utils import timezone


class DigestEntry(models.Model):
    """A completed candidate that has been in a reviewer's daily digest.

    The unique constraint is what makes a second run of the digest job a no-op.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_digest_entries"
    )
    invitation = models.ForeignKey(
        "core.Invitation", on_delete=models.CASCADE, related_name="review_digest_entries"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "invitation"], name="digest_once_per_candidate")
        ]

    def __str__(self) -> str:
        return f"Digest of {self.invitation_id} to {self.user_id}"
