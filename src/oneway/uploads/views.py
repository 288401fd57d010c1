"""The tus 1.0.0 HTTP protocol: core, creation, creation-with-upload, creation-defer-length,
termination, checksum and expiration.

Why these views are CSRF-exempt: they are an API for tus clients, not forms. Every request
except OPTIONS must carry the ``Tus-Resumable`` header, which no cross-site form or link
can send; a cross-origin script can only send it after a CORS preflight, which only the
origins in UPLOAD_CORS_ORIGINS pass. The session cookie is SameSite=Lax as well. On top of
that each request is authorised by the upload's policy (a session, a per-upload secret).
Django's CSRF token, by contrast, cannot be attached by off-the-shelf tus clients.
"""

from __future__ import annotations

import json
import logging
import re
from functools import lru_cache
from typing import BinaryIO
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from oneway.uploads import conf
from oneway.uploads.backends import StorageUnavailable
from oneway.uploads.fsio import DataLost, StorageFull
from oneway.uploads.metadata import MetadataError, encode_metadata, parse_metadata
from oneway.uploads.models import Upload
from oneway.uploads.policy import UploadDenied
from oneway.uploads.rows import fetch_upload
from oneway.uploads.services import (
    CHECKSUM_ALGORITHMS,
    Checksum,
    ReceivedBody,
    TusError,
    capability_allows,
    check_declared_length,
    check_offset,
    check_patch_limits,
    check_usable,
    parse_checksum,
    receive_body,
    upload_append,
    upload_create,
    upload_policy,
    upload_terminate,
)

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,creation-defer-length,termination,checksum,expiration"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
METHODS = ("POST", "HEAD", "PATCH", "DELETE", "OPTIONS")
CORS_ALLOW_HEADERS = (
    "Authorization, Content-Type, Tus-Resumable, Upload-Length, Upload-Offset, "
    "Upload-Metadata, Upload-Defer-Length, Upload-Checksum, X-HTTP-Method-Override, "
    "X-Requested-With, X-Upload-Token"
)
CORS_EXPOSE_HEADERS = (
    "Location, X-Upload-Token, Tus-Resumable, Tus-Version, Tus-Max-Size, Tus-Extension, "
    "Tus-Checksum-Algorithm, Upload-Offset, Upload-Length, Upload-Metadata, "
    "Upload-Defer-Length, Upload-Expires"
)
_DIGITS = re.compile(r"[0-9]{1,19}\Z")
_REASONS = {460: "Checksum Mismatch"}


# --- Responses ------------------------------------------------------------------------


def problem_document(status: int, detail: str) -> bytes:
    """An RFC 9457 problem document (tus clients show the body in their error)."""
    return json.dumps({"type": "about:blank", "status": status, "detail": detail}).encode()


def _problem(status: int, detail: str, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(
        problem_document(status, detail),
        status=status,
        content_type="application/problem+json",
        reason=_REASONS.get(status),
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def common_headers(origin: str, *, preflight: bool = False) -> list[tuple[str, str]]:
    """The headers of every tus response: the protocol version, no caching, and CORS for
    an allowed ``origin`` (with the preflight's answers when ``preflight``)."""
    headers = [("Tus-Resumable", TUS_VERSION), ("Cache-Control", "no-store"), ("Vary", "Origin")]
    allowed = conf.cors_origins() if origin else ()
    if origin and (origin in allowed or "*" in allowed):
        headers += [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS),
        ]
        if preflight:
            headers += [
                ("Access-Control-Allow-Methods", ", ".join(METHODS)),
                ("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS),
                ("Access-Control-Max-Age", "86400"),
            ]
    return headers


def _finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
    for name, value in common_headers(request.headers.get("Origin", ""), preflight=preflight):
        response[name] = value
    return response


def upload_state_headers(
    offset: int, length: int | None, expires_epoch: float | None
) -> list[tuple[str, str]]:
    """Where an upload stands: its offset, its length (or that it is deferred) and, while
    in progress, when it expires (seconds since the epoch)."""
    headers = [("Upload-Offset", str(offset))]
    if length is None:
        headers.append(("Upload-Defer-Length", "1"))
    else:
        headers.append(("Upload-Length", str(length)))
    if expires_epoch is not None:
        headers.append(("Upload-Expires", _http_date(expires_epoch)))
    return headers


@lru_cache(maxsize=1024)
def _http_date(epoch: float) -> str:
    """An upload's expiry as an HTTP date: the same value for each of its chunks, so
    formatted once (formatting cost more than a chunk's other headers together)."""
    return http_date(epoch)


def _upload_headers(response: HttpResponse, upload: Upload) -> None:
    expires = None if upload.is_complete else upload.expires_at.timestamp()
    for name, value in upload_state_headers(upload.offset, upload.length, expires):
        response[name] = value


def _options() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Max-Size"] = str(conf.max_size())
    response["Tus-Extension"] = EXTENSIONS
    response["Tus-Checksum-Algorithm"] = ",".join(CHECKSUM_ALGORITHMS)
    response["Allow"] = ", ".join(METHODS)
    return response


# --- Request parsing ------------------------------------------------------------------


def _method(request: HttpRequest) -> str:
    method = request.method or "GET"
    override = request.headers.get("X-HTTP-Method-Override", "").strip().upper()
    if override and method != "OPTIONS":
        if override not in METHODS:
            raise TusError(400, _("Unsupported X-HTTP-Method-Override."))
        return override
    return method


def _number(request: HttpRequest, header: str) -> int | None:
    value = request.headers.get(header)
    if value is None:
        return None
    if not _DIGITS.match(value):
        raise TusError(400, _("%(header)s must be a non-negative integer.") % {"header": header})
    return int(value)


def _declared_length(request: HttpRequest, *, creating: bool) -> int | None:
    length = _number(request, "Upload-Length")
    defer = request.headers.get("Upload-Defer-Length")
    if defer is not None and defer != "1":
        raise TusError(400, _("Upload-Defer-Length must be 1."))
    if creating and (length is None) == (defer is None):
        raise TusError(400, _("Send either Upload-Length or Upload-Defer-Length: 1."))
    return length


def _body_size(request: HttpRequest) -> int | None:
    """The announced body size; None for a chunked body of unknown size."""
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        return None
    value = request.META.get("CONTENT_LENGTH") or "0"
    if not _DIGITS.match(value):
        raise TusError(400, _("Invalid Content-Length."))
    return int(value)


def _body_stream(request: HttpRequest, announced: int | None) -> BinaryIO:
    if announced is None:
        # Django reads nothing without a Content-Length; the server's own stream ends
        # where the chunked body ends.
        return request.META["wsgi.input"]  # type: ignore[no-any-return]
    return request  # type: ignore[return-value]


def _has_body(request: HttpRequest, announced: int | None) -> bool:
    return announced is None or announced > 0


CAPABILITY_HEADER = "X-Upload-Token"


def _authorize(request: HttpRequest, upload: Upload) -> None:
    # The upload's own capability, checked against the row already read: no query. This
    # is what nearly every chunk of a recording takes.
    if capability_allows(upload, request.headers.get(CAPABILITY_HEADER, "")):
        return
    try:
        upload_policy(upload).authorize(request, upload)
    except UploadDenied as denied:
        raise TusError(denied.status, denied.message) from denied


def _get_upload(upload_id: UUID) -> Upload:
    upload = fetch_upload(upload_id)
    if upload is None:
        raise TusError(404, _("There is no such upload."))
    return upload


# --- Views ----------------------------------------------------------------------------


# What an upload request may fail with, answered by ``refusal`` (the chunk lane too).
REFUSALS = (TusError, StorageFull, StorageUnavailable, DataLost, OSError)


def refusal(error: BaseException) -> tuple[int, str, dict[str, str]]:
    """(status, detail, headers) answering one of ``REFUSALS`` (logged unless it is a
    TusError, which answers a client's own mistake)."""
    if isinstance(error, TusError):
        return error.status, error.message, error.headers
    if isinstance(error, StorageFull):
        logger.error("upload storage is full", exc_info=error)
        return 507, _("The server's upload storage is full. Try again later."), {}
    if isinstance(error, StorageUnavailable):
        logger.error("object storage unavailable", exc_info=error)
        return 503, _("The storage is unavailable. Try again shortly."), {"Retry-After": "5"}
    if isinstance(error, DataLost):
        logger.error("in-progress upload data missing", exc_info=error)
        return 500, _("This upload's data was lost on the server."), {}
    # An OSError: nothing was committed, and the client retries (tus clients do on 5xx).
    logger.error("upload I/O error", exc_info=error)
    return 500, _("The server could not store the data. Try again."), {}


def _handle(request: HttpRequest, handler: object, *args: object) -> HttpResponse:
    try:
        response = handler(request, *args)  # type: ignore[operator]
    except REFUSALS as error:
        status, detail, headers = refusal(error)
        response = _problem(status, detail, headers)
        if status == 412:
            response["Tus-Version"] = TUS_VERSION
    if _method_or_none(request) == "HEAD":
        response.content = b""
    return _finish(request, response)


def _method_or_none(request: HttpRequest) -> str | None:
    try:
        return _method(request)
    except TusError:
        return None


def _require_tus(request: HttpRequest) -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise TusError(412, _("This server speaks tus %(version)s.") % {"version": TUS_VERSION})


@csrf_exempt
def collection(request: HttpRequest) -> HttpResponse:
    return _handle(request, _collection)


@csrf_exempt
def resource(request: HttpRequest, upload_id: UUID) -> HttpResponse:
    return _handle(request, _resource, upload_id)


def _not_allowed(allowed: str) -> HttpResponse:
    response = _problem(405, _("Method not allowed."))
    response["Allow"] = allowed
    return response


def _collection(request: HttpRequest) -> HttpResponse:
    method = _method(request)
    if method == "OPTIONS":
        return _options()
    if method != "POST":
        return _not_allowed("POST, OPTIONS")
    _require_tus(request)
    return _create(request)


def _resource(request: HttpRequest, upload_id: UUID) -> HttpResponse:
    method = _method(request)
    if method == "OPTIONS":
        return _options()
    if method not in ("HEAD", "PATCH", "DELETE"):
        return _not_allowed("HEAD, PATCH, DELETE, OPTIONS")
    _require_tus(request)
    upload = _get_upload(upload_id)
    _authorize(request, upload)
    if method == "HEAD":
        check_usable(upload)
        response = HttpResponse(status=200)
        _upload_headers(response, upload)
        if upload.metadata:
            response["Upload-Metadata"] = encode_metadata(upload.metadata)
        return response
    if method == "DELETE":
        upload_terminate(upload_id=upload.id, request=request)
        return HttpResponse(status=204)
    return _patch(request, upload)


def _create(request: HttpRequest) -> HttpResponse:
    length = _declared_length(request, creating=True)
    try:
        metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
    except MetadataError as exc:
        raise TusError(400, str(exc)) from exc
    announced = _body_size(request)
    with_data = _has_body(request, announced)
    checksum = None
    if with_data:
        if request.content_type != OFFSET_CONTENT_TYPE:
            raise TusError(
                415, _("Upload data must be sent as %(type)s.") % {"type": OFFSET_CONTENT_TYPE}
            )
        checksum = parse_checksum(request.headers.get("Upload-Checksum", ""))
        if announced is not None:
            _check_chunk(announced)
            if length is not None and announced > length:
                raise TusError(413, _("The data goes past the upload's declared length."))
    upload = upload_create(request=request, metadata=metadata, length=length)
    capability = upload.capability_token
    if with_data:
        # creation-with-upload: the upload exists whatever happens to its first data; a
        # client told offset 0 simply sends it again with PATCH.
        try:
            upload = _receive_and_append(request, upload, 0, announced, checksum, None)
        except (TusError, StorageFull, StorageUnavailable, DataLost):
            logger.info("initial data of upload %s refused", upload.id, exc_info=True)
    elif length == 0:
        # Nothing will ever be sent: the upload is complete now. Its policy accepts or
        # refuses the empty file (a refusal answers here, and the upload is gone).
        upload = upload_append(
            upload_id=upload.id, offset=0, body=None, length=None, request=request, seen=upload
        )
    response = HttpResponse(status=201)
    response["Location"] = request.build_absolute_uri(reverse("uploads:resource", args=[upload.id]))
    if capability:
        response[CAPABILITY_HEADER] = capability
    _upload_headers(response, upload)
    return response


def _check_chunk(announced: int) -> None:
    if announced > conf.max_chunk_size():
        raise TusError(
            413,
            _("A request may carry at most %(limit)d bytes.") % {"limit": conf.max_chunk_size()},
        )


def _patch(request: HttpRequest, upload: Upload) -> HttpResponse:
    if request.content_type != OFFSET_CONTENT_TYPE:
        raise TusError(415, _("PATCH requests must be %(type)s.") % {"type": OFFSET_CONTENT_TYPE})
    offset = _number(request, "Upload-Offset")
    if offset is None:
        raise TusError(400, _("Upload-Offset is required."))
    length = _declared_length(request, creating=False)
    checksum = parse_checksum(request.headers.get("Upload-Checksum", ""))
    announced = _body_size(request)
    # Refuse what would be refused anyway before reading a byte of the body.
    check_usable(upload)
    check_offset(upload, offset)
    check_declared_length(upload, length)
    if announced is not None:
        _check_chunk(announced)
        check_patch_limits(upload, offset=offset, size=announced, length=length)
    upload = _receive_and_append(request, upload, offset, announced, checksum, length)
    response = HttpResponse(status=204)
    _upload_headers(response, upload)
    return response


def _receive_and_append(
    request: HttpRequest,
    upload: Upload,
    offset: int,
    announced: int | None,
    checksum: Checksum | None,
    length: int | None,
) -> Upload:
    limit = min(conf.max_chunk_size(), (upload.max_size or conf.max_size()) - offset)
    final_length = upload.length if upload.length is not None else length
    if final_length is not None:
        limit = min(limit, final_length - offset)
    body: ReceivedBody | None = None
    if _has_body(request, announced):
        body = receive_body(
            _body_stream(request, announced),
            announced=announced,
            limit=max(limit, 0),
            checksum=checksum,
        )
    try:
        return upload_append(
            upload_id=upload.id,
            offset=offset,
            body=body,
            length=length,
            request=request,
            seen=upload,
        )
    finally:
        if body is not None:
            body.close()
