"""Writes to media items (contract C). Each writes an audit entry and queues work after
the transaction commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from oneway.core.audit import log_action
from oneway.core.models import Organisation
from oneway.media import storage
from oneway.media.models import MediaItem, MediaKind, ProcessingState, TranscriptState


def media_item_create(
    *,
    organisation: Organisation,
    original_name: str,
    size: int,
    kind: str = MediaKind.VIDEO,
    keep_original: bool = True,
    spoken_language: str = "",
    actor: Any = None,
    actor_label: str = "",
) -> MediaItem:
    """Record an uploaded file (a storage name) and queue its processing on commit.

    ``kind`` "video" requires a picture (an audio-only file ends unprocessable); "audio"
    keeps only the sound (.m4a). ``keep_original=False`` deletes the upload once the
    rendition is verified (for answers: the interview's "keep original uploads" setting).
    ``spoken_language`` (ISO 639-1) is the language the speaker is expected to use, when
    known; transcripts detect it otherwise.
    """
    if kind not in MediaKind.values:
        raise ValueError(f"kind must be one of {MediaKind.values}, not {kind!r}")
    item = MediaItem.objects.create(
        organisation=organisation,
        kind=kind,
        original_name=original_name,
        original_size=size,
        keep_original=keep_original,
        spoken_language=spoken_language,
        state=ProcessingState.QUEUED,
        queued_at=timezone.now(),
    )
    log_action(
        "media.created",
        organisation=organisation,
        actor=actor,
        actor_label=actor_label,
        obj=item,
        data={"kind": kind, "size": size},
    )
    _queue_processing(item.pk)
    return item


def _queue_processing(item_id: int) -> None:
    from oneway.media.tasks import enqueue_processing

    transaction.on_commit(lambda: enqueue_processing(item_id))


def _queue_transcription(item_id: int) -> None:
    from oneway.media.tasks import enqueue_transcription

    transaction.on_commit(lambda: enqueue_transcription(item_id))


RETRYABLE_TRANSCRIPTS = (TranscriptState.FAILED, TranscriptState.UNAVAILABLE)


def can_retry(item: MediaItem) -> bool:
    """Failed or unprocessable processing, or a failed or unavailable transcript, can be
    tried again."""
    return item.state in (ProcessingState.FAILED, ProcessingState.UNPROCESSABLE) or (
        item.state == ProcessingState.READY and item.transcript_state in RETRYABLE_TRANSCRIPTS
    )


def media_item_retry(*, item: MediaItem, actor: Any, request: Any = None) -> None:
    """Queue a failed job again from the start (its attempts count restarts). Does nothing
    for an item that is queued, processing or fine."""
    now = timezone.now()
    with transaction.atomic():
        if item.state in (ProcessingState.FAILED, ProcessingState.UNPROCESSABLE):
            updated = MediaItem.objects.filter(
                pk=item.pk, state__in=[ProcessingState.FAILED, ProcessingState.UNPROCESSABLE]
            ).update(
                state=ProcessingState.QUEUED,
                error="",
                attempts=0,
                run_token="",
                lease_expires_at=None,
                queued_at=now,
            )
            what = "processing"
            if updated:
                _queue_processing(item.pk)
        elif item.state == ProcessingState.READY and (
            item.transcript_state in RETRYABLE_TRANSCRIPTS
        ):
            updated = MediaItem.objects.filter(
                pk=item.pk,
                state=ProcessingState.READY,
                transcript_state__in=RETRYABLE_TRANSCRIPTS,
            ).update(
                transcript_state=TranscriptState.QUEUED,
                transcript_error="",
                transcript_attempts=0,
                run_token="",
                lease_expires_at=None,
                queued_at=now,
            )
            what = "transcript"
            if updated:
                _queue_transcription(item.pk)
        else:
            return
        if updated:
            log_action(
                "media.retried",
                organisation=item.organisation,
                actor=actor,
                obj=item,
                data={"what": what, "previous_error": item.error or item.transcript_error},
                request=request,
            )
    item.refresh_from_db()


def media_item_delete(*, item: MediaItem, actor: Any = None, actor_label: str = "") -> None:
    """Delete an item's files (original, rendition, poster, thumbnail, captions) and the
    row, e.g. for retention or a candidate's erasure request."""
    names = [
        item.original_name,
        item.rendition_name,
        item.poster_name,
        item.thumbnail_name,
        item.captions_name,
    ]
    organisation = item.organisation
    item_id = item.pk
    with transaction.atomic():
        log_action(
            "media.deleted",
            organisation=organisation,
            actor=actor,
            actor_label=actor_label,
            obj=item,
            data={"files": len([n for n in names if n])},
        )
        item.delete()

        def remove_files() -> None:
            for name in names:
                if name:
                    storage.delete(name)
            storage.remove_partials(storage.item_prefix(organisation.pk, item_id))

        transaction.on_commit(remove_files)


# Transcripts that a redo leaves alone: being made already, or nothing to transcribe.
NOT_REDONE = (
    TranscriptState.QUEUED,
    TranscriptState.PROCESSING,
    TranscriptState.NO_SPEECH,
    TranscriptState.DISABLED,
)


@dataclass(frozen=True)
class TranscriptProgress:
    """Where the transcripts of some items stand against the current engine."""

    total: int  # items with a rendition and sound
    current: int  # made by the current engine
    waiting: int  # queued or being made
    unavailable: int
    failed: int

    @property
    def others(self) -> int:
        """Made by another engine (or never made) and not waiting: what a redo queues."""
        return self.total - self.current - self.waiting - self.unavailable - self.failed


def transcript_progress(items: QuerySet[MediaItem], *, engine: str) -> TranscriptProgress:
    counts = (
        items.filter(state=ProcessingState.READY)
        .exclude(transcript_state__in=[TranscriptState.NO_SPEECH, TranscriptState.DISABLED])
        .aggregate(
            total=Count("pk"),
            current=Count(
                "pk", filter=Q(transcript_state=TranscriptState.READY, transcript_engine=engine)
            ),
            waiting=Count(
                "pk",
                filter=Q(transcript_state__in=[TranscriptState.QUEUED, TranscriptState.PROCESSING]),
            ),
            unavailable=Count("pk", filter=Q(transcript_state=TranscriptState.UNAVAILABLE)),
            failed=Count("pk", filter=Q(transcript_state=TranscriptState.FAILED)),
        )
    )
    return TranscriptProgress(**counts)


def media_transcripts_redo(
    *,
    organisation: Organisation,
    items: QuerySet[MediaItem],
    engine: str,
    everything: bool = False,
    actor: Any = None,
    actor_label: str = "",
    obj: Any = None,
    request: Any = None,
) -> int:
    """Queue the transcripts of ``items`` again with the current ``engine`` (its
    ``engine_id``): those made by another engine, unavailable or failed ones; with
    ``everything``, those made by the current engine too. Transcripts already queued or
    being made are left alone, so running it twice queues nothing more. The old
    transcript stays visible until the new one replaces it. Returns how many were queued."""
    candidates = items.filter(organisation=organisation, state=ProcessingState.READY).exclude(
        transcript_state__in=NOT_REDONE
    )
    if not everything:
        candidates = candidates.exclude(
            transcript_state=TranscriptState.READY, transcript_engine=engine
        )
    now = timezone.now()
    with transaction.atomic():
        ids = list(candidates.select_for_update().values_list("pk", flat=True))
        queued = MediaItem.objects.filter(pk__in=ids).update(
            transcript_state=TranscriptState.QUEUED,
            transcript_error="",
            transcript_attempts=0,
            queued_at=now,
        )
        if queued:
            log_action(
                "media.transcripts_redone",
                organisation=organisation,
                actor=actor,
                actor_label=actor_label,
                obj=obj,
                data={"queued": queued, "engine": engine, "everything": everything},
                request=request,
            )
            for item_id in ids:
                _queue_transcription(item_id)
    return queued
