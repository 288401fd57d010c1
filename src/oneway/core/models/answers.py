from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oneway.core.models.interviews import Question
from oneway.core.models.invitations import Invitation


class Answer(models.Model):
    """A candidate's answer to one question (or to the practice question)."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="answers"
    )
    is_practice = models.BooleanField(default=False)
    revealed_at = models.DateTimeField(_("question revealed"), null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_take = models.ForeignKey(
        "Take", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)  # text answers

    class Meta:
        indexes = [
            # Insights (drop-off by question), read from the index alone.
            models.Index(
                fields=["question"],
                include=["revealed_at", "submitted_at"],
                condition=models.Q(is_practice=False),
                name="answer_question_progress",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "question"],
                condition=models.Q(is_practice=False),
                name="answer_once_per_question",
            ),
            models.UniqueConstraint(
                fields=["invitation"],
                condition=models.Q(is_practice=True),
                name="answer_one_practice",
            ),
        ]

    def __str__(self) -> str:
        return f"Answer {self.pk} of {self.invitation_id}"


class TakeState(models.TextChoices):
    RECORDING = "recording", _("Recording")
    UPLOADED = "uploaded", _("Uploaded")
    DISCARDED = "discarded", _("Discarded")


class Take(models.Model):
    """One recording attempt of an answer; retakes add more."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="takes")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=16, choices=TakeState.choices, default=TakeState.RECORDING)
    started_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # The tus upload carrying the bytes (uploads knows nothing of takes, hence no FK).
    upload_id = models.UUIDField(null=True, blank=True, unique=True)
    mime_type = models.CharField(max_length=100, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    client_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    media = models.OneToOneField(
        "media.MediaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="take"
    )

    class Meta:
        ordering = ["answer", "number"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "number"], name="take_number_unique")
        ]

    def __str__(self) -> str:
        return f"Take {self.number} of answer {self.answer_id}"
