"""WebVTT captions from a transcript's word timings (when the media app made none)."""

from typing import Any

CUE_WORDS = 8
CUE_SECONDS = 3.5


def _stamp(seconds: float) -> str:
    millis = max(0, int(round(seconds * 1000)))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def webvtt(words: list[dict[str, Any]]) -> str:
    cues: list[list[tuple[float, float, str]]] = []
    current: list[tuple[float, float, str]] = []
    for word in words or []:
        try:
            start, end, text = float(word["start"]), float(word["end"]), str(word["w"])
        except (KeyError, TypeError, ValueError):
            continue
        text = text.replace("-->", "->").replace("\n", " ").strip()
        if not text:
            continue
        if current and (len(current) >= CUE_WORDS or end - current[0][0] > CUE_SECONDS):
            cues.append(current)
            current = []
        current.append((start, max(end, start), text))
    if current:
        cues.append(current)
    lines = ["WEBVTT", ""]
    for cue in cues:
        lines.append(f"{_stamp(cue[0][0])} --> {_stamp(cue[-1][1])}")
        lines.append(" ".join(w for _s, _e, w in cue).replace("&", "&amp;").replace("<", "&lt;"))
        lines.append("")
    return "\n".join(lines)
