"""Probing a recording by demuxing it.

Browser recordings (MediaRecorder WebM) carry no duration in their header, so the header
is not trusted for anything: every packet is read to find the real duration, frame and
sample counts and the timing of the frames, and the first frames of each stream are decoded
to prove the file holds real audio or video.

A recording cut off part-way (a browser crash, a closed tab) is *salvaged*: what can be
decoded up to the cut is kept, and the probe says where the cut is (``cut_off_at``).
``check_recording`` is the cheap version run when an upload completes: it measures the end
of every stream and decodes a few packets of each, within a bounded number of packets.
"""

from __future__ import annotations

import contextlib
import math
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
# The door check reads at most this many packets per second of the length it accepts (a
# browser writes about 80: 30 frames and 50 Opus packets), plus a fixed allowance.
CHECK_PACKETS_PER_SECOND = 400
CHECK_PACKETS_FLOOR = 2000


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
    # video: how far the picture must be turned (counter-clockwise, 0/90/180/270) to stand
    # upright, from the display matrix (phones record portrait as rotated landscape)
    rotation: int = 0

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as the picture is shown, after its rotation."""
        if self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height


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
    # Seconds of recording before the file was cut off (None: the file is whole).
    cut_off_at: float | None = None

    @property
    def salvaged(self) -> bool:
        return self.cut_off_at is not None

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
            "cut_off_at": None if self.cut_off_at is None else round(self.cut_off_at, 3),
        }

    def describe(self) -> str:
        parts = [f"{self.container}, {self.duration:.3f} s, {self.size} bytes"]
        if self.video:
            v = self.video
            parts.append(
                f"video {v.codec} {v.width}x{v.height} {v.pix_fmt} "
                f"{v.frame_rate:.2f} fps, {v.packets} frames"
            )
            if v.rotation:
                parts.append(f"rotated {v.rotation}°")
        if self.audio:
            a = self.audio
            parts.append(f"audio {a.codec} {a.sample_rate} Hz {a.channels} ch, {a.samples} samples")
        if self.cut_off_at is not None:
            parts.append(f"cut off after {self.cut_off_at:.3f} s (salvaged)")
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
    reason a person can act on when it is not real audio/video. A file cut off part-way
    is measured up to the cut and marked (``cut_off_at``)."""
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
    if _cut_off(result.errors):
        result.cut_off_at = result.duration
    return result


def _cut_off(errors: list[str]) -> bool:
    return any(marker in error.lower() for error in errors for marker in TRUNCATION_MARKERS)


def normal_rotation(degrees: float | None) -> int:
    """A display rotation as 0, 90, 180 or 270 (counter-clockwise)."""
    return round((degrees or 0) / 90) % 4 * 90


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


def _check_picture_size(video_stream: Any) -> None:
    """Refuse a declared picture size no camera makes before decoding (a decompression bomb)."""
    if video_stream is None:
        return
    cc = video_stream.codec_context
    width, height = cc.width or 0, cc.height or 0
    if width > MAX_DIMENSION or height > MAX_DIMENSION or width * height > MAX_PIXELS:
        raise Unprocessable(
            _("The video declares an impossible picture size (%(w)s×%(h)s).")
            % {"w": width, "h": height}
        )


def _probe_container(container: Any, path: Path, size: int, *, require_video: bool) -> MediaProbe:
    video_stream, audio_stream = _pick_streams(container)
    if video_stream is None and audio_stream is None:
        raise Unprocessable(_("The file contains no audio or video stream."))
    if require_video and video_stream is None:
        raise Unprocessable(_("A video was expected but the file contains only audio."))
    _check_picture_size(video_stream)
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
                    _note_frame(probes[stream.index], frame)
                if decoded and tried >= 2 or tried >= DECODE_CHECK_PACKETS:
                    break
            if decoded == 0:
                # Decoders with delay (frame threads, B-frames) give their frames on flush.
                for frame in stream.codec_context.decode(None):
                    decoded += 1
                    _note_frame(probes[stream.index], frame)
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


def _note_frame(probe: StreamProbe, frame: Any) -> None:
    if probe.kind == "video":
        probe.width, probe.height = frame.width, frame.height
        probe.pix_fmt = frame.format.name
        probe.rotation = normal_rotation(frame.rotation)
    else:
        probe.sample_rate = frame.sample_rate
        probe.channels = frame.layout.nb_channels


@dataclass
class RecordingCheck:
    """What ``check_recording`` found."""

    seconds: float  # from the earliest packet of any stream to the end of the last
    kinds: list[str]  # "video", "audio"
    cut_off: bool  # the file ends part-way (salvageable up to the cut)


def check_recording(
    source: Any, *, limit_seconds: float | None = None, require_video: bool = False
) -> RecordingCheck:
    """The check made when an upload completes: is this real audio/video, and how long
    is it? ``source`` is a path or a binary file object.

    Every packet of every stream is read (demuxed, not decoded) to find where each stream
    really ends: a container's declared duration, or one stream, says nothing about the
    others. The first packets of each stream are decoded: headers can be faked, frames
    cannot. The cost is bounded: reading stops as soon as the recording is known to be
    longer than ``limit_seconds`` (the ``seconds`` returned is then only a lower bound),
    and a file made of more packets than a recording of that length could hold is refused.
    Raises ``Unprocessable`` with a reason the candidate can act on.
    """
    limit = MAX_DURATION_SECONDS if limit_seconds is None else limit_seconds
    budget = CHECK_PACKETS_FLOOR + int(limit * CHECK_PACKETS_PER_SECOND)
    with _ErrorLog() as log:
        try:
            container = av.open(source, options={"probesize": str(16 * 1024 * 1024)})
        except (av.FFmpegError, ValueError) as exc:
            raise Unprocessable(
                _("This is not an audio or video file we can read (%(error)s).")
                % {"error": _short(exc)}
            ) from exc
        with container:
            check = _check_streams(container, limit, budget, require_video=require_video)
        check.cut_off = _cut_off(log.errors)
    return check


def _check_streams(
    container: Any, limit: float, budget: int, *, require_video: bool
) -> RecordingCheck:
    video, audio = _pick_streams(container)
    streams = [s for s in (video, audio) if s is not None]
    if not streams:
        raise Unprocessable(_("The file contains no audio or video stream."))
    if require_video and video is None:
        raise Unprocessable(_("A video was expected but the file contains only audio."))
    _check_picture_size(video)
    # This loop runs for every packet of every answer as its upload completes (a minute of
    # video is some 1,800-5,000 packets), on the web server: per packet it does no more
    # than update the earliest start and the latest end over all streams.
    seen: set[int] = set()
    tried = dict.fromkeys((s.index for s in streams), 0)
    decoded = dict.fromkeys((s.index for s in streams), 0)
    undecoded = set(decoded)  # streams none of whose first packets decoded yet
    time_bases = {s.index: float(s.time_base or 0) for s in streams}
    earliest, latest = math.inf, -math.inf
    packets = 0
    try:
        for packet in container.demux(streams):
            pts = packet.pts
            if pts is None:
                pts = packet.dts
                if pts is None:
                    continue  # the demuxer's end-of-stream marker
            packets += 1
            if packets > budget:
                raise Unprocessable(
                    _("The file is made of far more pieces than a recording of this length.")
                )
            index = packet.stream_index
            tb = time_bases[index]
            start = pts * tb
            end = start + (packet.duration or 0) * tb
            if start < earliest:
                earliest = start
            if end > latest:
                latest = end
            seen.add(index)
            if index in undecoded and tried[index] < DECODE_CHECK_PACKETS and packet.size:
                tried[index] += 1
                with contextlib.suppress(av.FFmpegError):
                    decoded[index] += len(packet.decode())
                if decoded[index]:
                    undecoded.discard(index)
            if latest - earliest > limit:
                break  # too long: no need to read further
    except av.FFmpegError as exc:
        if not seen:
            raise Unprocessable(
                _("This is not an audio or video file we can read (%(error)s).")
                % {"error": _short(exc)}
            ) from exc
    for stream in streams:
        if stream.index not in seen:
            raise Unprocessable(_("The %(kind)s stream holds no data.") % {"kind": stream.type})
        if not decoded[stream.index]:
            # Decoders with delay (frame threads, B-frames) give their frames on flush.
            with contextlib.suppress(av.FFmpegError):
                decoded[stream.index] += len(stream.codec_context.decode(None))
        if not decoded[stream.index]:
            raise Unprocessable(
                _("The %(kind)s stream cannot be decoded: no picture or sound in it.")
                % {"kind": stream.type}
            )
    return RecordingCheck(seconds=latest - earliest, kinds=[s.type for s in streams], cut_off=False)
