"""Writing the audit log. Every service calls ``log_action``."""

import ipaddress
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest
from python_ipware import IpWare

from oneway.core.models import AuditEntry, Organisation


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's IP address: the one function every rate limit, the login lockout
    (django-axes) and the audit log use.

    With ``ONEWAY_PROXY_COUNT`` = 0 it is the peer address (``REMOTE_ADDR``): headers a
    client sends are never trusted. Behind N trusted reverse proxies it is the address the
    outermost of them saw: the hop N places from the right of ``X-Forwarded-For`` plus the
    peer (django-ipware's chain logic). A request with fewer hops than that did not come
    through the proxies, so its peer address is used.
    """
    if request is None:
        return None
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    proxies = int(getattr(settings, "ONEWAY_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded or remote is None:
        return remote
    chain = IpWare(precedence=("HTTP_X_FORWARDED_FOR",), proxy_count=proxies)
    ip, _trusted = chain.get_client_ip({"HTTP_X_FORWARDED_FOR": f"{forwarded}, {remote}"})
    return str(ip) if ip is not None else remote


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def log_action(
    action: str,
    *,
    organisation: Organisation | None,
    actor: Any = None,
    actor_label: str = "",
    obj: models.Model | None = None,
    interview_id: int | None = None,
    invitation_id: int | None = None,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry. ``actor`` is a user (or None for the system/candidates)."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if not actor_label:
        actor_label = user.email if user is not None else "system"
    return AuditEntry.objects.create(
        organisation=organisation,
        actor=user,
        actor_label=actor_label,
        action=action,
        object_type=obj._meta.model_name or "" if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        interview_id=interview_id,
        invitation_id=invitation_id,
        data=data or {},
        ip=client_ip(request),
    )
