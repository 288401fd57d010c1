"""Writing the audit log. Every service calls ``log_action``."""

import ipaddress
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.dispatch import Signal
from django.http import HttpRequest
from python_ipware import IpWare

from oneway.core.models import AuditEntry, Organisation

# Sent with ``entry=<AuditEntry>`` once the transaction that wrote the entry has committed
# (so nothing is announced that was rolled back), for the actions a listener asked for
# with ``announce_actions`` (webhooks do); other entries cost nothing after commit.
action_logged = Signal()
_announced: set[str] = set()


def announce_actions(actions: Iterable[str]) -> None:
    """Ask for ``action_logged`` to be sent for these actions."""
    _announced.update(actions)


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
    """Append one entry. ``actor`` is a user (or None for the system/candidates).

    A request made with an API key (``request.api_key_id``, set by the API) names the key:
    in ``actor_label`` and as ``data["api_key"]``.
    """
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    api_key_id = getattr(request, "api_key_id", None)
    if api_key_id is not None:
        data = {**(data or {}), "api_key": api_key_id}
        if not actor_label:
            actor_label = f"api-key:{api_key_id}"
    if not actor_label:
        actor_label = user.email if user is not None else "system"
    entry = AuditEntry.objects.create(
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
    if action in _announced:
        transaction.on_commit(
            lambda: action_logged.send(sender=AuditEntry, entry=entry), robust=True
        )
    return entry
