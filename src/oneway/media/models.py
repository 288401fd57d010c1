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
    transcript_state = models.CharField(max_length=16, blank=True)
    transcript_text = models.TextField(blank=True)
    transcript_words = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"MediaItem {self.pk} ({self.state})"
