"""Recognising and measuring recordings: by their bytes, never by a declared type."""

import contextlib
import logging
from typing import Any

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from oneway.media.probe import RecordingCheck, Unprocessable, check_recording

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


def inspect_recording(
    storage_name: str, *, limit_seconds: float, require_video: bool = False
) -> RecordingCheck:
    """Check a stored recording when its upload completes: real audio/video, and how long.

    MediaRecorder's WebM carries no duration in its header, and one stream says nothing
    about the others, so the packets of every stream are read (demuxed, not decoded, and
    no further than needed to know the recording is too long): about 0.1 s for a
    two-minute answer. A file cut short (a tab closed mid-recording) measures up to where
    it ends and is accepted: what was recorded up to the cut is kept. Raises
    ``Unprocessable`` when the file is not a recording we can play.
    """
    with contextlib.ExitStack() as stack:
        source: Any
        try:  # a local file is read by FFmpeg itself, much faster than through Python
            source = default_storage.path(storage_name)
        except NotImplementedError:  # object storage
            source = stack.enter_context(default_storage.open(storage_name, "rb"))
        try:
            check = check_recording(
                source, limit_seconds=limit_seconds, require_video=require_video
            )
        except OSError as error:
            logger.info("Could not read %s: %s", storage_name, error)
            raise Unprocessable(_("The recording could not be read back.")) from error
    if check.cut_off:
        logger.info("%s is cut off after %.1f s; kept up to the cut", storage_name, check.seconds)
    return check
