"""Serving a candidate their own recording, with HTTP Range (players seek with it)."""

import mimetypes
import re
from collections.abc import Iterator
from typing import IO

from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

RANGE = re.compile(r"\Abytes=(\d*)-(\d*)\Z")
BLOCK = 256 * 1024


def _read(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            block = handle.read(min(BLOCK, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block
    finally:
        handle.close()


def content_type_for(name: str, sniffed: str = "") -> str:
    if sniffed == "webm" or name.endswith((".webm", ".mkv")):
        return "video/webm"
    if sniffed == "mp4" or name.endswith((".mp4", ".m4a")):
        return "video/mp4"
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def recording_response(request: HttpRequest, name: str, *, content_type: str) -> HttpResponseBase:
    """The stored file ``name``, whole (200) or one range (206, 416 when unsatisfiable)."""
    if not name or not default_storage.exists(name):
        raise Http404
    size = default_storage.size(name)
    start, end = 0, size - 1
    status = 200
    match = RANGE.match(request.headers.get("Range", "").strip())
    if match and (match.group(1) or match.group(2)):
        first, last = match.group(1), match.group(2)
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # the last N bytes
            start = max(0, size - int(last))
        if start >= size or start > end:
            refused = HttpResponse(status=416)
            refused["Content-Range"] = f"bytes */{size}"
            return refused
        status = 206
    length = end - start + 1
    handle = default_storage.open(name, "rb")
    response = StreamingHttpResponse(_read(handle, start, length), status=status)
    response["Content-Type"] = content_type
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
