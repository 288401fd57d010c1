"""The universal rendition: MP4 (H.264 + AAC, moov first, at most 720p, even dimensions,
constant frame rate), or AAC in .m4a for audio-only answers.

Only what needs it is transcoded. H.264 that already fits (size, pixel format, regular
frame timing, upright) keeps its compressed video: its timestamps are moved onto a
constant-rate grid and the packets are copied; only the audio is converted. Everything
else (VP8, VP9, AV1 from browsers, odd sizes, irregular timing, a picture stored on its side
with a display rotation, as phones record portrait video) is decoded, turned upright,
scaled and encoded with x264, so every player shows it the right way up.

A recording cut off part-way (see ``probe``) is rendered up to the cut.
"""

from __future__ import annotations

import queue
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
from av.audio.frame import AudioFrame
from av.video.frame import VideoFrame
from av.video.reformatter import VideoReformatter
from django.conf import settings
from django.utils.translation import gettext as _

from oneway.media.posters import PosterPicker, Upright
from oneway.media.probe import MediaProbe, StreamProbe, Unprocessable

Progress = Callable[[], None]

MAX_LONG_SIDE = 1280
MAX_SHORT_SIDE = 720
MAX_FPS = 30
COPY_PROFILES = {"Baseline", "Constrained Baseline", "Main", "High"}
COPY_PIX_FMTS = {"yuv420p", "yuvj420p"}
AUDIO_RATE = 48000
# Output timestamps for copied video: 90 kHz, exact for 24/25/30/50/60 and NTSC rates.
COPY_TIME_BASE = Fraction(1, 90000)
STANDARD_RATES = [Fraction(r) for r in (10, 12, 15, 20, 24, 25, 30, 48, 50, 60)] + [
    Fraction(24000, 1001),
    Fraction(30000, 1001),
    Fraction(60000, 1001),
]


def x264_preset() -> str:
    return str(getattr(settings, "MEDIA_X264_PRESET", "veryfast"))


@dataclass
class Plan:
    """What will be done to each stream, and why (shown to operators)."""

    video: str | None  # "copy" | "transcode" | None
    audio: str | None  # "copy" | "transcode" | None
    width: int = 0
    height: int = 0
    fps: Fraction = Fraction(30)
    container: str = "mp4"  # muxer: "mp4" or "ipod" (.m4a)
    reasons: list[str] = field(default_factory=list)
    # The source picture's display rotation (counter-clockwise degrees), undone on the way.
    rotation: int = 0

    @property
    def extension(self) -> str:
        return ".mp4" if self.container == "mp4" else ".m4a"

    def summary(self) -> dict[str, Any]:
        return {
            "video": self.video,
            "audio": self.audio,
            "width": self.width,
            "height": self.height,
            "fps": float(self.fps),
            "container": self.container,
            "rotation": self.rotation,
            "reasons": self.reasons,
        }


@dataclass
class RenditionResult:
    path: Path
    plan: Plan
    seconds: float
    poster: VideoFrame | None = None


def fit_size(width: int, height: int) -> tuple[int, int]:
    """At most 1280×720 (or 720×1280 upright), aspect kept, both dimensions even."""
    long_side, short_side = max(width, height), min(width, height)
    scale = min(1.0, MAX_LONG_SIDE / long_side, MAX_SHORT_SIDE / short_side)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def nominal_rate(frame_times: list[float]) -> Fraction:
    """The frame rate the recorder aimed at, from the median interval between frames."""
    deltas = sorted(b - a for a, b in zip(frame_times, frame_times[1:], strict=False) if b > a)
    if not deltas:
        return Fraction(MAX_FPS)
    measured = 1 / deltas[len(deltas) // 2]
    best = min(STANDARD_RATES, key=lambda r: abs(float(r) - measured))
    if abs(float(best) - measured) / measured < 0.03:
        return best
    return Fraction(round(measured)) if measured >= 1 else Fraction(1)


def transcode_rate(nominal: Fraction) -> Fraction:
    """A whole, common output rate for transcoded video: the smallest of 10, 12, 15, 20,
    24, 25, 30 that keeps (almost) every source frame, at most 30."""
    for rate in (10, 12, 15, 20, 24, 25):
        if float(nominal) <= rate * 1.05:
            return Fraction(rate)
    return Fraction(MAX_FPS)


def grid_fit(frame_times: list[float], fps: Fraction) -> tuple[bool, str]:
    """Can these frame times be moved onto a constant-rate grid without visible change?
    Each frame may move by less than a third of a frame, no two frames may land on one
    slot, and at most 2 % of the slots may stay empty (dropped frames in the source)."""
    if len(frame_times) < 2:
        return True, ""
    slots = [round(t * fps) for t in frame_times]
    worst = max(abs(t * float(fps) - s) for t, s in zip(frame_times, slots, strict=True))
    if worst > 0.34:
        return False, _("frame timing is irregular (variable frame rate)")
    if any(b <= a for a, b in zip(slots, slots[1:], strict=False)):
        return False, _("frames arrive faster than the frame rate")
    missing = (slots[-1] - slots[0] + 1) - len(slots)
    if missing > 0.02 * len(slots):
        return False, _("%(n)s frames were dropped by the recorder") % {"n": missing}
    return True, ""


def plan_rendition(probe: MediaProbe, *, want_video: bool) -> Plan:
    audio = probe.audio
    video = probe.video if want_video else None
    if video is None:
        if audio is None:
            raise Unprocessable(_("The file contains no audio to keep."))
        plan = Plan(video=None, audio=_audio_action(audio), container="ipod")
        plan.reasons.append(_("audio only: AAC in an .m4a file"))
        if probe.cut_off_at is not None:
            plan.reasons.append(
                _("the upload was cut off after %(n).1f s: the recording up to the cut is kept")
                % {"n": probe.cut_off_at}
            )
        return plan
    width, height = fit_size(*video.display_size)
    fps = nominal_rate(video.frame_times)
    plan = Plan(video="copy", audio=_audio_action(audio) if audio else None)
    plan.width, plan.height, plan.fps = width, height, fps
    plan.rotation = video.rotation
    why_not_copy = []
    if video.rotation:
        why_not_copy.append(
            _("the picture is stored turned by %(n)s° and is turned upright")
            % {"n": video.rotation}
        )
    if video.codec != "h264":
        why_not_copy.append(_("%(codec)s video is not H.264") % {"codec": video.codec.upper()})
    else:
        if (width, height) != (video.width, video.height):
            why_not_copy.append(
                _("%(w)s×%(h)s must become %(tw)s×%(th)s")
                % {"w": video.width, "h": video.height, "tw": width, "th": height}
            )
        if video.pix_fmt not in COPY_PIX_FMTS:
            why_not_copy.append(_("pixel format %(f)s") % {"f": video.pix_fmt})
        if video.profile not in COPY_PROFILES:
            why_not_copy.append(_("H.264 profile %(p)s") % {"p": video.profile})
        if float(fps) > 60:
            why_not_copy.append(_("more than 60 frames per second"))
        fits, reason = grid_fit(video.frame_times, fps)
        if not fits:
            why_not_copy.append(reason)
    if why_not_copy:
        plan.video = "transcode"
        plan.fps = transcode_rate(fps)
        plan.reasons.append(_("video transcoded: %(why)s") % {"why": "; ".join(why_not_copy)})
    else:
        plan.reasons.append(_("H.264 video copied onto a constant frame rate"))
    if probe.cut_off_at is not None:
        plan.reasons.append(
            _("the upload was cut off after %(n).1f s: the recording up to the cut is kept")
            % {"n": probe.cut_off_at}
        )
    if audio is not None:
        plan.reasons.append(
            _("audio copied (already AAC)")
            if plan.audio == "copy"
            else _("audio converted from %(codec)s to AAC") % {"codec": audio.codec}
        )
    return plan


def _audio_action(audio: StreamProbe | None) -> str | None:
    if audio is None:
        return None
    if (
        audio.codec == "aac"
        and audio.profile == "LC"
        and audio.sample_rate in (44100, 48000)
        and 1 <= audio.channels <= 2
    ):
        return "copy"
    return "transcode"


def make_rendition(
    source: Path,
    target: Path,
    probe: MediaProbe,
    plan: Plan,
    *,
    poster_at: float | None = None,
    progress: Progress | None = None,
) -> RenditionResult:
    """Write the rendition to ``target`` (a local path). When video is transcoded, a poster
    frame is picked on the way (``result.poster``)."""
    started = time.monotonic()
    tick = progress or (lambda: None)
    if plan.video == "copy":
        poster: VideoFrame | None = None
        try:
            _remux(source, target, probe, plan, tick)
        except _CopyNotPossible as exc:
            plan.video = "transcode"
            plan.fps = transcode_rate(plan.fps)
            plan.reasons.append(_("video transcoded: %(why)s") % {"why": str(exc)})
            poster = _transcode(source, target, probe, plan, tick, poster_at)
    else:
        poster = _transcode(source, target, probe, plan, tick, poster_at)
    return RenditionResult(
        path=target, plan=plan, seconds=time.monotonic() - started, poster=poster
    )


class _CopyNotPossible(Exception):
    pass


def _ticks(seconds: float, stream: Any) -> int:
    """``seconds`` in the stream's time base (0 without a stream)."""
    if stream is None or not stream.time_base:
        return 0
    return round(seconds / stream.time_base)


def _open_output(target: Path, plan: Plan) -> Any:
    return av.open(str(target), "w", format=plan.container, options={"movflags": "+faststart"})


class _AudioConverter:
    """Decoded audio -> AAC at 48 kHz, with timestamps that keep sync: gaps in the
    source become silence and overlaps are dropped, so sound never drifts from picture."""

    def __init__(self, out: Any, source_stream: Any, origin: float) -> None:
        channels = source_stream.codec_context.layout.nb_channels or 1
        layout = "mono" if channels == 1 else "stereo"
        self.stream = out.add_stream("aac", rate=AUDIO_RATE)
        self.stream.layout = layout
        self.stream.bit_rate = 96_000 if layout == "mono" else 128_000
        # The "fast" coder is ~3x quicker than the default two-loop search and
        # indistinguishable on speech at these bit rates (bench/README.md).
        self.stream.codec_context.options = {"aac_coder": "fast"}
        self.layout = layout
        self.resampler = av.AudioResampler(
            format="fltp", layout=layout, rate=AUDIO_RATE, frame_size=1024
        )
        self.origin = origin
        self.next_time: float | None = None  # source time of the next expected sample
        self.out_samples = 0
        self.out_start: int | None = None

    def push(self, frame: AudioFrame | None) -> Iterator[Any]:
        if frame is None:
            yield from self._encode_all(self.resampler.resample(None))
            yield from self.stream.encode(None)
            return
        if frame.time is None:
            start = self.next_time if self.next_time is not None else self.origin
        else:
            start = float(frame.time)
        if self.out_start is None:
            self.out_start = max(0, round((start - self.origin) * AUDIO_RATE))
            self.next_time = start
        assert self.next_time is not None
        gap = start - self.next_time
        if gap > 0.04:
            # In pieces of at most a second: a bogus timestamp must not allocate hours.
            while gap > 1e-3:
                piece = min(gap, 1.0)
                yield from self._encode_all(self.resampler.resample(self._silence(piece, frame)))
                gap -= piece
        elif gap < -0.04:
            return  # overlapping audio: already covered
        self.next_time = start + frame.samples / frame.sample_rate
        frame.pts = None
        yield from self._encode_all(self.resampler.resample(frame))

    def _silence(self, seconds: float, like: AudioFrame) -> AudioFrame:
        samples = round(seconds * like.sample_rate)
        silence = AudioFrame(format=like.format.name, layout=like.layout.name, samples=samples)
        for plane in silence.planes:
            plane.update(bytes(plane.buffer_size))
        silence.sample_rate = like.sample_rate
        return silence

    def _encode_all(self, frames: list[AudioFrame]) -> Iterator[Any]:
        for out in frames:
            out.pts = (self.out_start or 0) + self.out_samples
            out.time_base = Fraction(1, AUDIO_RATE)
            self.out_samples += out.samples
            yield from self.stream.encode(out)


def _remux(source: Path, target: Path, probe: MediaProbe, plan: Plan, tick: Progress) -> None:
    """Copy H.264 packets onto a constant-rate timeline; convert (or copy) the audio."""
    assert probe.video is not None
    fps = plan.fps
    frame_ticks = 1 / (fps * COPY_TIME_BASE)  # output ticks per frame
    video_start = probe.video.start
    origin = probe.start
    offset_ticks = round((video_start - origin) / COPY_TIME_BASE)
    with av.open(str(source)) as inp, _open_output(target, plan) as out:
        in_video = inp.streams[probe.video.index]
        out_video = out.add_stream_from_template(in_video)
        out_video.time_base = COPY_TIME_BASE
        out_video.codec_context.codec_tag = "avc1"
        in_audio = inp.streams[probe.audio.index] if probe.audio else None
        audio: _AudioConverter | None = None
        out_audio = None
        if in_audio is not None and plan.audio == "transcode":
            audio = _AudioConverter(out, in_audio, origin)
        elif in_audio is not None:
            out_audio = out.add_stream_from_template(in_audio)
            out_audio.codec_context.codec_tag = "mp4a"
        # Header written (and the AAC encoder opened) here, before the sound is converted
        # on its own thread beside the copying of the video.
        out.start_encoding()
        worker = _AudioThread(audio, in_audio) if audio is not None else None
        last_dts: int | None = None
        streams = [s for s in (in_video, in_audio) if s is not None]
        # Plain floats and ints in this loop: it runs once per packet.
        video_tb = float(in_video.time_base or COPY_TIME_BASE)
        rate = float(fps)
        ticks = float(frame_ticks)
        frame_duration = round(frame_ticks)
        audio_shift = _ticks(origin, in_audio)
        try:
            for packet in inp.demux(streams):
                tick()
                if worker is not None:
                    out.mux(worker.ready())
                if packet.size == 0:
                    continue
                if packet.stream is in_video:
                    pts = packet.pts if packet.pts is not None else packet.dts
                    dts = packet.dts if packet.dts is not None else pts
                    if pts is None or dts is None:
                        raise _CopyNotPossible(_("video packets without timestamps"))
                    new_pts = offset_ticks + round(
                        round((pts * video_tb - video_start) * rate) * ticks
                    )
                    new_dts = offset_ticks + round(
                        round((dts * video_tb - video_start) * rate) * ticks
                    )
                    if last_dts is not None and new_dts <= last_dts:
                        raise _CopyNotPossible(_("frame timing is irregular"))
                    last_dts = new_dts
                    packet.pts, packet.dts = new_pts, new_dts
                    packet.duration = frame_duration
                    packet.time_base = COPY_TIME_BASE
                    packet.stream = out_video
                    out.mux(packet)
                elif worker is not None:
                    worker.feed(packet)
                elif out_audio is not None:
                    if packet.pts is not None:
                        packet.pts -= audio_shift
                    if packet.dts is not None:
                        packet.dts -= audio_shift
                    packet.stream = out_audio
                    out.mux(packet)
        except BaseException:
            if worker is not None:
                worker.abandon()
            raise
        if worker is not None:
            out.mux(worker.finish())


_DONE = object()


class _AudioThread:
    """Decodes and converts the sound on a second thread (libav releases Python's lock
    while it works), while the main thread copies the video; only the main thread muxes.
    A short inbox keeps the two close, so the file stays finely interleaved."""

    def __init__(self, converter: _AudioConverter, stream: Any) -> None:
        self.converter = converter
        self.stream = stream
        self.inbox: queue.Queue[Any] = queue.Queue(maxsize=48)
        self.outbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="oneway-audio", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while (packet := self.inbox.get()) is not None:
                for frame in packet.decode():
                    for encoded in self.converter.push(cast(AudioFrame, frame)):
                        self.outbox.put(encoded)
            for frame in self.stream.codec_context.decode(None):
                for encoded in self.converter.push(frame):
                    self.outbox.put(encoded)
            for encoded in self.converter.push(None):
                self.outbox.put(encoded)
        except BaseException as exc:  # handed to the main thread
            self.error = exc
            while not self.inbox.empty():  # unblock a waiting feed()
                self.inbox.get_nowait()
        finally:
            self.outbox.put(_DONE)

    def feed(self, packet: Any) -> None:
        while self.error is None:
            try:
                self.inbox.put(packet, timeout=0.5)
                return
            except queue.Full:
                continue
        raise self.error

    def ready(self) -> list[Any]:
        packets: list[Any] = []
        while True:
            try:
                item = self.outbox.get_nowait()
            except queue.Empty:
                return packets
            if item is _DONE:
                self.outbox.put(_DONE)
                return packets
            packets.append(item)

    def abandon(self) -> None:
        """The main thread failed: stop the thread without waiting for its work."""
        if self.error is None:
            self.error = RuntimeError("abandoned")
        while True:
            try:
                self.inbox.get_nowait()
            except queue.Empty:
                break
        self.inbox.put(None)
        self.thread.join(timeout=10)

    def finish(self) -> list[Any]:
        if self.error is None:
            self.inbox.put(None)
        self.thread.join()
        packets: list[Any] = []
        while (item := self.outbox.get()) is not _DONE:
            packets.append(item)
        if self.error is not None:
            raise self.error
        return packets


def _transcode(
    source: Path,
    target: Path,
    probe: MediaProbe,
    plan: Plan,
    tick: Progress,
    poster_at: float | None,
) -> VideoFrame | None:
    origin = probe.start
    picker: PosterPicker | None = None
    with av.open(str(source)) as inp, _open_output(target, plan) as out:
        in_video = inp.streams[probe.video.index] if plan.video and probe.video else None
        in_audio = inp.streams[probe.audio.index] if probe.audio and plan.audio else None
        encoder = None
        if in_video is not None:
            in_video.codec_context.thread_type = "AUTO"
            encoder = _VideoEncoder(out, plan, origin)
            picker = PosterPicker(probe.duration if poster_at is None else poster_at * 2)
        audio: _AudioConverter | None = None
        out_audio = None
        if in_audio is not None and plan.audio == "copy":
            out_audio = out.add_stream_from_template(in_audio)
            out_audio.codec_context.codec_tag = "mp4a"
        elif in_audio is not None:
            audio = _AudioConverter(out, in_audio, origin)
        streams = [s for s in (in_video, in_audio) if s is not None]
        audio_shift = _ticks(origin, in_audio)
        try:
            for packet in inp.demux(streams):
                tick()
                if packet.stream is in_video and encoder is not None:
                    for frame in packet.decode():
                        out.mux(list(encoder.push(cast(VideoFrame, frame), picker)))
                elif audio is not None:
                    for frame in packet.decode():
                        out.mux(list(audio.push(cast(AudioFrame, frame))))
                elif out_audio is not None and packet.size:
                    if packet.pts is not None:
                        packet.pts -= audio_shift
                    if packet.dts is not None:
                        packet.dts -= audio_shift
                    packet.stream = out_audio
                    out.mux(packet)
        except av.InvalidDataError as exc:
            if probe.cut_off_at is None:
                raise Unprocessable(
                    _("The recording is damaged and cannot be decoded (%(error)s).")
                    % {"error": str(exc)[:200]}
                ) from exc
            # A file cut off part-way: its last, partial packets are dropped.
        if encoder is not None:
            out.mux(list(encoder.push(None, picker)))
        if audio is not None:
            out.mux(list(audio.push(None)))
    return picker.best if picker is not None else None


class _VideoEncoder:
    """Decoded frames -> constant frame rate -> scaled -> x264."""

    def __init__(self, out: Any, plan: Plan, origin: float) -> None:
        fps = plan.fps
        self.fps = fps
        self.origin = origin
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = plan.width, plan.height
        stream.pix_fmt = "yuv420p"
        stream.time_base = 1 / fps
        pixels = plan.width * plan.height
        maxrate = max(600, round(2500 * pixels / (1280 * 720)))
        gop = max(1, round(fps * 2))
        stream.codec_context.options = {
            "preset": x264_preset(),
            "crf": "23",
            "maxrate": f"{maxrate}k",
            "bufsize": f"{maxrate * 2}k",
            "profile": "high",
            "g": str(gop),
            "keyint_min": str(max(1, gop // 2)),
        }
        # Frame threads, as the ffmpeg command line uses them: PyAV's default (slice
        # threads) makes x264 keep the cores far less busy.
        stream.codec_context.thread_count = 0
        stream.codec_context.thread_type = "AUTO"
        self.stream = stream
        self.width, self.height = plan.width, plan.height
        self.turn = Upright(plan.rotation)
        if plan.rotation in (90, 270):  # scaled on its side, then turned
            self.width, self.height = plan.height, plan.width
        self.reformatter = VideoReformatter()
        self.held: VideoFrame | None = None
        self.held_slot = 0
        self.next_slot: int | None = None
        self.interval = 1 / float(fps)

    def _slot(self, frame: VideoFrame) -> int:
        t = float(frame.time) if frame.time is not None else 0.0
        return round((t - self.origin) * self.fps)

    def push(self, frame: VideoFrame | None, picker: PosterPicker | None) -> Iterator[Any]:
        if frame is None:
            if self.held is not None:
                # The last frame lasts one frame interval.
                yield from self._emit(self.held, self.held_slot + 1, picker)
            yield from self.stream.encode(None)
            return
        slot = self._slot(frame)
        if self.held is not None:
            yield from self._emit(self.held, slot, picker)
        self.held = frame
        self.held_slot = max(slot, self.next_slot or 0)
        if self.next_slot is None:
            self.next_slot = self.held_slot

    def _emit(
        self, frame: VideoFrame, until_slot: int, picker: PosterPicker | None
    ) -> Iterator[Any]:
        """Show ``frame`` in every slot from the next free one up to ``until_slot``
        (exclusive): a frame repeated fills a gap, a frame with no slot is dropped."""
        assert self.next_slot is not None
        if until_slot <= self.next_slot:
            return
        scaled = self.turn(
            self.reformatter.reformat(frame, width=self.width, height=self.height, format="yuv420p")
        )
        scaled.time_base = 1 / self.fps
        scaled.pict_type = av.video.frame.PictureType.NONE
        if picker is not None:
            picker.offer(scaled, self.next_slot / float(self.fps))
        # The encoder keeps its own reference with the timestamp it was given, so one
        # frame can be sent again for a repeated slot.
        for slot in range(self.next_slot, until_slot):
            scaled.pts = slot
            yield from self.stream.encode(scaled)
        self.next_slot = until_slot


def mp4_top_level_boxes(path: Path) -> list[str]:
    """Names of the top-level boxes of an MP4 file, in file order."""
    names = []
    with open(path, "rb") as fh:
        while True:
            header = fh.read(8)
            if len(header) < 8:
                break
            size, name = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0]
                skip = size - 16
            elif size == 0:
                names.append(name.decode("latin-1"))
                break
            else:
                skip = size - 8
            names.append(name.decode("latin-1"))
            if skip < 0:
                break
            fh.seek(skip, 1)
    return names


def moov_before_mdat(path: Path) -> bool:
    boxes = mp4_top_level_boxes(path)
    return "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat")
