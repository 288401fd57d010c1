"""What every API request passes before its operation runs, in one place.

Body size, the API key (401 for a missing, unknown or revoked one), the key's rate limit
(``RateLimit``/``RateLimit-Policy`` headers on every answer, 429 with ``Retry-After``),
the key's scope (a read key may not write: 403) and ``Idempotency-Key`` on POST (the first
response is stored per key and replayed on a retry).
"""

import datetime
import hashlib
import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from oneway.access import Viewer
from oneway.accounts.roles import Role
from oneway.api.models import ApiKey, ApiScope, IdempotencyRecord
from oneway.api.problems import Problem, field_error, problem_response
from oneway.api.services import api_key_record_use
from oneway.core import ratelimit
from oneway.core.audit import client_ip
from oneway.core.models import Membership
from oneway.core.tokens import hash_token

READ_METHODS = ("GET", "HEAD", "OPTIONS")
RATE_WINDOW = 60
IDEMPOTENCY_HOURS = 24
FAILED_AUTH_PER_MINUTE = 60

View = Callable[..., HttpResponse]


def gateway(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return _handle(view, request, *args, **kwargs)
        except Problem as problem:
            return problem_response(problem, instance=request.path)

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapped


def _handle(view: View, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    _check_size(request)
    key = authenticate(request)
    headers = _rate_limit(key)
    if request.method not in READ_METHODS and key.scope != ApiScope.WRITE:
        raise Problem(403, "This API key may only read.", headers=headers)
    api_key_record_use(key=key, ip=client_ip(request))
    interview_ids = frozenset(key.interviews.values_list("pk", flat=True))
    request.api_key = key  # type: ignore[attr-defined]
    request.api_key_id = key.pk  # type: ignore[attr-defined]
    request.viewer = Viewer(  # type: ignore[attr-defined]
        org=key.organisation,
        user=key.created_by,  # type: ignore[arg-type]
        role=Role.ADMIN,
        interview_ids=interview_ids or None,
        api_key_id=key.pk,
    )
    idempotency_key = request.headers.get("Idempotency-Key")
    if request.method == "POST" and idempotency_key is not None:
        response = _idempotent(view, request, key, idempotency_key, args, kwargs, headers)
    else:
        response = view(request, *args, **kwargs)
    if response.status_code == 405 and not response.get("Content-Type", "").startswith(
        "application/problem+json"
    ):
        allowed = response.get("Allow", "")
        problem = Problem(405, "This method is not allowed here.", f"Allowed: {allowed}.")
        response = problem_response(problem, instance=request.path)
        response["Allow"] = allowed
    for name, value in headers.items():
        response[name] = value
    return response


def _check_size(request: HttpRequest) -> None:
    limit = settings.API_MAX_BODY
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Problem(400, "Content-Length is not a number.") from None
    too_big = Problem(
        413,
        "The request body is too large.",
        f"At most {limit} bytes.",
        errors=[field_error("body", f"At most {limit} bytes.")],
    )
    if length > limit:
        raise too_big
    try:
        if len(request.body) > limit:
            raise too_big
    except RequestDataTooBig:
        raise too_big from None


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(
            401,
            "An API key is required.",
            "Send it as 'Authorization: Bearer <key>'.",
        )
    return token.strip()


def authenticate(request: HttpRequest) -> ApiKey:
    token = _bearer(request)
    key = (
        ApiKey.objects.select_related("organisation", "created_by")
        .filter(key_hash=hash_token(token))
        .first()
    )
    invalid = Problem(401, "This API key is not valid.", "It is unknown or has been revoked.")
    if key is None or key.revoked_at is not None:
        if not ratelimit.allow(
            f"api-auth:{client_ip(request)}", limit=FAILED_AUTH_PER_MINUTE, window=60
        ):
            raise Problem(
                429, "Too many attempts with invalid keys.", headers={"Retry-After": "60"}
            )
        raise invalid
    creator_is_admin = (
        key.created_by is not None
        and key.created_by.is_active
        and Membership.objects.filter(
            organisation_id=key.organisation_id,
            user=key.created_by,
            role__in=(Role.OWNER, Role.ADMIN),
        ).exists()
    )
    if not creator_is_admin:
        raise Problem(
            401,
            "This API key is not valid.",
            "The member who created it is no longer an owner or admin of the organisation.",
        )
    return key


def _rate_limit(key: ApiKey) -> dict[str, str]:
    limit = settings.API_RATE_LIMIT
    now = time.time()
    window_start = math.floor(now / RATE_WINDOW)
    cache_key = f"api-rate:{key.pk}:{window_start}"
    cache.add(cache_key, 0, timeout=RATE_WINDOW + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=RATE_WINDOW + 1)
        count = 1
    reset = max(1, math.ceil((window_start + 1) * RATE_WINDOW - now))
    headers = {
        "RateLimit-Policy": f'"per-key";q={limit};w={RATE_WINDOW}',
        "RateLimit": f'"per-key";r={max(0, limit - count)};t={reset}',
    }
    if count > limit:
        raise Problem(
            429,
            "Too many requests for this API key.",
            f"At most {limit} requests a minute; try again in {reset} seconds.",
            headers={**headers, "Retry-After": str(reset)},
        )
    return headers


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.get_full_path()):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _idempotent(
    view: View,
    request: HttpRequest,
    key: ApiKey,
    idempotency_key: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    headers: dict[str, str],
) -> HttpResponse:
    idempotency_key = idempotency_key.strip()
    if not idempotency_key or len(idempotency_key) > 255:
        raise Problem(
            400,
            "Idempotency-Key must be 1 to 255 characters.",
            errors=[field_error("Idempotency-Key", "1 to 255 characters.")],
        )
    fingerprint = _fingerprint(request)
    cutoff = timezone.now() - datetime.timedelta(hours=IDEMPOTENCY_HOURS)
    IdempotencyRecord.objects.filter(api_key=key, created_at__lt=cutoff).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                api_key=key, key=idempotency_key, fingerprint=fingerprint
            )
    except IntegrityError:
        return _replay(key, idempotency_key, fingerprint, headers)
    try:
        response = view(request, *args, **kwargs)
    except BaseException:
        record.delete()
        raise
    if response.status_code >= 500 or response.streaming:
        record.delete()
        return response
    record.status_code = response.status_code
    record.content_type = response.get("Content-Type", "")
    record.body = response.content
    record.save(update_fields=["status_code", "content_type", "body"])
    return response


def _replay(
    key: ApiKey, idempotency_key: str, fingerprint: str, headers: dict[str, str]
) -> HttpResponse:
    record = IdempotencyRecord.objects.get(api_key=key, key=idempotency_key)
    if record.fingerprint != fingerprint:
        raise Problem(
            422,
            "This Idempotency-Key was used for a different request.",
            errors=[field_error("Idempotency-Key", "Used before with another request.")],
            headers=headers,
        )
    if record.status_code is None:
        raise Problem(
            409,
            "A request with this Idempotency-Key is still being processed.",
            headers={**headers, "Retry-After": "1"},
        )
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response
