"""Recognising and measuring recordings: by their bytes, never by a declared type."""

import contextlib
import logging
from typing import Any

import av
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
# ISO base media brands of MP4 (and its fragmented and audio-only variants).
MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso8", b"iso9",
    b"mp41", b"mp42", b"avc1", b"dash", b"M4V ", b"M4A ", b"MSNV", b"cmfc", b"cmf2",
}  # fmt: skip


def sniff_container(prefix: bytes) -> str | None:
    """``"webm"`` (WebM/Matroska), ``"mp4"`` or None, from the first bytes of a file."""
    if prefix.startswith(EBML_MAGIC):
        header = prefix[:64]
        if b"webm" in header or b"matroska" in header:
            return "webm"
        return None
    if len(prefix) >= 12 and prefix[4:8] == b"ftyp":
        size = int.from_bytes(prefix[0:4], "big")
        box = prefix[8 : max(16, min(size, len(prefix)))]
        # major brand, minor version (skipped), then the compatible brands
        brands = {box[0:4]} | {box[i : i + 4] for i in range(8, len(box) - 3, 4)}
        if brands & MP4_BRANDS:
            return "mp4"
    return None


def recording_seconds(storage_name: str) -> float | None:
    """How long a stored recording lasts, from its packets' timestamps.

    MediaRecorder's WebM carries no duration in its header, so the packets of one stream
    are read (demuxed, not decoded; the video stream, which has the fewest packets): about
    0.1 s for a two-minute answer. A file cut short (a tab closed mid-recording) still
    measures up to where it ends. None when nothing can be read.
    """
    end = 0.0
    start: float | None = None
    declared = 0.0
    try:
        with contextlib.ExitStack() as stack:
            source: Any
            try:  # a local file is read by FFmpeg itself, much faster than through Python
                source = default_storage.path(storage_name)
            except NotImplementedError:  # object storage
                source = stack.enter_context(default_storage.open(storage_name, "rb"))
            container = stack.enter_context(av.open(source, mode="r"))
            declared = (container.duration or 0) / 1_000_000
            streams = list(container.streams.video) or list(container.streams.audio)
            if not streams:
                return None
            stream = streams[0]
            time_base = stream.time_base
            last = 0
            for packet in container.demux(stream):
                if packet.pts is None:
                    continue
                if start is None:
                    start = float(packet.pts * time_base) if time_base else 0.0
                last = max(last, packet.pts + (packet.duration or 0))
            if time_base is not None:
                end = float(last * time_base)
    except (av.FFmpegError, OSError, ValueError) as error:
        logger.info("Could not read %s to the end: %s", storage_name, error)
    if start is None:
        return declared or None
    # A header may only ever make it longer: a short declared duration proves nothing.
    return max(end - start, declared)
