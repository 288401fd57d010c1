"""Sending media files: ranged responses from a local folder, ``X-Accel-Redirect`` to
nginx when configured, or a redirect to a presigned URL on S3.

The content type comes from the variant, never from the uploaded file's name or bytes,
and is never one a browser would run (no HTML, SVG or script); ``nosniff`` stops the
browser from guessing otherwise. nginx, when ``MEDIA_ACCEL_REDIRECT_PREFIX`` is set,
needs an internal location that maps the prefix onto ``MEDIA_ROOT``::

    location /protected-media/ { internal; alias /var/lib/oneway/media/; }

nginx keeps the Content-Type, Content-Disposition and Cache-Control set here, and serves
ranges itself.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils.http import http_date, parse_http_date_safe

from oneway.media.models import MediaItem
from oneway.media.ranges import ByteRange, Unsatisfiable, parse_range
from oneway.media.storage import local_path, media_storage

CHUNK = 256 * 1024
# Content types we send: none of them is executable in a browser.
SAFE_TYPES = {
    "video/mp4",
    "audio/mp4",
    "image/jpeg",
    "text/vtt; charset=utf-8",
    "application/octet-stream",
}


@dataclass(frozen=True)
class MediaFile:
    name: str  # storage name
    content_type: str
    filename: str
    attachment: bool


def media_file(item: MediaItem, variant: str, *, download: bool = False) -> MediaFile:
    """Which stored file a variant is, how to label it; Http404 when it does not exist."""
    base = f"answer-{item.pk}"
    if variant == "rendition" and item.rendition_name:
        is_video = item.rendition_name.endswith(".mp4")
        return MediaFile(
            item.rendition_name,
            "video/mp4" if is_video else "audio/mp4",
            base + (".mp4" if is_video else ".m4a"),
            download,
        )
    if variant == "poster" and item.poster_name:
        return MediaFile(item.poster_name, "image/jpeg", base + ".jpg", download)
    if variant == "thumbnail" and item.thumbnail_name:
        return MediaFile(item.thumbnail_name, "image/jpeg", base + "-thumbnail.jpg", download)
    if variant == "captions" and item.captions_name:
        return MediaFile(item.captions_name, "text/vtt; charset=utf-8", base + ".vtt", download)
    if variant == "original" and item.original_name and item.original_deleted_at is None:
        # Whatever was uploaded: always a download, never rendered by the browser.
        suffix = Path(item.original_name).suffix.lower()
        safe_suffix = suffix if suffix in {".webm", ".mp4", ".mkv", ".m4a", ".ogg", ".mov"} else ""
        return MediaFile(
            item.original_name, "application/octet-stream", base + "-original" + safe_suffix, True
        )
    raise Http404


def serve_media_item(
    request: HttpRequest, item: MediaItem, variant: str, *, download: bool = False, max_age: int = 0
) -> HttpResponseBase:
    """Send one variant of an item. The caller has already decided the viewer may see it."""
    return serve_file(request, media_file(item, variant, download=download), max_age=max_age)


def _common_headers(response: Any, media: MediaFile, max_age: int) -> Any:
    assert media.content_type in SAFE_TYPES
    disposition = "attachment" if media.attachment else "inline"
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{media.filename}\"; filename*=UTF-8''{quote(media.filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={max_age}" if max_age else "private, no-store"
    # Even if a browser did render it, it would run nothing and reach nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Referrer-Policy"] = "no-referrer"
    return response


def serve_file(request: HttpRequest, media: MediaFile, *, max_age: int = 0) -> HttpResponseBase:
    storage = media_storage()
    path = local_path(media.name, storage)
    if path is None:
        return _redirect_presigned(media, storage, max_age)
    prefix = getattr(settings, "MEDIA_ACCEL_REDIRECT_PREFIX", "")
    if prefix:
        response = HttpResponse(content_type=media.content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(media.name)
        response["Accept-Ranges"] = "bytes"
        return _common_headers(response, media, max_age)
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed by the response)
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise Http404 from exc
    return ranged_response(request, handle, media, max_age=max_age)


def _redirect_presigned(media: MediaFile, storage: Any, max_age: int) -> HttpResponse:
    disposition = "attachment" if media.attachment else "inline"
    parameters = {
        "ResponseContentType": media.content_type,
        "ResponseContentDisposition": f'{disposition}; filename="{media.filename}"',
        "ResponseCacheControl": "private, no-store",
    }
    try:
        url = storage.url(media.name, parameters=parameters, expire=max(60, max_age or 300))
    except TypeError:  # a storage without presigning options
        url = storage.url(media.name)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _etag(size: int, mtime: float) -> str:
    return f'"{size:x}-{int(mtime * 1000):x}"'


def ranged_response(
    request: HttpRequest, handle: IO[bytes], media: MediaFile, *, max_age: int = 0
) -> HttpResponseBase:
    """200, 206 (one range, or several as multipart/byteranges), 304 or 416."""
    stat = os.fstat(handle.fileno())
    size, mtime = stat.st_size, stat.st_mtime
    etag = _etag(size, mtime)
    last_modified = http_date(mtime)
    head = request.method == "HEAD"

    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        handle.close()
        not_modified = HttpResponse(status=304)
        not_modified["ETag"] = etag
        return _common_headers(not_modified, media, max_age)

    header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if header and if_range and not _if_range_matches(if_range, etag, mtime):
        header = None  # the file changed since the client's copy: send it whole
    try:
        ranges = parse_range(header, size)
    except Unsatisfiable:
        handle.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        refused["Accept-Ranges"] = "bytes"
        return _common_headers(refused, media, max_age)

    response: StreamingHttpResponse
    if ranges is None:
        response = _stream(handle, [(0, size)], head, status=200)
        response["Content-Length"] = str(size)
        response["Content-Type"] = media.content_type
    elif len(ranges) == 1:
        r = ranges[0]
        response = _stream(handle, [(r.start, r.length)], head, status=206)
        response["Content-Length"] = str(r.length)
        response["Content-Range"] = r.content_range(size)
        response["Content-Type"] = media.content_type
    else:
        boundary = secrets.token_hex(12)
        pieces, length = _multipart_layout(ranges, size, media.content_type, boundary)
        response = _stream_multipart(handle, pieces, head)
        response["Content-Length"] = str(length)
        response["Content-Type"] = f"multipart/byteranges; boundary={boundary}"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = last_modified
    return _common_headers(response, media, max_age)


def _if_range_matches(value: str, etag: str, mtime: float) -> bool:
    value = value.strip()
    if value.startswith('"') or value.startswith("W/"):
        return value == etag  # strong comparison: weak tags never match
    parsed = parse_http_date_safe(value)
    return parsed is not None and int(mtime) <= parsed


def _read_span(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    handle.seek(start)
    remaining = length
    while remaining > 0:
        chunk = handle.read(min(CHUNK, remaining))
        if not chunk:
            break
        remaining -= len(chunk)
        yield chunk


class _Body:
    """The response body: spans of the open file, closed when the response is closed
    (also when the client goes away, or for HEAD, before anything was read)."""

    def __init__(self, handle: IO[bytes], pieces: list[tuple[bytes, int, int]]) -> None:
        self.handle = handle
        self.pieces = pieces  # (bytes to send first, then file start, file length)

    def __iter__(self) -> Iterator[bytes]:
        for prefix, start, length in self.pieces:
            if prefix:
                yield prefix
            if length:
                yield from _read_span(self.handle, start, length)
        self.close()

    def close(self) -> None:
        self.handle.close()


def _stream(
    handle: IO[bytes], spans: list[tuple[int, int]], head: bool, *, status: int
) -> StreamingHttpResponse:
    if head:
        handle.close()
        return StreamingHttpResponse(iter(()), status=status)
    return StreamingHttpResponse(
        _Body(handle, [(b"", start, length) for start, length in spans]), status=status
    )


def _multipart_layout(
    ranges: list[ByteRange], size: int, content_type: str, boundary: str
) -> tuple[list[tuple[bytes, ByteRange | None]], int]:
    pieces: list[tuple[bytes, ByteRange | None]] = []
    for r in ranges:
        head = (
            f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Range: {r.content_range(size)}\r\n\r\n"
        ).encode()
        pieces.append((head, r))
    pieces.append((f"\r\n--{boundary}--\r\n".encode(), None))
    length = sum(len(head) + (r.length if r else 0) for head, r in pieces)
    return pieces, length


def _stream_multipart(
    handle: IO[bytes], pieces: list[tuple[bytes, ByteRange | None]], head: bool
) -> StreamingHttpResponse:
    if head:
        handle.close()
        return StreamingHttpResponse(iter(()), status=206)
    spans = [(header, r.start if r else 0, r.length if r else 0) for header, r in pieces]
    return StreamingHttpResponse(_Body(handle, spans), status=206)
