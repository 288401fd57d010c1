"""Probing a recording by demuxing it.

Browser recordings (MediaRecorder WebM) carry no duration in their header, so the header
is not trusted for anything: every packet is read to find the real duration, frame and
sample counts and the timing of the frames, and the first frames of each stream are decoded
to prove the file holds real audio or video.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import av
import av.logging
from django.utils.translation import gettext as _

# Limits against decompression bombs and absurd headers.
MAX_DIMENSION = 8192
MAX_PIXELS = 8192 * 4320
MAX_DURATION_SECONDS = 4 * 60 * 60
MIN_DURATION_SECONDS = 0.1
# Frames/packets decoded per stream to prove it is real.
DECODE_CHECK_PACKETS = 12
# Libav messages that mean the file stops before its own structure says it should.
TRUNCATION_MARKERS = ("ended prematurely", "partial file", "truncat", "read error", "end of file")


class Unprocessable(Exception):
    """The input is not usable audio/video. Final: retrying cannot help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class StreamProbe:
    index: int
    kind: str  # "video" | "audio"
    codec: str
    profile: str | None
    packets: int
    start: float  # seconds
    end: float  # seconds (last packet end)
    # video
    width: int = 0
    height: int = 0
    pix_fmt: str | None = None
    frame_rate: float = 0.0  # measured: frames / duration
    # seconds, relative to the stream start, of each video frame (presentation order)
    frame_times: list[float] = field(default_factory=list, repr=False)
    # audio
    sample_rate: int = 0
    channels: int = 0
    samples: int = 0

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass
class MediaProbe:
    container: str
    size: int
    start: float
    duration: float
    video: StreamProbe | None
    audio: StreamProbe | None
    # Libav errors seen while reading (a damaged or cut-off file shows them here).
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-friendly description stored on the item (without per-frame times)."""

        def stream(s: StreamProbe | None) -> dict[str, Any] | None:
            if s is None:
                return None
            data = asdict(s)
            data.pop("frame_times")
            data["start"] = round(s.start, 4)
            data["end"] = round(s.end, 4)
            data["frame_rate"] = round(s.frame_rate, 3)
            return data

        return {
            "container": self.container,
            "size": self.size,
            "duration": round(self.duration, 4),
            "video": stream(self.video),
            "audio": stream(self.audio),
        }

    def describe(self) -> str:
        parts = [f"{self.container}, {self.duration:.3f} s, {self.size} bytes"]
        if self.video:
            v = self.video
            parts.append(
                f"video {v.codec} {v.width}x{v.height} {v.pix_fmt} "
                f"{v.frame_rate:.2f} fps, {v.packets} frames"
            )
        if self.audio:
            a = self.audio
            parts.append(f"audio {a.codec} {a.sample_rate} Hz {a.channels} ch, {a.samples} samples")
        return "; ".join(parts)


class _ErrorLog:
    """Collects libav error messages logged while a file is read."""

    def __init__(self) -> None:
        self.capture = av.logging.Capture(local=True)
        self.previous_level: int | None = None
        self.previous_skip = True

    def __enter__(self) -> _ErrorLog:
        self.previous_level = av.logging.get_level()
        self.previous_skip = av.logging.get_skip_repeated()
        av.logging.set_level(av.logging.ERROR)
        # The same message from a second file must be seen too.
        av.logging.set_skip_repeated(False)
        self.capture.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.capture.__exit__(*exc)
        av.logging.set_level(self.previous_level)
        av.logging.set_skip_repeated(self.previous_skip)

    @property
    def errors(self) -> list[str]:
        return [
            message.strip()
            for level, _name, message in self.capture.logs
            if level is not None and level <= av.logging.ERROR
        ]


def probe_file(path: Path | str, *, require_video: bool = False) -> MediaProbe:
    """Demux the whole file and decode its first frames; raise ``Unprocessable`` with a
    reason a person can act on when it is not real audio/video."""
    path = Path(path)
    size = os.path.getsize(path)
    if size == 0:
        raise Unprocessable(_("The file is empty (zero bytes)."))
    with _ErrorLog() as log:
        try:
            container = av.open(str(path), options={"probesize": str(16 * 1024 * 1024)})
        except av.FFmpegError as exc:
            raise Unprocessable(
                _("This is not an audio or video file we can read (%(error)s).")
                % {"error": _short(exc)}
            ) from exc
        with container:
            result = _probe_container(container, path, size, require_video=require_video)
        result.errors = log.errors
    if any(marker in error.lower() for error in result.errors for marker in TRUNCATION_MARKERS):
        raise Unprocessable(
            _(
                "The file is cut off: it ends in the middle of the recording (after %(seconds).1f s)."
                " The upload may be incomplete."
            )
            % {"seconds": result.duration}
        )
    return result


def _short(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).split(": '")[0][:200]


def _pick_streams(container: Any) -> tuple[Any, Any]:
    video = next(
        (
            s
            for s in container.streams.video
            if not (s.disposition & av.stream.Disposition.attached_pic)
        ),
        None,
    )
    audio = next(iter(container.streams.audio), None)
    return video, audio


def _probe_container(container: Any, path: Path, size: int, *, require_video: bool) -> MediaProbe:
    video_stream, audio_stream = _pick_streams(container)
    if video_stream is None and audio_stream is None:
        raise Unprocessable(_("The file contains no audio or video stream."))
    if require_video and video_stream is None:
        raise Unprocessable(_("A video was expected but the file contains only audio."))
    if video_stream is not None:
        cc = video_stream.codec_context
        width, height = cc.width or 0, cc.height or 0
        if width > MAX_DIMENSION or height > MAX_DIMENSION or width * height > MAX_PIXELS:
            raise Unprocessable(
                _("The video declares an impossible picture size (%(w)s×%(h)s).")
                % {"w": width, "h": height}
            )
    streams = [s for s in (video_stream, audio_stream) if s is not None]
    probes: dict[int, StreamProbe] = {}
    for s in streams:
        probes[s.index] = StreamProbe(
            index=s.index,
            kind=s.type,
            codec=s.codec_context.codec.canonical_name,
            profile=s.codec_context.profile,
            packets=0,
            start=float("inf"),
            end=float("-inf"),
        )
    pts_lists: dict[int, list[float]] = {s.index: [] for s in streams}
    covered: dict[int, float] = {s.index: 0.0 for s in streams}
    time_bases = {s.index: float(s.time_base or 0) for s in streams}
    try:
        for packet in container.demux(streams):
            if packet.size == 0 and packet.pts is None:
                continue  # the demuxer's end-of-stream marker
            index = packet.stream_index
            stream_probe = probes[index]
            pts = packet.pts if packet.pts is not None else packet.dts
            if pts is None:
                continue
            tb = time_bases[index]
            start = pts * tb
            stream_probe.packets += 1
            length = (packet.duration or 0) * tb
            covered[index] += length
            stream_probe.start = min(stream_probe.start, start)
            stream_probe.end = max(stream_probe.end, start + length)
            pts_lists[index].append(start)
            if stream_probe.start + MAX_DURATION_SECONDS < stream_probe.end:
                raise Unprocessable(_("The recording is longer than we accept (4 hours)."))
    except av.FFmpegError as exc:
        raise Unprocessable(
            _("The file is damaged or cut off (%(error)s).") % {"error": _short(exc)}
        ) from exc

    for s in streams:
        stream_probe = probes[s.index]
        if stream_probe.packets == 0:
            raise Unprocessable(
                _("The %(kind)s stream holds no data (the file may be cut off).") % {"kind": s.type}
            )
    # Video packets without durations: the last frame lasts one frame interval.
    if video_stream is not None:
        vp = probes[video_stream.index]
        times = sorted(pts_lists[video_stream.index])
        if len(times) > 1:
            interval = (times[-1] - times[0]) / (len(times) - 1)
            vp.end = max(vp.end, times[-1] + interval)
        vp.frame_times = [t - vp.start for t in times]
        duration = vp.end - vp.start
        vp.frame_rate = len(times) / duration if duration > 0 else 0.0

    _decode_check(container, video_stream, audio_stream, probes, covered)

    video = probes[video_stream.index] if video_stream is not None else None
    audio = probes[audio_stream.index] if audio_stream is not None else None
    start = min(p.start for p in probes.values())
    end = max(p.end for p in probes.values())
    duration = end - start
    if duration < MIN_DURATION_SECONDS:
        raise Unprocessable(_("The recording is too short to play (under 0.1 s)."))
    return MediaProbe(
        container=container.format.name,
        size=size,
        start=start,
        duration=duration,
        video=video,
        audio=audio,
    )


def _decode_check(
    container: Any,
    video_stream: Any,
    audio_stream: Any,
    probes: dict[int, StreamProbe],
    covered: dict[int, float],
) -> None:
    """Decode the first packets of each stream: headers can be faked, frames cannot."""
    for stream in (video_stream, audio_stream):
        if stream is None:
            continue
        with contextlib.suppress(av.FFmpegError):
            container.seek(0)
        decoded = 0
        tried = 0
        try:
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue
                tried += 1
                for frame in packet.decode():
                    decoded += 1
                    probe = probes[stream.index]
                    if stream.type == "video":
                        probe.width, probe.height = frame.width, frame.height
                        probe.pix_fmt = frame.format.name
                    else:
                        probe.sample_rate = frame.sample_rate
                        probe.channels = frame.layout.nb_channels
                if decoded and tried >= 2 or tried >= DECODE_CHECK_PACKETS:
                    break
            if decoded == 0:
                # Decoders with delay (frame threads, B-frames) give their frames on flush.
                for frame in stream.codec_context.decode(None):
                    decoded += 1
                    probe = probes[stream.index]
                    if stream.type == "video":
                        probe.width, probe.height = frame.width, frame.height
                        probe.pix_fmt = frame.format.name
                    else:
                        probe.sample_rate = frame.sample_rate
                        probe.channels = frame.layout.nb_channels
        except av.FFmpegError as exc:
            raise Unprocessable(
                _("The %(kind)s stream cannot be decoded (%(error)s).")
                % {"kind": stream.type, "error": _short(exc)}
            ) from exc
        if decoded == 0:
            raise Unprocessable(
                _("The %(kind)s stream cannot be decoded: no picture or sound in it.")
                % {"kind": stream.type}
            )
        if stream.type == "video":
            probe = probes[stream.index]
            if not probe.width or not probe.height:
                raise Unprocessable(_("The video has no picture size."))
        else:
            probe = probes[stream.index]
            probe.samples = round(
                (covered[stream.index] or probe.duration) * (probe.sample_rate or 0)
            )
        stream.codec_context.flush_buffers()
