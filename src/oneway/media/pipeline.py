"""The processing pipeline on local files, outside the database.

Used by the worker jobs (``jobs.py``) and by ``python -m oneway process-file``: probe,
render, poster, verify; then, separately, transcribe. Everything is written into a work
folder; moving results into storage is the caller's business.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from oneway.media.captions import webvtt
from oneway.media.posters import encode_jpeg, poster_from_file, thumbnail_from_poster
from oneway.media.probe import MediaProbe, Unprocessable, probe_file
from oneway.media.render import Plan, Progress, make_rendition, moov_before_mdat, plan_rendition
from oneway.media.transcribe import Transcriber, Transcript, extract_speech, get_transcriber

# The rendition must last as long as the original: within 2 %, or 50 ms for very short
# clips (one AAC frame plus one video frame of rounding).
DURATION_TOLERANCE = 0.02
DURATION_TOLERANCE_FLOOR = 0.05
# How much shorter than measured the rendition of a cut-off recording may be.
SALVAGE_SLACK_SECONDS = 1.0


class RenditionMismatch(Exception):
    """Our output failed verification: keep the original, mark the job failed."""


@dataclass
class RenderOutcome:
    probe: MediaProbe
    plan: Plan
    rendition: Path
    rendition_probe: MediaProbe
    poster: Path | None
    timings: dict[str, float] = field(default_factory=dict)
    thumbnail: Path | None = None  # the poster, small, for candidate lists

    @property
    def duration_ms(self) -> int:
        return round(self.rendition_probe.duration * 1000)

    def summary(self) -> dict[str, Any]:
        return {
            **self.plan.summary(),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "rendition_size": self.rendition_probe.size,
        }


def render_file(
    source: Path,
    workdir: Path,
    *,
    kind: str = "video",
    progress: Progress | None = None,
) -> RenderOutcome:
    """Probe ``source`` and write ``rendition.mp4``/``.m4a``, ``poster.jpg`` and
    ``thumbnail.jpg`` into ``workdir``. ``kind`` is "video" (a video is required), "audio" (keep only the sound)
    or "auto" (video when there is one). Raises ``Unprocessable`` for unusable input."""
    timings: dict[str, float] = {}
    started = time.monotonic()
    probe = probe_file(source, require_video=kind == "video")
    timings["probe"] = time.monotonic() - started
    want_video = kind != "audio"
    plan = plan_rendition(probe, want_video=want_video)
    rendition = workdir / f"rendition{plan.extension}"
    result = make_rendition(source, rendition, probe, plan, progress=progress)
    timings["render"] = result.seconds
    poster_path: Path | None = None
    thumbnail_path: Path | None = None
    if plan.video:
        mark = time.monotonic()
        if result.poster is not None:
            data: bytes | None = encode_jpeg(result.poster)
        else:
            data = poster_from_file(rendition, duration=probe.duration)
        if data:
            poster_path = workdir / "poster.jpg"
            poster_path.write_bytes(data)
            thumbnail = thumbnail_from_poster(data)
            if thumbnail:
                thumbnail_path = workdir / "thumbnail.jpg"
                thumbnail_path.write_bytes(thumbnail)
        timings["poster"] = time.monotonic() - mark
    mark = time.monotonic()
    rendition_probe = verify_rendition(probe, rendition, plan)
    timings["verify"] = time.monotonic() - mark
    timings["total"] = time.monotonic() - started
    return RenderOutcome(
        probe=probe,
        plan=plan,
        rendition=rendition,
        rendition_probe=rendition_probe,
        poster=poster_path,
        timings=timings,
        thumbnail=thumbnail_path,
    )


def verify_rendition(original: MediaProbe, rendition: Path, plan: Plan) -> MediaProbe:
    """Probe our own output like any input; it must be what we promised."""
    try:
        result = probe_file(rendition, require_video=bool(plan.video))
    except Unprocessable as exc:
        raise RenditionMismatch(
            _("The rendition could not be read back: %(reason)s") % {"reason": exc.reason}
        ) from exc
    if result.cut_off_at is not None:
        raise RenditionMismatch(_("The rendition is cut off."))
    tolerance = max(DURATION_TOLERANCE * original.duration, DURATION_TOLERANCE_FLOOR)
    # A recording cut off part-way may lose its last, partial packets.
    short_by = original.duration - result.duration
    if original.cut_off_at is not None and 0 < short_by <= tolerance + SALVAGE_SLACK_SECONDS:
        short_by = 0.0
    if result.duration - original.duration > tolerance or short_by > tolerance:
        raise RenditionMismatch(
            _("The rendition lasts %(got).2f s but the original %(want).2f s.")
            % {"got": result.duration, "want": original.duration}
        )
    if not moov_before_mdat(rendition):
        raise RenditionMismatch(_("The rendition is not arranged for streaming (moov box)."))
    if plan.video:
        video = result.video
        if video is None or video.codec != "h264":
            raise RenditionMismatch(_("The rendition has no H.264 video."))
        if video.width % 2 or video.height % 2 or video.width > 1280 or video.height > 1280:
            raise RenditionMismatch(_("The rendition has the wrong picture size."))
    if original.audio is not None and (result.audio is None or result.audio.codec != "aac"):
        raise RenditionMismatch(_("The rendition lost its AAC sound."))
    return result


@dataclass
class TranscriptOutcome:
    transcript: Transcript
    captions: str
    seconds: float
    audio_seconds: float


def transcribe_rendition(
    rendition: Path,
    transcriber: Transcriber | None = None,
    *,
    language: str | None = None,
    progress: Callable[[], None] | None = None,
) -> TranscriptOutcome | None:
    """16 kHz mono speech from the rendition, transcribed; None when it has no audio.
    Raises ``TranscriptUnavailable`` when the engine cannot transcribe it."""
    started = time.monotonic()
    pcm = extract_speech(rendition)
    if pcm is None:
        return None
    engine = transcriber or get_transcriber()
    transcript = engine.transcribe(pcm, language=language or None, progress=progress)
    return TranscriptOutcome(
        transcript=transcript,
        captions=webvtt(transcript.words),
        seconds=time.monotonic() - started,
        audio_seconds=len(pcm) / 2 / 16000,
    )
