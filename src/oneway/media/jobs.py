"""Processing jobs, as run by the Huey worker (``tasks.py`` wraps them).

Each job first *claims* its item with one conditional UPDATE (queued, or processing with
an expired lease), so two workers never run the same item and a second run of a finished
job is a no-op. While it works it renews its lease; a worker that dies (SIGKILL, out of
memory, machine lost) stops renewing, and the sweeper queues the item again once the lease
has run out. Outputs are made in a scratch folder and moved into place under fixed names
(``media/<org>/<item>/rendition.mp4`` ...), so a re-run replaces rather than duplicates,
and the database points at them only once all are in place.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.core.audit import log_action
from oneway.media import storage
from oneway.media.models import MediaItem, ProcessingState, TranscriptState
from oneway.media.pipeline import RenditionMismatch, render_file, transcribe_rendition
from oneway.media.probe import Unprocessable
from oneway.media.transcribe import TranscriptUnavailable, get_transcriber

logger = logging.getLogger(__name__)

# Queued items whose message seems lost are sent again after this long.
LOST_MESSAGE_SECONDS = 10 * 60
STALE_WORK_DIR_SECONDS = 24 * 60 * 60


def lease_seconds() -> int:
    return int(getattr(settings, "MEDIA_LEASE_SECONDS", 120))


def max_attempts() -> int:
    return int(getattr(settings, "MEDIA_MAX_ATTEMPTS", 4))


class LeaseLost(Exception):
    """Another worker took the item over (our lease ran out): stop without writing."""


@dataclass
class Lease:
    item_id: int
    token: str
    last_renewal: float = 0.0

    def renew(self, *, force: bool = False) -> None:
        """Called often from the work loops; touches the database every few seconds."""
        now = time.monotonic()
        if not force and now - self.last_renewal < max(1.0, lease_seconds() / 4):
            return
        self.last_renewal = now
        updated = MediaItem.objects.filter(pk=self.item_id, run_token=self.token).update(
            lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds())
        )
        if not updated:
            raise LeaseLost


def _claim(item_id: int, *, transcript: bool = False) -> Lease | None:
    now = timezone.now()
    token = secrets.token_hex(16)
    expired = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    lease_until = now + timedelta(seconds=lease_seconds())
    if transcript:
        claimable = Q(state=ProcessingState.READY) & (
            Q(transcript_state=TranscriptState.QUEUED)
            | (Q(transcript_state=TranscriptState.PROCESSING) & expired)
        )
        changes: dict[str, Any] = {
            "transcript_state": TranscriptState.PROCESSING,
            "transcript_attempts": F("transcript_attempts") + 1,
        }
    else:
        claimable = Q(state=ProcessingState.QUEUED) | (
            Q(state=ProcessingState.PROCESSING) & expired
        )
        changes = {"state": ProcessingState.PROCESSING, "attempts": F("attempts") + 1}
    updated = (
        MediaItem.objects.filter(pk=item_id)
        .filter(claimable)
        .update(run_token=token, lease_expires_at=lease_until, **changes)
    )
    return Lease(item_id, token, time.monotonic()) if updated else None


def _work_dir(item_id: int, token: str) -> Path:
    root = storage.work_dir_root()
    # Leftovers of an earlier run of this item on this machine (a killed worker).
    for old in root.glob(f"item-{item_id}-*"):
        shutil.rmtree(old, ignore_errors=True)
    path = root / f"item-{item_id}-{token[:12]}"
    path.mkdir(parents=True)
    return path


def _finish(lease: Lease, **fields: Any) -> bool:
    """Write the outcome only if we still hold the item."""
    fields.setdefault("run_token", "")
    fields.setdefault("lease_expires_at", None)
    return bool(MediaItem.objects.filter(pk=lease.item_id, run_token=lease.token).update(**fields))


def _audit(item: MediaItem, action: str, data: dict[str, Any]) -> None:
    log_action(action, organisation=item.organisation, obj=item, data=data)


def process_item(item_id: int, *, retries_left: int = 0) -> str:
    """Make the rendition and poster of one item. Returns what happened (for logs/tests).

    Raises on a transient failure while retries are left, so Huey retries with backoff.
    """
    lease = _claim(item_id)
    if lease is None:
        return "skipped"
    item = MediaItem.objects.select_related("organisation").get(pk=item_id)
    if item.attempts > max_attempts():
        reason = _(
            "Processing stopped %(n)s times without finishing (the worker may have run out of "
            "memory or been stopped). The original upload is kept."
        ) % {"n": item.attempts - 1}
        _finish(lease, state=ProcessingState.FAILED, error=reason, processed_at=timezone.now())
        _audit(item, "media.failed", {"reason": reason, "attempts": item.attempts})
        return "failed"
    workdir = _work_dir(item_id, lease.token)
    prefix = storage.item_prefix(item.organisation_id, item.pk)
    try:
        storage.remove_partials(prefix)
        source = storage.fetch(item.original_name, workdir, progress=lease.renew)
        outcome = render_file(source, workdir, kind=item.kind, progress=lease.renew)
        lease.renew(force=True)
        rendition_name = f"{prefix}rendition{outcome.rendition.suffix}"
        storage.put(outcome.rendition, rendition_name, progress=lease.renew)
        poster_name = ""
        if outcome.poster is not None:
            poster_name = f"{prefix}poster.jpg"
            storage.put(outcome.poster, poster_name, progress=lease.renew)
        thumbnail_name = ""
        if outcome.thumbnail is not None:
            thumbnail_name = f"{prefix}thumbnail.jpg"
            storage.put(outcome.thumbnail, thumbnail_name, progress=lease.renew)
        lease.renew(force=True)
        return _mark_ready(item, lease, outcome, rendition_name, poster_name, thumbnail_name)
    except LeaseLost:
        logger.warning("media item %s: lease lost, another worker has it", item_id)
        return "lease-lost"
    except Unprocessable as exc:
        _finish(
            lease,
            state=ProcessingState.UNPROCESSABLE,
            error=exc.reason,
            processed_at=timezone.now(),
        )
        _audit(item, "media.unprocessable", {"reason": exc.reason})
        return "unprocessable"
    except RenditionMismatch as exc:
        # Our output is wrong for this input: retrying gives the same result.
        reason = str(exc)
        _finish(lease, state=ProcessingState.FAILED, error=reason, processed_at=timezone.now())
        _audit(item, "media.failed", {"reason": reason})
        return "failed"
    except Exception as exc:
        _transient_failure(item, lease, exc, retries_left=retries_left, transcript=False)
        if retries_left > 0:
            raise  # Huey runs the task again after its backoff delay
        return "failed"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _transient_failure(
    item: MediaItem, lease: Lease, exc: Exception, *, retries_left: int, transcript: bool
) -> None:
    logger.exception("media item %s: processing failed", item.pk)
    detail = f"{type(exc).__name__}: {exc}"[:500]
    if transcript:
        if retries_left > 0:
            _finish(lease, transcript_state=TranscriptState.QUEUED, transcript_error=detail)
        else:
            _finish(lease, transcript_state=TranscriptState.FAILED, transcript_error=detail)
            _audit(item, "media.transcript_failed", {"reason": detail})
        return
    if retries_left > 0:
        # Back to the queue; Huey runs it again after its backoff delay.
        _finish(
            lease,
            state=ProcessingState.QUEUED,
            error=_("Attempt %(n)s failed (%(detail)s); trying again.")
            % {"n": item.attempts, "detail": detail},
            queued_at=timezone.now(),
        )
    else:
        reason = _("Processing failed: %(detail)s") % {"detail": detail}
        _finish(lease, state=ProcessingState.FAILED, error=reason, processed_at=timezone.now())
        _audit(item, "media.failed", {"reason": reason, "attempts": item.attempts})


def _mark_ready(
    item: MediaItem,
    lease: Lease,
    outcome: Any,
    rendition_name: str,
    poster_name: str,
    thumbnail_name: str = "",
) -> str:
    from oneway.media.tasks import enqueue_transcription

    has_audio = outcome.rendition_probe.audio is not None
    if get_transcriber().name == "none":
        transcript_state = TranscriptState.DISABLED
    else:
        transcript_state = TranscriptState.QUEUED if has_audio else TranscriptState.NO_SPEECH
    video = outcome.rendition_probe.video
    now = timezone.now()
    delete_original = not item.keep_original and item.original_deleted_at is None
    with transaction.atomic():
        done = _finish(
            lease,
            state=ProcessingState.READY,
            error="",
            rendition_name=rendition_name,
            poster_name=poster_name,
            thumbnail_name=thumbnail_name,
            captions_name="",
            duration_ms=outcome.duration_ms,
            width=video.width if video else None,
            height=video.height if video else None,
            probe=outcome.probe.summary(),
            plan=outcome.summary(),
            processed_at=now,
            transcript_state=transcript_state,
            transcript_error="",
            queued_at=now if transcript_state == TranscriptState.QUEUED else None,
            original_deleted_at=now if delete_original else item.original_deleted_at,
        )
        if not done:
            return "lease-lost"
        _audit(
            item,
            "media.processed",
            {
                "duration_ms": outcome.duration_ms,
                "video": outcome.plan.video,
                "audio": outcome.plan.audio,
                "seconds": round(outcome.timings.get("total", 0.0), 3),
                "original_deleted": delete_original,
                # The upload was cut off (a crash): rendered up to the cut, at this second.
                "cut_off_at": outcome.probe.summary()["cut_off_at"],
            },
        )
        if delete_original:
            # Only after the rendition is verified and recorded.
            transaction.on_commit(lambda: _delete_original(item))
        if transcript_state == TranscriptState.QUEUED:
            transaction.on_commit(lambda: enqueue_transcription(item.pk))
    return "ready"


def _delete_original(item: MediaItem) -> None:
    try:
        storage.delete(item.original_name)
    except Exception:  # the next sweep or retention job can try again
        logger.exception("media item %s: could not delete the original", item.pk)


def transcribe_item(item_id: int, *, retries_left: int = 0) -> str:
    """Transcribe a ready item's rendition and store text, word timings and captions.
    Never touches the video's state: a failed transcript leaves the video playable."""
    lease = _claim(item_id, transcript=True)
    if lease is None:
        return "skipped"
    item = MediaItem.objects.select_related("organisation").get(pk=item_id)
    if item.transcript_attempts > max_attempts():
        reason = _("Transcription stopped %(n)s times without finishing.") % {
            "n": item.transcript_attempts - 1
        }
        _finish(lease, transcript_state=TranscriptState.FAILED, transcript_error=reason)
        _audit(item, "media.transcript_failed", {"reason": reason})
        return "failed"
    workdir = _work_dir(item_id, lease.token)
    try:
        transcriber = get_transcriber()
        source = storage.fetch(item.rendition_name, workdir, progress=lease.renew)
        lease.renew(force=True)
        outcome = transcribe_rendition(
            source, transcriber, language=item.spoken_language, progress=lease.renew
        )
        lease.renew(force=True)
        if outcome is None:
            _finish(lease, transcript_state=TranscriptState.NO_SPEECH)
            return "no-audio"
        transcript = outcome.transcript
        if not transcript.words:
            raise TranscriptUnavailable(_("No speech was heard in this recording."))
        captions_name = f"{storage.item_prefix(item.organisation_id, item.pk)}captions.vtt"
        storage.put_bytes(outcome.captions.encode(), captions_name, workdir)
        done = _finish(
            lease,
            transcript_state=TranscriptState.READY,
            transcript_text=transcript.text,
            transcript_words=[w.as_dict() for w in transcript.words],
            transcript_language=transcript.language,
            transcript_engine=transcript.engine or transcriber.name,
            transcript_warning=transcript.warning,
            transcript_error="",
            captions_name=captions_name,
            updated_at=timezone.now(),  # the search index refreshes what changed
        )
        if done:
            _audit(
                item,
                "media.transcribed",
                {
                    "engine": transcript.engine or transcriber.name,
                    "language": transcript.language,
                    "words": len(transcript.words),
                    "seconds": round(outcome.seconds, 3),
                    **({"warning": transcript.warning} if transcript.warning else {}),
                },
            )
        return "ready" if done else "lease-lost"
    except LeaseLost:
        return "lease-lost"
    except TranscriptUnavailable as exc:
        # The video stays as it is; an earlier transcript (before a redo) is kept too.
        done = _finish(
            lease,
            transcript_state=TranscriptState.UNAVAILABLE,
            transcript_error=exc.reason,
            updated_at=timezone.now(),
        )
        if done:
            _audit(item, "media.transcript_unavailable", {"reason": exc.reason})
        return "unavailable"
    except Exception as exc:
        _transient_failure(item, lease, exc, retries_left=retries_left, transcript=True)
        if retries_left > 0:
            raise
        return "failed"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def sweep(
    enqueue: Callable[[int], None],
    enqueue_transcript: Callable[[int], None],
    *,
    lost_before: datetime | None = None,
) -> dict[str, int]:
    """Find work that stopped: expired leases (a dead worker) and queued items whose queue
    message was lost (queued before ``lost_before``, by default LOST_MESSAGE_SECONDS ago).
    Safe to run anywhere, any time: claiming stays atomic, so a message sent twice runs
    the job once."""
    now = timezone.now()
    counts = {"requeued": 0, "failed": 0, "lost": 0, "transcripts": 0, "work_dirs": 0}
    stale = MediaItem.objects.filter(
        state=ProcessingState.PROCESSING, lease_expires_at__lt=now
    ).select_related("organisation")
    for item in stale:
        if item.attempts >= max_attempts():
            reason = _(
                "Processing stopped %(n)s times without finishing (the worker may have run "
                "out of memory or been stopped). The original upload is kept."
            ) % {"n": item.attempts}
            updated = MediaItem.objects.filter(
                pk=item.pk, state=ProcessingState.PROCESSING, run_token=item.run_token
            ).update(
                state=ProcessingState.FAILED,
                error=reason,
                run_token="",
                lease_expires_at=None,
                processed_at=now,
            )
            if updated:
                counts["failed"] += 1
                _audit(item, "media.failed", {"reason": reason, "attempts": item.attempts})
            continue
        updated = MediaItem.objects.filter(
            pk=item.pk, state=ProcessingState.PROCESSING, run_token=item.run_token
        ).update(state=ProcessingState.QUEUED, run_token="", lease_expires_at=None, queued_at=now)
        if updated:
            counts["requeued"] += 1
            logger.warning("media item %s: worker stopped mid-job; queued again", item.pk)
            enqueue(item.pk)
    if lost_before is None:
        lost_before = now - timedelta(seconds=LOST_MESSAGE_SECONDS)
    for item_id in MediaItem.objects.filter(
        state=ProcessingState.QUEUED, queued_at__lt=lost_before
    ).values_list("pk", flat=True):
        MediaItem.objects.filter(pk=item_id, state=ProcessingState.QUEUED).update(queued_at=now)
        counts["lost"] += 1
        enqueue(item_id)
    transcripts = MediaItem.objects.filter(state=ProcessingState.READY).filter(
        Q(transcript_state=TranscriptState.PROCESSING, lease_expires_at__lt=now)
        | Q(transcript_state=TranscriptState.QUEUED, queued_at__lt=lost_before)
    )
    for item_id in transcripts.values_list("pk", flat=True):
        MediaItem.objects.filter(pk=item_id).update(queued_at=now)
        counts["transcripts"] += 1
        enqueue_transcript(item_id)
    counts["work_dirs"] = storage.remove_stale_work_dirs(STALE_WORK_DIR_SECONDS)
    return counts
