"""Middle chunks of a recording, answered below Django's request handling (WSGI).

A recording reaches the server as a PATCH every two seconds per candidate, and nearly every
one is a *middle chunk*: it neither creates, starts, declares, completes nor ends its
upload, so no policy hook runs and no one is notified; only the data and the offset change.
Under bench/ingest.py, Django's handler and middleware, parsing the request into an
``HttpRequest`` and building an ``Upload`` from its row cost about as much CPU as the
chunk's durable work itself (bench/README.md). This lane answers those requests as plain
WSGI with the same checks, the same durability and the same response; every other
request goes to the uploads lane (lane.py), before a byte of its body is read, and so does
every one the lane finds is not a middle chunk after all, with the body it read.

A request is a middle chunk by its headers when

- it is ``PATCH /uploads/<uuid>`` (no method override) with ``Tus-Resumable: 1.0.0``,
  ``Content-Type: application/offset+octet-stream``, a Content-Length from 1 to
  UPLOAD_MAX_CHUNK_SIZE and UPLOAD_MEMORY_BUFFER (the body is held in memory), an
  ``Upload-Offset`` and a capability (``X-Upload-Token``), and no ``Upload-Length``,
  ``Upload-Defer-Length``, ``Upload-Checksum`` or chunked body; and it is not an insecure
  request that SECURE_SSL_REDIRECT sends to HTTPS;
- and the database is PostgreSQL (the two-round-trip transaction of rows.py).

Then the body is read first (through the body gate, as any body is), and the upload's row
is read once, locked (``BEGIN; SELECT ... FOR UPDATE``, the ten columns the checks need).
The chunk is stored here when the row says that the token is its capability and still
valid, its data is on local disk (S3 uploads keep to the uploads lane, whose backend needs
the whole row), its first bytes were checked, it is neither complete nor expired, the
offset is its offset, and the chunk stays short of its declared length and within its
size limit: the bytes are written and fsynced and the new offset committed (``UPDATE ...;
COMMIT``), as ``services._append_middle`` does; two round trips in all. Otherwise the
transaction is rolled back and the uploads lane answers, with the body read here as its
input: a wrong or expired capability, a stale offset, a chunk that now ends the upload
(its length declared meanwhile) all get the uploads lane's own answer.

Reading the body before the row, rather than the row first, saves a round trip per chunk
(one wait fewer for a request thread, the measure of this server's rate under load:
bench/README.md) and holds no lock while the body arrives. Its price: a request that
looks like a middle chunk has its body read, up to UPLOAD_MEMORY_BUFFER, before it is
refused; the body gate bounds how many are read at once, as for any body.

The answer has the headers the uploads lane gives a middle chunk (tus and CORS from
views.py, the security headers as Django's own SecurityMiddleware and
XFrameOptionsMiddleware set them, a request id); the request is counted in the same
metrics and written to the access log the same way (``tests/uploads/test_chunk_lane.py``
holds the two lanes' answers side by side).
"""

from __future__ import annotations

import io
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.dispatch import receiver
from django.utils.translation import gettext as _

from oneway.core.logformat import request_id_var
from oneway.core.metrics import REQUEST_SECONDS, REQUESTS
from oneway.core.middleware import record_request, request_id_for
from oneway.uploads import conf
from oneway.uploads.backends import local_append
from oneway.uploads.models import UploadBackend
from oneway.uploads.rows import ChunkRow, can_lock_in_two_trips, chunk_lock
from oneway.uploads.services import (
    ReceivedBody,
    count_acknowledged,
    receive_body,
    token_matches,
)
from oneway.uploads.views import (
    CAPABILITY_HEADER,
    OFFSET_CONTENT_TYPE,
    REFUSALS,
    TUS_VERSION,
    common_headers,
    problem_document,
    refusal,
    upload_state_headers,
)

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# How the uploads lane names these requests in metrics and access lines.
VIEW = "uploads:resource"
ROUTE = "/uploads/<uuid:upload_id>"
_PATH = re.compile(r"/uploads/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\Z")
_SECONDS = REQUEST_SECONDS.labels(VIEW)
_DIGITS = re.compile(r"[0-9]{1,19}\Z")
_TOKEN_KEY = "HTTP_" + CAPABILITY_HEADER.upper().replace("-", "_")
# Any of these and the request is the uploads lane's.
_NOT_A_MIDDLE_CHUNK = (
    "HTTP_X_HTTP_METHOD_OVERRIDE",
    "HTTP_UPLOAD_LENGTH",
    "HTTP_UPLOAD_DEFER_LENGTH",
    "HTTP_UPLOAD_CHECKSUM",
    "HTTP_TRANSFER_ENCODING",
)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A request that looks like a middle chunk, by its headers."""

    upload_id: uuid.UUID
    offset: int
    size: int
    token: str
    secure: bool


def _is_secure(environ: dict[str, Any]) -> bool:
    """``HttpRequest.is_secure`` for a WSGI environ (the proxy's header when configured)."""
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        header, secure_value = proxy
        value = environ.get(header)
        if value is not None:
            return bool(value.split(",", 1)[0].strip() == secure_value)
    return bool(environ.get("wsgi.url_scheme") == "https")


def middle_chunk(environ: dict[str, Any]) -> Chunk | None:
    """The chunk this request carries if its headers make it a middle chunk, else None."""
    if environ.get("REQUEST_METHOD") != "PATCH":
        return None
    match = _PATH.match(environ.get("PATH_INFO", ""))
    token = environ.get(_TOKEN_KEY, "")
    length = environ.get("CONTENT_LENGTH", "")
    offset = environ.get("HTTP_UPLOAD_OFFSET", "")
    if (
        match is None
        or not token
        or environ.get("HTTP_TUS_RESUMABLE") != TUS_VERSION
        or environ.get("CONTENT_TYPE") != OFFSET_CONTENT_TYPE
        or not _DIGITS.match(length)
        or not _DIGITS.match(offset)
        or any(name in environ for name in _NOT_A_MIDDLE_CHUNK)
    ):
        return None
    size = int(length)
    if not 0 < size <= min(conf.max_chunk_size(), conf.memory_buffer()):
        return None
    secure = _is_secure(environ)
    if getattr(settings, "SECURE_SSL_REDIRECT", False) and not secure:
        return None
    return Chunk(uuid.UUID(match.group(1)), int(offset), size, token, secure)


def _takes_lane(row: ChunkRow, chunk: Chunk) -> bool:
    """Whether the row makes this a middle chunk its capability may send (see above)."""
    if row.backend != UploadBackend.LOCAL or row.completed:
        return False
    end = chunk.offset + chunk.size
    return (
        row.prefix_checked
        and not row.expired
        and row.offset == chunk.offset
        and (row.length is None or end < row.length)
        and end <= (row.max_size or conf.max_size())
        and row.capability_live
        and token_matches(chunk.token, row.capability_hash)
    )


@cache
def _security_headers(secure: bool) -> tuple[tuple[str, str], ...]:
    """What Django's SecurityMiddleware and XFrameOptionsMiddleware add to a response (for
    a secure or an insecure request), asked of them once (again when a setting changes)."""
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import HttpResponse
    from django.middleware.clickjacking import XFrameOptionsMiddleware
    from django.middleware.security import SecurityMiddleware

    environ: dict[str, Any] = {
        "REQUEST_METHOD": "PATCH",
        "PATH_INFO": "/uploads/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "443" if secure else "80",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "https" if secure else "http",
    }
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        environ[proxy[0]] = proxy[1] if secure else "http"
    request = WSGIRequest(environ)
    response = HttpResponse(status=204)
    before = set(response.headers)
    response = SecurityMiddleware(HttpResponse).process_response(request, response)
    response = XFrameOptionsMiddleware(HttpResponse).process_response(request, response)
    return tuple((name, value) for name, value in response.items() if name not in before)


@receiver(setting_changed)
def _forget_headers(**kwargs: Any) -> None:
    _security_headers.cache_clear()


@cache
def _counted(status: int) -> Any:
    """The request counter for this lane's answers with ``status`` (labelled once)."""
    return REQUESTS.labels(VIEW, "PATCH", str(status))


class ChunkLane:
    """Middle chunks here, every other request to ``lane`` (the uploads lane)."""

    def __init__(self, lane: WSGIApp) -> None:
        self.lane = lane

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        chunk = middle_chunk(environ)
        if chunk is None:
            return self.lane(environ, start_response)
        db = connections[DEFAULT_DB_ALIAS]
        if not can_lock_in_two_trips(db):
            return self.lane(environ, start_response)
        started = time.perf_counter()
        db.close_if_unusable_or_obsolete()  # what Django does when a request starts
        request_id = request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
        token = request_id_var.set(request_id)
        try:
            answer = self._store(environ, chunk, db)
            if answer is not None:
                status, headers, body = answer
                db.close_if_unusable_or_obsolete()  # and when it ends
                headers += common_headers(environ.get("HTTP_ORIGIN", ""))
                headers += _security_headers(chunk.secure)
                headers.append(("X-Request-ID", request_id))
                _record(status, time.perf_counter() - started)
        finally:
            request_id_var.reset(token)
        if answer is None:  # the uploads lane's after all, with the body read here
            return self.lane(environ, start_response)
        start_response(f"{status} {_reason(status)}", headers)
        return [body]

    def _store(
        self, environ: dict[str, Any], chunk: Chunk, db: BaseDatabaseWrapper
    ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """(status, headers, body): the chunk appended, or why not; None when the locked
        row makes it no middle chunk (``environ``'s input is then the body read here)."""
        received: ReceivedBody | None = None
        try:
            # A body cut short is kept, as on the uploads lane: its bytes are genuine.
            received = receive_body(
                environ["wsgi.input"], announced=chunk.size, limit=chunk.size, checksum=None
            )
            size = received.size
            if size:
                with chunk_lock(chunk.upload_id, db) as lock:
                    row = lock.row
                    if row is not None and _takes_lane(row, chunk):
                        local_append(chunk.upload_id, chunk.offset, received.spool, size)
                        lock.commit(chunk.upload_id, chunk.offset + size)
                        count_acknowledged(size)
                        headers = [("Content-Type", "text/html; charset=utf-8")]
                        headers += upload_state_headers(
                            chunk.offset + size, row.length, row.expires_epoch
                        )
                        return 204, headers, b""
                # Left without a commit: rolled back, the row unlocked.
            environ["wsgi.input"] = io.BytesIO(received.spool.getvalue())
            return None
        except DatabaseError:
            # Nothing was committed: tus clients send the chunk again after a 5xx.
            logger.exception("database unavailable while storing an upload chunk")
            status, headers, body = _problem(
                503, _("The database is unavailable. Try again shortly.")
            )
            return status, [*headers, ("Retry-After", "5")], body
        except REFUSALS as error:  # the uploads lane's answers to the same failures
            status, detail, extra = refusal(error)
            return _problem(status, detail, list(extra.items()))
        finally:
            if received is not None:
                received.close()


def _problem(
    status: int, detail: str, headers: list[tuple[str, str]] | None = None
) -> tuple[int, list[tuple[str, str]], bytes]:
    body = problem_document(status, detail)
    return status, [("Content-Type", "application/problem+json"), *(headers or [])], body


def _record(status: int, elapsed: float) -> None:
    """``record_request`` for this lane's one view and method, with the metrics' children
    looked up once."""
    if getattr(settings, "LOG_FORMAT", "plain") == "json":
        record_request(VIEW, "PATCH", ROUTE, status, elapsed)
        return
    _counted(status).inc()
    _SECONDS.observe(elapsed)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
