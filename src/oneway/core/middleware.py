"""Per-request context: a request id, request metrics and (with JSON logs) an access line.

The request id comes from the reverse proxy's ``X-Request-ID`` when it looks like one
(nginx's ``$request_id``, see deploy/nginx), else it is made here; it is echoed in the
response's ``X-Request-ID`` and put on every log line written while the request runs.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from oneway.core.logformat import request_id_var, route_of
from oneway.core.metrics import REQUEST_SECONDS, REQUESTS

access_logger = logging.getLogger("oneway.access")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}\Z")


def is_outage(exc: BaseException) -> bool:
    """A shared service (Redis, the object store) did not answer: not a bug, a 503."""
    from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    from oneway.uploads.backends import StorageUnavailable

    outages = (
        RedisConnectionError,
        RedisTimeoutError,
        StorageUnavailable,
        EndpointConnectionError,
        ConnectTimeoutError,
        ReadTimeoutError,
    )
    return isinstance(exc, outages)


def outage_response(request: HttpRequest) -> HttpResponse:
    """503: a problem document for API and upload clients, a plain page for people."""
    detail = _("A service Oneway depends on is briefly unavailable. Try again in a minute.")
    wants_json = request.path.startswith(("/uploads/", "/api/")) or "json" in request.headers.get(
        "Accept", ""
    )
    if wants_json:
        body = json.dumps({"type": "about:blank", "status": 503, "detail": detail})
        response = HttpResponse(body, status=503, content_type="application/problem+json")
    else:
        page = (
            '<!doctype html><html lang="en"><meta charset="utf-8">'
            f"<title>Unavailable</title><h1>Unavailable</h1><p>{escape(detail)}</p></html>"
        )
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = "30"
    return response


def view_label(request: HttpRequest) -> str:
    """The matched URL's name (``uploads:resource``), a bounded set of label values."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or "unnamed"


class _RequestIds:
    """New request ids: 128 bits, a keyed BLAKE2b hash of a counter, the key random per
    process (made again in a forked child). As unique and unpredictable as
    ``os.urandom(16)``, without its system call, which gives up the GIL: on a busy server
    one more thread hand-off per request."""

    def __init__(self) -> None:
        self._start()
        os.register_at_fork(after_in_child=self._start)

    def _start(self) -> None:
        self._key = os.urandom(32)
        self._count = itertools.count()

    def new(self) -> str:
        number = next(self._count).to_bytes(8, "big")  # itertools.count: atomic under the GIL
        return hashlib.blake2b(number, key=self._key, digest_size=16).hexdigest()


_request_ids = _RequestIds()


def request_id_for(given: str) -> str:
    """The proxy's request id when it looks like one, else a new one."""
    return given if _REQUEST_ID.match(given) else _request_ids.new()


def record_request(view: str, method: str, route: str, status: int, elapsed: float) -> None:
    """Count an answered request in the metrics and, with JSON logs, write its access
    line (the route, never the path: a path may hold a capability)."""
    REQUESTS.labels(view, method, str(status)).inc()
    REQUEST_SECONDS.labels(view).observe(elapsed)
    if getattr(settings, "LOG_FORMAT", "plain") == "json":
        access_logger.info(
            "%s %s %d",
            method,
            route,
            status,
            extra={
                "access": {
                    "method": method,
                    "route": route,
                    "view": view,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                }
            },
        )


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request.headers.get("X-Request-ID", ""))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            record_request(
                view_label(request),
                request.method or "",
                route_of(request),
                response.status_code,
                elapsed,
            )
            response["X-Request-ID"] = request_id
            return response
        finally:
            request_id_var.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_outage(exception):
            logging.getLogger(__name__).error("a shared service is unavailable", exc_info=exception)
            return outage_response(request)
        return None
