"""The tus endpoints' own lane through Django: a WSGI handler with a short middleware stack.

Every recording arrives as a stream of PATCH requests (one every second or so per
candidate while recording), so whatever Django does per request is paid hundreds of times
a second. The upload views need little of the site's middleware: they are CSRF-exempt
(see views.py), set no messages, render no pages and never log anyone in. This handler
keeps what they do need, in the same order as the site's stack:

- ``RequestContextMiddleware``: request id, request metrics, the JSON access line;
- ``SecurityMiddleware``: HTTPS redirect, HSTS, nosniff and the other security headers;
- ``SessionMiddleware`` and ``AuthenticationMiddleware``: lazy ``request.session`` and
  ``request.user``, which upload policies use to recognise the candidate or staff member;
- ``XFrameOptionsMiddleware``: the same framing rule as every other response.

``oneway.wsgi.application`` sends paths under ``/uploads/`` here and everything else to
Django's normal handler; the middle chunks of recordings (nearly every upload request) are
answered before this handler by the chunk lane (chunklane.py), which hands it everything
else. Both are Django handlers: signals (request_started/finished, which
recycle database connections), exception handling and URL resolution are Django's own; the
lane only resolves against the upload URLs (``lane_urls``) instead of the whole site's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest
from django.urls import ResolverMatch, get_resolver
from django.utils.module_loading import import_string

UPLOAD_MIDDLEWARE = [
    "oneway.core.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
UPLOADS_PREFIX = "/uploads/"
# The operator's endpoints take the lane too: probes by address, without the site's host
# checks (CommonMiddleware) or sessions being touched.
OPS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# Only upload paths reach the lane: they are resolved against the upload URLs alone.
LANE_URLCONF = "oneway.uploads.lane_urls"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class UploadsHandler(WSGIHandler):
    """Django's WSGI handler, built with ``UPLOAD_MIDDLEWARE`` instead of ``MIDDLEWARE``."""

    def load_middleware(self, is_async: bool = False) -> None:
        # What BaseHandler.load_middleware does, for a stack of plain (sync-capable)
        # request/response middleware without view, template or exception hooks.
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for path in reversed(UPLOAD_MIDDLEWARE):
            middleware = import_string(path)(handler)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        match = get_resolver(LANE_URLCONF).resolve(request.path_info)
        request.resolver_match = match
        return match


class UploadsRouter:
    """Route ``/uploads/...`` to ``uploads`` and every other path to ``site``."""

    def __init__(self, site: WSGIApp, uploads: WSGIApp) -> None:
        self.site = site
        self.uploads = uploads

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith(UPLOADS_PREFIX) or path in OPS_PATHS:
            return self.uploads(environ, start_response)
        return self.site(environ, start_response)


def with_uploads_lane(site: WSGIApp) -> UploadsRouter:
    """Wrap the site's WSGI application so that tus requests take the short lane, and the
    middle chunks of recordings a shorter one still (chunklane.py)."""
    from oneway.uploads.chunklane import ChunkLane

    return UploadsRouter(site, ChunkLane(UploadsHandler()))
