"""The operator's endpoints: ``/healthz``, ``/readyz`` and ``/metrics``.

They are served by the uploads lane as well as the site (see oneway/uploads/lane.py), so a
load balancer can probe a host by its address, without the public host name, and on
plain HTTP (settings.SECURE_REDIRECT_EXEMPT).
"""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from oneway.core.health import readiness
from oneway.core.metrics import exposition


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers requests. Nothing else is checked, so a database
    outage does not make an orchestrator restart every web server at once."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database, the media storage and the job queue (and the cache on
    Redis) answer. 503 with a problem document naming what does not."""
    results = readiness()
    checks: dict[str, dict[str, bool | str]] = {
        r.name: ({"ok": True} if r.ok else {"ok": False, "detail": r.detail}) for r in results
    }
    if all(r.ok for r in results):
        return JsonResponse({"status": "ready", "checks": checks})
    failing = ", ".join(r.name for r in results if not r.ok)
    body = {
        "type": "about:blank",
        "title": "Not ready",
        "status": 503,
        "detail": f"Not reachable: {failing}.",
        "checks": checks,
    }
    response = HttpResponse(json.dumps(body), status=503, content_type="application/problem+json")
    response["Retry-After"] = "5"
    return response


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition, for a scraper that sends ``ONEWAY_METRICS_TOKEN`` as a
    bearer token. Without a configured token the endpoint does not exist (404)."""
    token = getattr(settings, "METRICS_TOKEN", "")
    if not token:
        return HttpResponse("Not found.", status=404, content_type="text/plain")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("Unauthorized.", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)
