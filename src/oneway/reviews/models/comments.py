from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class Comment(models.Model):
    """A team member's comment on a candidate, optionally at a time code of one answer.

    Replies hang off a top-level comment (one level of threading keeps it readable).
    """

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="review_comments"
    )
    invitation = models.ForeignKey(
        "core.Invitation", on_delete=models.CASCADE, related_name="review_comments"
    )
    answer = models.ForeignKey(
        "core.Answer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_comments",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    # Milliseconds into the answer's recording the comment refers to ("at 1:23").
    time_ms = models.PositiveIntegerField(null=True, blank=True)
    mentions: "models.ManyToManyField[Any, Any]" = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", through="CommentMention"
    )
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["invitation", "created_at"])]

    def __str__(self) -> str:
        return f"Comment {self.pk} on invitation {self.invitation_id}"

    @property
    def time_code(self) -> str:
        if self.time_ms is None:
            return ""
        seconds = self.time_ms // 1000
        return f"{seconds // 60}:{seconds % 60:02d}"


class CommentMention(models.Model):
    """A team member @mentioned in a comment; ``emailed_at`` makes the email go once."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mention_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="mention_once_per_comment")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in comment {self.comment_id}"
