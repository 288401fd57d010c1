from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MediaKind(models.TextChoices):
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Audio")


class ProcessingState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    UNPROCESSABLE = "unprocessable", _("Unprocessable")


class TranscriptState(models.TextChoices):
    NONE = "", _("Not started")
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    NO_SPEECH = "no_audio", _("No audio")
    DISABLED = "disabled", _("Switched off")
    # Could not be made, for a reason in transcript_error that a retry may not change (no
    # speech heard, a language the engine does not know, no usable model).
    UNAVAILABLE = "unavailable", _("Unavailable")


class MediaItem(models.Model):
    """One uploaded recording and everything made from it (rendition, poster, captions).

    Knows nothing about interviews: a Take (or an intro video) points at it.
    """

    # Denormalised owner organisation: every media query is scoped by it.
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="media_items"
    )
    kind = models.CharField(max_length=8, choices=MediaKind.choices, default=MediaKind.VIDEO)
    # Storage names (Django storage API), empty until produced.
    original_name = models.CharField(max_length=300)
    original_size = models.BigIntegerField(default=0)
    original_deleted_at = models.DateTimeField(null=True, blank=True)
    rendition_name = models.CharField(max_length=300, blank=True)
    poster_name = models.CharField(max_length=300, blank=True)
    # The poster, small (``posters.THUMBNAIL_WIDTH`` px wide), for candidate lists.
    thumbnail_name = models.CharField(max_length=300, blank=True)
    captions_name = models.CharField(max_length=300, blank=True)
    state = models.CharField(
        max_length=16, choices=ProcessingState.choices, default=ProcessingState.QUEUED
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    probe = models.JSONField(default=dict, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    transcript_state = models.CharField(
        max_length=16, blank=True, choices=TranscriptState.choices, default=TranscriptState.NONE
    )
    transcript_text = models.TextField(blank=True)
    transcript_words = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Delete the original once the rendition is verified? Decided by the caller (for an
    # answer: the interview's "keep original uploads" setting) when the item is created.
    keep_original = models.BooleanField(default=True)
    # What processing did (copy/transcode per stream, and why), for operators.
    plan = models.JSONField(default=dict, blank=True)
    transcript_error = models.TextField(blank=True)
    # The language the speaker is expected to use (ISO 639-1), when the caller knows it
    # (an invitation's language); empty: the speech engine detects it.
    spoken_language = models.CharField(max_length=16, blank=True)
    # The language the transcript is in (ISO 639-1, e.g. "de"), the engine and model that
    # made it ("whisper:Whisper base"), and a note for admins (e.g. why the fallback engine
    # made it).
    transcript_language = models.CharField(max_length=16, blank=True)
    transcript_engine = models.CharField(max_length=300, blank=True)
    transcript_warning = models.TextField(blank=True)
    transcript_attempts = models.PositiveSmallIntegerField(default=0)
    # The running job's claim: a worker that stops renewing its lease (killed, out of
    # memory) loses the item to the sweeper, which queues it again.
    run_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When the item was last queued (or is due for a retry); the sweeper re-sends jobs
    # whose queue message was lost.
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "state"]),
            models.Index(fields=["state", "lease_expires_at"]),
        ]

    def __str__(self) -> str:
        return f"MediaItem {self.pk} ({self.state})"

    @property
    def is_settled(self) -> bool:
        """Processing has come to an end (ready, failed or unprocessable)."""
        return self.state in (
            ProcessingState.READY,
            ProcessingState.FAILED,
            ProcessingState.UNPROCESSABLE,
        )

    @property
    def duration_seconds(self) -> float | None:
        return self.duration_ms / 1000 if self.duration_ms is not None else None

    @property
    def has_video(self) -> bool:
        return self.rendition_name.endswith(".mp4")
