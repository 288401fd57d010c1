"""Webhook messages and their delivery (Standard Webhooks).

An audit entry whose action maps to an event becomes one ``WebhookMessage`` per enabled
endpoint that wants it; the job queue sends it. Each attempt is stored. A failure is tried
again after ``RETRY_DELAYS`` (about 2.7 days in all); an endpoint failing for
``WEBHOOK_DISABLE_AFTER_DAYS`` is disabled and the organisation's admins are emailed.

Requests go only to public addresses (unless ``ONEWAY_WEBHOOK_ALLOW_PRIVATE``): the host
is resolved once, every address is checked, and the connection is made to the checked
address (so a second DNS answer cannot swap it). Redirects are not followed.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from oneway.accounts.roles import Role
from oneway.api.events import ACTION_EVENTS, event_for, iso
from oneway.api.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from oneway.core.audit import log_action
from oneway.core.emails import send_templated_email
from oneway.core.models import AuditEntry, Membership

logger = logging.getLogger(__name__)

# Seconds to wait before each retry after the first attempt (Svix's schedule, stretched to
# about three days): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 14 h, 24 h.
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000, 50400, 86400)
EXCERPT_CHARS = 1000
USER_AGENT = "Oneway-Webhooks/1"


# --- Messages from audit entries ---------------------------------------------------------


def messages_for_entry(entry: AuditEntry) -> list[WebhookMessage]:
    """Create the messages an audit entry calls for (none when it is no event)."""
    if entry.organisation_id is None or entry.action not in ACTION_EVENTS:
        return []
    endpoints = list(
        WebhookEndpoint.objects.filter(
            organisation_id=entry.organisation_id, enabled=True
        ).prefetch_related("interviews")
    )
    if not endpoints:
        return []
    found = event_for(entry)
    if found is None:
        return []
    event, interview_id, data = found
    created = []
    for endpoint in endpoints:
        if event not in endpoint.events:
            continue
        limited = {interview.pk for interview in endpoint.interviews.all()}
        if limited and interview_id not in limited:
            continue
        msg_id = f"msg_{uuid.uuid4().hex}"
        payload = {"type": event, "timestamp": iso(entry.created_at), "data": data}
        try:
            with transaction.atomic():
                message = WebhookMessage.objects.create(
                    endpoint=endpoint,
                    msg_id=msg_id,
                    event=event,
                    audit_entry_id=entry.pk,
                    payload=json.dumps(payload, separators=(",", ":")),
                    next_attempt_at=timezone.now(),
                )
        except IntegrityError:  # this entry was turned into a message already
            continue
        created.append(message)
    return created


# --- Signing -----------------------------------------------------------------------------


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header value: ``v1,<base64 HMAC-SHA256>``."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


# --- Safe HTTP ---------------------------------------------------------------------------


class Refused(Exception):
    """The URL may not be called (a private address, a bad scheme, no such host)."""


def _allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return not ip.is_multicast and not ip.is_unspecified
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> str:
    """One address for ``host`` that may be called; Refused if any answer is not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Refused(f"cannot resolve {host}") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise Refused(f"cannot resolve {host}")
    for address in addresses:
        if not _allowed(address):
            raise Refused(f"{host} resolves to a private or reserved address ({address})")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, body: str, headers: dict[str, str], *, timeout: float) -> Outcome:
    """POST once, to a checked address, without following redirects."""
    started = time.monotonic()

    def done(status: int | None, error: str, excerpt: str = "") -> Outcome:
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(status, error[:300], excerpt[:EXCERPT_CHARS], elapsed)

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return done(None, "only http and https URLs are called")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = resolve(parts.hostname, port)
    except Refused as exc:
        return done(None, f"refused: {exc}")
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address, timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_CHARS).decode("utf-8", "replace")
        return done(response.status, "", excerpt)
    except TimeoutError:
        return done(None, f"no answer within {timeout:g} seconds")
    except (OSError, http.client.HTTPException) as exc:
        return done(None, f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


# --- Delivery ----------------------------------------------------------------------------


def message_attempt(*, message_id: int, manual: bool = False) -> float | None:
    """Send a message once and store the attempt. Returns seconds until the next attempt,
    or None when there is none (delivered, given up, disabled, or a manual resend)."""
    message = (
        WebhookMessage.objects.select_related("endpoint__organisation")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return None
    endpoint = message.endpoint
    if not manual and (message.delivered_at or message.gave_up_at or not endpoint.enabled):
        return None
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message.msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(endpoint.secret, message.msg_id, timestamp, message.payload),
    }
    started_at = timezone.now()
    outcome = post(endpoint.url, message.payload, headers, timeout=settings.WEBHOOK_TIMEOUT)
    WebhookAttempt.objects.create(
        message=message,
        started_at=started_at,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        error=outcome.error,
        response_excerpt=outcome.excerpt,
        manual=manual,
    )
    now = timezone.now()
    message.attempt_count += 1
    if outcome.succeeded:
        message.delivered_at = now
        message.next_attempt_at = None
        message.save(update_fields=["attempt_count", "delivered_at", "next_attempt_at"])
        if endpoint.failing_since is not None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        return None
    if endpoint.failing_since is None:
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
            failing_since=started_at
        )
        endpoint.failing_since = started_at
    elif now - endpoint.failing_since >= datetime.timedelta(
        days=settings.WEBHOOK_DISABLE_AFTER_DAYS
    ):
        endpoint_disable(endpoint=endpoint, now=now)
    if manual:
        message.save(update_fields=["attempt_count"])
        return None
    retries_done = message.attempt_count - 1 - message.attempts.filter(manual=True).count()
    if retries_done >= len(RETRY_DELAYS) or not endpoint.enabled:
        message.gave_up_at = now
        message.next_attempt_at = None
        message.save(update_fields=["attempt_count", "gave_up_at", "next_attempt_at"])
        return None
    delay = RETRY_DELAYS[retries_done]
    message.next_attempt_at = now + datetime.timedelta(seconds=delay)
    message.save(update_fields=["attempt_count", "next_attempt_at"])
    return float(delay)


def endpoint_disable(*, endpoint: WebhookEndpoint, now: datetime.datetime) -> None:
    """Disable an endpoint that has failed for days and tell the organisation's admins."""
    updated = WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
        enabled=False,
        disabled_at=now,
        disabled_reason=f"Failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC",
    )
    endpoint.enabled = False
    if not updated:
        return
    log_action(
        "webhook.disabled",
        organisation=endpoint.organisation,
        obj=endpoint,
        data={"url": endpoint.url, "failing_since": iso(endpoint.failing_since)},
    )
    admins = list(
        Membership.objects.filter(
            organisation=endpoint.organisation,
            role__in=(Role.OWNER, Role.ADMIN),
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )
    if admins:
        from django.urls import reverse

        send_templated_email(
            "webhook_disabled",
            to=admins,
            context={
                "endpoint": endpoint,
                "organisation": endpoint.organisation,
                "days": settings.WEBHOOK_DISABLE_AFTER_DAYS,
                "link": settings.BASE_URL + reverse("dashboard:webhook_detail", args=[endpoint.pk]),
            },
        )


OVERDUE_MINUTES = 10


def overdue_message_ids(*, now: datetime.datetime | None = None) -> list[int]:
    """Messages whose next attempt is long overdue (its task was lost with a worker)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(minutes=OVERDUE_MINUTES)
    return list(
        WebhookMessage.objects.filter(
            delivered_at__isnull=True,
            gave_up_at__isnull=True,
            next_attempt_at__lt=cutoff,
            endpoint__enabled=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )


def queue_for_entry(entry: AuditEntry, **_: Any) -> None:
    """``action_logged`` receiver: create the messages and queue their first attempt."""
    from oneway.api.tasks import deliver_webhook

    for message in messages_for_entry(entry):
        deliver_webhook(message.pk)
