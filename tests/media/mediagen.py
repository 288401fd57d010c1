"""Real test recordings made with PyAV: a moving test pattern (libavfilter's testsrc2) and
speech from flite, in the containers and codecs browsers produce.

Shared by the tests and by ``bench/media.py``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
from av.audio.frame import AudioFrame
from av.video.frame import VideoFrame

SENTENCE = "please tell us about a project you are proud of and what you learned from it"


def speech_wav(path: Path, text: str = SENTENCE) -> Path:
    """Speak ``text`` with flite's rms voice into a 16 kHz mono WAV."""
    if shutil.which("flite") is None:
        raise RuntimeError("flite is not installed (apt-get install flite)")
    subprocess.run(["flite", "-voice", "rms", "-t", text, "-o", str(path)], check=True)
    return path


def _video_frames(
    width: int, height: int, fps: int, seconds: float, extra: str = ""
) -> Iterator[VideoFrame]:
    graph = av.filter.Graph()
    source = graph.add("testsrc2", f"size={width}x{height}:rate={fps}:duration={seconds}")
    chain = [source]
    if extra:
        name, _, args = extra.partition("=")
        chain.append(graph.add(name, args))
    chain.append(graph.add("format", "pix_fmts=yuv420p"))
    chain.append(graph.add("buffersink"))
    for a, b in zip(chain, chain[1:], strict=False):
        a.link_to(b)
    graph.configure()
    while True:
        try:
            frame = graph.vpull()
        except (av.EOFError, av.BlockingIOError):
            return
        frame.pict_type = av.video.frame.PictureType.NONE
        yield frame


def _retimed(frames: Iterator[VideoFrame], times: list[float]) -> Iterator[VideoFrame]:
    for frame, seconds in zip(frames, times, strict=False):
        frame.pts = round(seconds * 1000)
        frame.time_base = Fraction(1, 1000)
        yield frame


def speech_samples(speech: Path | None, rate: int, seconds: float, *, loop: bool) -> bytes:
    """Mono s16 samples at ``rate`` filling ``seconds``: the speech after a short lead-in
    (repeated with pauses when ``loop``), then silence."""
    total = int(seconds * rate) * 2
    if speech is None:
        return bytes(total)
    pcm = bytearray()
    with av.open(str(speech)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                pcm += bytes(out.planes[0])[: out.samples * 2]
        for out in resampler.resample(None):
            pcm += bytes(out.planes[0])[: out.samples * 2]
    pause = bytes(int(0.6 * rate) * 2)
    data = bytearray(bytes(int(0.3 * rate) * 2) + pcm)
    while loop and len(data) < total:
        data += pause + pcm
    return bytes(data[:total].ljust(total, b"\0"))


def _audio_frames(samples: bytes, rate: int) -> Iterator[AudioFrame]:
    step = 1024
    for index, start in enumerate(range(0, len(samples), step * 2)):
        part = samples[start : start + step * 2]
        frame = AudioFrame(format="s16", layout="mono", samples=len(part) // 2)
        frame.planes[0].update(part)
        frame.sample_rate = rate
        frame.pts = index * step
        frame.time_base = Fraction(1, rate)
        yield frame


def make_media(
    path: Path,
    *,
    fmt: str,
    vcodec: str | None = "libvpx",
    acodec: str | None = "libopus",
    seconds: float = 3.0,
    width: int = 640,
    height: int = 480,
    fps: int = 30,
    speech: Path | None = None,
    loop_speech: bool = False,
    video_bitrate: int = 1_500_000,
    video_filter: str = "",
    frame_times: list[float] | None = None,
) -> Path:
    """Write a recording; ``fmt`` is a PyAV muxer name (webm, matroska, mp4, ogg, wav ...).
    Audio and video are interleaved as a recorder would write them. ``video_filter`` is one
    libavfilter filter applied to the test pattern (e.g. ``fade=t=in:st=1.5:d=0.1``);
    ``frame_times`` gives each video frame's time in seconds (variable frame rate)."""
    with av.open(str(path), "w", format=fmt) as out:
        vstream = astream = None
        if vcodec:
            vstream = out.add_stream(vcodec, rate=fps)
            vstream.width, vstream.height = width, height
            vstream.pix_fmt = "yuv420p"
            vstream.bit_rate = video_bitrate
            # Encoder threads spin badly on a busy shared machine; one is plenty here.
            vstream.codec_context.thread_count = 1
            if frame_times is not None:
                vstream.codec_context.time_base = Fraction(1, 1000)
            if vcodec in ("libx264", "h264"):
                vstream.codec_context.options = {"preset": "ultrafast", "g": str(fps)}
            elif vcodec == "libvpx":
                vstream.codec_context.options = {"deadline": "realtime", "cpu-used": "16"}
            elif vcodec == "libvpx-vp9":
                vstream.codec_context.options = {"deadline": "realtime", "cpu-used": "8"}
            elif vcodec == "libsvtav1":
                vstream.codec_context.options = {"preset": "12"}
        rate = 48000
        resampler = None
        if acodec:
            rate = 16000 if acodec.startswith("pcm") else 48000
            astream = out.add_stream(acodec, rate=rate)
            astream.layout = "mono"
            chunk = {"libopus": 960, "pcm_s16le": 1024}.get(acodec, 1024)
            resampler = av.AudioResampler(
                format=astream.codec_context.format.name, layout="mono", rate=rate, frame_size=chunk
            )
        videos = _video_frames(width, height, fps, seconds, video_filter) if vstream else iter(())
        if frame_times is not None:
            videos = _retimed(videos, frame_times)
        audios = (
            _audio_frames(speech_samples(speech, rate, seconds, loop=loop_speech), rate)
            if astream
            else iter(())
        )
        next_video = next(videos, None)
        next_audio = next(audios, None)
        while next_video is not None or next_audio is not None:
            video_time = (
                float(next_video.pts * next_video.time_base)
                if next_video is not None
                else float("inf")
            )
            audio_time = next_audio.pts / rate if next_audio is not None else float("inf")
            if next_video is not None and vstream is not None and video_time <= audio_time:
                for packet in vstream.encode(next_video):
                    out.mux(packet)
                next_video = next(videos, None)
            elif next_audio is not None and astream is not None and resampler is not None:
                for resampled in resampler.resample(next_audio):
                    for packet in astream.encode(resampled):
                        out.mux(packet)
                next_audio = next(audios, None)
        if astream is not None and resampler is not None:
            for resampled in resampler.resample(None):
                for packet in astream.encode(resampled):
                    out.mux(packet)
            for packet in astream.encode(None):
                out.mux(packet)
        if vstream is not None:
            for packet in vstream.encode(None):
                out.mux(packet)
    return path


def make_uneven(
    path: Path, *, video_seconds: float, audio_seconds: float, vcodec: str = "libvpx"
) -> Path:
    """A WebM written like a live stream (no Duration element, no cues) whose streams end
    at different times: ``video_seconds`` of picture, ``audio_seconds`` of (silent) Opus."""
    with av.open(str(path), "w", format="webm", options={"live": "1"}) as out:
        video = out.add_stream(vcodec, rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.codec_context.thread_count = 1
        video.codec_context.options = {"deadline": "realtime", "cpu-used": "16"}
        audio = out.add_stream("libopus", rate=48000)
        audio.layout = "mono"
        audio.bit_rate = 6000
        for frame in _video_frames(64, 48, 10, video_seconds):
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        # One encoded packet of silence, repeated (encoding minutes of audio is slow).
        frame = AudioFrame(format="s16", layout="mono", samples=960)
        frame.planes[0].update(bytes(960 * 2))
        frame.sample_rate, frame.pts, frame.time_base = 48000, 0, Fraction(1, 48000)
        model = [*audio.encode(frame), *audio.encode(None)][0]
        payload, time_base = bytes(model), model.time_base
        step = round(Fraction(960, 48000) / time_base)
        for index in range(round(audio_seconds * 50)):
            packet = av.Packet(payload)
            packet.pts = packet.dts = index * step
            packet.duration, packet.time_base, packet.stream = step, time_base, audio
            out.mux(packet)
    return path


def make_rotated(
    path: Path,
    rotation: int,
    *,
    fmt: str = "mp4",
    vcodec: str = "libx264",
    width: int = 160,
    height: int = 96,
    seconds: float = 1.0,
) -> Path:
    """A video whose stored picture is white on its left half and black on its right, with
    a display matrix saying to turn it ``rotation`` degrees counter-clockwise (how phones
    store portrait video): shown upright, 90 puts the white half at the bottom, 270 at the
    top, 180 on the right."""
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(vcodec, rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.thread_count = 1
        if vcodec == "libx264":
            stream.codec_context.options = {"preset": "ultrafast"}
        if rotation:
            stream.set_display_rotation(rotation)
        picture = VideoFrame(width, height, "gray")
        row = bytes([255] * (width // 2) + [0] * (width - width // 2))
        plane = picture.planes[0]
        plane.update(b"".join(row.ljust(plane.line_size, b"\0") for _ in range(height)))
        for index in range(round(seconds * 10)):
            frame = picture.reformat(format="yuv420p")
            frame.pts, frame.time_base = index, Fraction(1, 10)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def halves(frame: VideoFrame) -> dict[str, float]:
    """Mean brightness (0-255) of the top, bottom, left and right halves of a picture."""
    plane = frame.reformat(format="gray").planes[0]
    data = bytes(plane)
    width, height, stride = plane.width, plane.height, plane.line_size
    rows = [data[y * stride : y * stride + width] for y in range(height)]

    def mean(block: list[bytes]) -> float:
        return sum(sum(r) for r in block) / max(1, sum(len(r) for r in block))

    return {
        "top": mean(rows[: height // 2]),
        "bottom": mean(rows[height - height // 2 :]),
        "left": mean([r[: width // 2] for r in rows]),
        "right": mean([r[width - width // 2 :] for r in rows]),
    }
