"""WebVTT captions from timed words."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from oneway.media.transcribe import Word

MAX_WORDS = 8
MAX_CHARS = 42
MAX_SECONDS = 4.0
PAUSE = 0.8  # a pause this long starts a new cue


def _timestamp(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cues(words: Iterable[Word]) -> list[tuple[float, float, str]]:
    """Group words into short caption lines, breaking at pauses and length limits."""
    result: list[tuple[float, float, str]] = []
    current: list[Word] = []

    def flush() -> None:
        if current:
            text = " ".join(w.w for w in current)
            result.append((current[0].start, current[-1].end, text))
            current.clear()

    for word in words:
        if current:
            text_len = sum(len(w.w) + 1 for w in current) + len(word.w)
            if (
                word.start - current[-1].end >= PAUSE
                or len(current) >= MAX_WORDS
                or text_len > MAX_CHARS
                or word.end - current[0].start > MAX_SECONDS
            ):
                flush()
        current.append(word)
    flush()
    return result


def webvtt(words: Iterable[Word]) -> str:
    lines = ["WEBVTT", ""]
    for index, (start, end, text) in enumerate(cues(words), 1):
        lines += [str(index), f"{_timestamp(start)} --> {_timestamp(max(end, start + 0.2))}"]
        lines += [_escape(text), ""]
    return "\n".join(lines)


def track_language(code: str) -> tuple[str, str]:
    """``srclang`` and label of a captions track for a transcript in ``code`` (ISO
    639-1): ("de", "German (automatic transcript)"). Old transcripts, made before the
    language was recorded, were English (PocketSphinx knew only English)."""
    code = (code or "en").lower()
    try:
        name = str(get_language_info(code)["name_translated"])
    except KeyError:
        name = code
    return code, _("%(language)s (automatic transcript)") % {"language": name}
