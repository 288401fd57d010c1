"""HTTP Range requests (RFC 9110 §14) for single files.

Safari will not play a video whose server ignores ``Range``; Django's ``FileResponse``
does not implement it.
"""

from __future__ import annotations

from dataclasses import dataclass

# More ranges than this (after merging) are answered with the whole file, which RFC 9110
# allows, rather than a large multipart body built from many tiny pieces.
MAX_RANGES = 16


class Unsatisfiable(Exception):
    """No requested range overlaps the file: 416."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> list[ByteRange] | None:
    """The ranges to send, merged and in order; None to send the whole file (no header,
    a header we do not understand, or too many ranges); ``Unsatisfiable`` for 416."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        return None
    wanted: list[ByteRange] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        first, dash, last = part.partition("-")
        if not dash:
            return None
        first, last = first.strip(), last.strip()
        try:
            if first == "":
                # Suffix: the last N bytes.
                suffix = int(last)
                if suffix < 0 or not last.isdigit():
                    return None
                if suffix == 0 or size == 0:
                    continue
                wanted.append(ByteRange(max(0, size - suffix), size - 1))
                continue
            if not first.isdigit() or (last and not last.isdigit()):
                return None
            start = int(first)
            end = int(last) if last else size - 1
        except ValueError:
            return None
        if last and end < start:
            return None  # syntactically invalid: ignore the header
        if start >= size:
            continue  # unsatisfiable on its own
        wanted.append(ByteRange(start, min(end, size - 1)))
    if not wanted:
        raise Unsatisfiable
    merged: list[ByteRange] = []
    for r in sorted(wanted, key=lambda r: r.start):
        if merged and r.start <= merged[-1].end + 1:
            last_range = merged[-1]
            merged[-1] = ByteRange(last_range.start, max(last_range.end, r.end))
        else:
            merged.append(r)
    if len(merged) > MAX_RANGES:
        return None
    return merged
