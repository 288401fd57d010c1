"""Poster images: a JPEG of a frame about one second in, never a black frame.

Cameras often start dark (exposure settling, lens cap, a fade-in), so the first frame is
a poor poster. We look at frames from about 1 s on and take the first one with enough
light and detail, or the best one seen.
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
from av.video.frame import VideoFrame

from oneway.media.probe import normal_rotation

POSTER_AT = 1.0
# How far past the target we keep looking for a better frame, and how often.
SEARCH_SECONDS = 6.0
SEARCH_STEP = 0.5
# Mean luma (0-255) below which a frame counts as black, and the spread of a flat frame.
DARK_LUMA = 32
FLAT_SPREAD = 6


def brightness(frame: VideoFrame) -> tuple[float, float]:
    """Mean and spread (mean absolute deviation) of the luma of a sample of pixels."""
    plane = frame.planes[0]
    data = bytes(plane)
    width, height, stride = plane.width, plane.height, plane.line_size
    samples: list[int] = []
    step_y = max(1, height // 48)
    step_x = max(1, width // 64)
    for row in range(0, height, step_y):
        start = row * stride
        samples.extend(data[start : start + width : step_x])
    if not samples:
        return 0.0, 0.0
    mean = sum(samples) / len(samples)
    spread = sum(abs(s - mean) for s in samples) / len(samples)
    return mean, spread


# The filters that turn a picture stored with a display rotation (counter-clockwise
# degrees, as ``VideoFrame.rotation`` reads it) the right way up.
_TURNS = {90: [("transpose", "dir=cclock")], 180: [("hflip", ""), ("vflip", "")],
          270: [("transpose", "dir=clock")]}  # fmt: skip


class Upright:
    """Turns frames upright: ``Upright(90)(frame)``. A frame of another size or format than
    the first starts a new filter graph; ``Upright(0)`` returns frames unchanged."""

    def __init__(self, rotation: int) -> None:
        self.rotation = normal_rotation(rotation)
        self.graph: av.filter.Graph | None = None
        self.shape: tuple[int, int, str] | None = None

    def __call__(self, frame: VideoFrame) -> VideoFrame:
        if not self.rotation:
            return frame
        shape = (frame.width, frame.height, frame.format.name)
        if self.graph is None or shape != self.shape:
            self.graph, self.shape = self._graph(frame), shape
        self.graph.vpush(frame)
        turned = self.graph.vpull()
        turned.pts, turned.time_base = frame.pts, frame.time_base
        return turned

    def _graph(self, frame: VideoFrame) -> av.filter.Graph:
        graph = av.filter.Graph()
        chain = [
            graph.add_buffer(
                width=frame.width,
                height=frame.height,
                format=frame.format,
                time_base=frame.time_base or Fraction(1, 1000),
            )
        ]
        chain += [graph.add(name, args) for name, args in _TURNS[self.rotation]]
        chain.append(graph.add("buffersink"))
        for a, b in zip(chain, chain[1:], strict=False):
            a.link_to(b)
        graph.configure()
        return graph


def poster_time(duration: float) -> float:
    return min(POSTER_AT, duration / 2)


class PosterPicker:
    """Offered frames in time order; keeps the first good one from ~1 s on."""

    def __init__(self, duration: float) -> None:
        self.target = poster_time(duration)
        self.best: VideoFrame | None = None
        self.best_score = -1.0
        self.done = False
        self.next_look = self.target

    def offer(self, frame: VideoFrame, seconds: float) -> None:
        if self.done or seconds + 1e-6 < self.next_look:
            return
        self.next_look = seconds + SEARCH_STEP
        mean, spread = brightness(frame)
        score = min(mean, 128) + spread
        if score > self.best_score:
            self.best, self.best_score = frame, score
        if (mean >= DARK_LUMA and spread >= FLAT_SPREAD) or seconds > self.target + SEARCH_SECONDS:
            self.done = True

    @property
    def wants_more(self) -> bool:
        return not self.done


def encode_jpeg(frame: VideoFrame, *, width: int | None = None, height: int | None = None) -> bytes:
    """JPEG bytes (quality about ffmpeg's -q:v 3) of ``frame``, scaled when asked."""
    picture = frame.reformat(width=width, height=height, format="yuvj420p")
    context = av.CodecContext.create("mjpeg", "w")
    context.width, context.height = picture.width, picture.height
    context.pix_fmt = "yuvj420p"
    context.time_base = Fraction(1, 25)
    context.qscale = True
    context.global_quality = 3 * 118  # FF_QP2LAMBDA
    picture.pts = 0
    packets = context.encode(picture) + context.encode(None)
    return b"".join(bytes(p) for p in packets)


def poster_from_file(
    path: Path, *, duration: float, width: int | None = None, height: int | None = None
) -> bytes | None:
    """Decode from the keyframe before ~1 s and pick a poster frame; None without video."""
    picker = PosterPicker(duration)
    with av.open(str(path)) as container:
        if not container.streams.video:
            return None
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        start = stream.start_time or 0
        if stream.time_base:
            try:
                container.seek(start + int(picker.target / stream.time_base), stream=stream)
            except av.FFmpegError:
                container.seek(0)
        origin = float(start * stream.time_base) if stream.time_base else 0.0
        for frame in container.decode(stream):
            seconds = (float(frame.time) if frame.time is not None else 0.0) - origin
            picker.offer(frame, seconds)
            if not picker.wants_more:
                break
    if picker.best is None:
        return None
    best = Upright(picker.best.rotation)(picker.best)
    return encode_jpeg(best, width=width, height=height)


# Thumbnails: the poster, small, for candidate lists (a row is about 80 CSS px wide; 160
# px covers a 2x screen). A few KB each.
THUMBNAIL_WIDTH = 160


def thumbnail_size(width: int, height: int) -> tuple[int, int]:
    """``THUMBNAIL_WIDTH`` wide (never wider than the poster), the poster's shape, even."""
    target = min(THUMBNAIL_WIDTH, width)
    scaled = max(2, round(height * target / width / 2) * 2)
    return target - target % 2, scaled


def thumbnail_from_poster(poster: bytes) -> bytes | None:
    """A small JPEG of a poster JPEG (None when it cannot be read as one)."""
    try:
        with av.open(io.BytesIO(poster), mode="r", format="jpeg_pipe") as container:
            frame = next(container.decode(video=0), None)
    except (av.FFmpegError, StopIteration, ValueError):
        return None
    if frame is None or not frame.width or not frame.height:
        return None
    width, height = thumbnail_size(frame.width, frame.height)
    return encode_jpeg(frame, width=width, height=height)
