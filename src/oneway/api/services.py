"""API keys and webhook endpoints: every change through here, each with an audit entry."""

import base64
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.api.events import EVENTS
from oneway.api.models import ApiKey, ApiScope, WebhookEndpoint, WebhookMessage
from oneway.core.audit import log_action
from oneway.core.models import Interview, Organisation
from oneway.core.tokens import hash_token

KEY_PREFIX = "ow_"
MAX_LIMITED_INTERVIEWS = 100


def _audit(
    action: str,
    obj: ApiKey | WebhookEndpoint,
    *,
    actor: User,
    request: HttpRequest | None,
    data: dict[str, Any] | None = None,
) -> None:
    log_action(
        action, organisation=obj.organisation, actor=actor, obj=obj, data=data, request=request
    )


def _own_interviews(organisation: Organisation, interviews: Sequence[Interview]) -> list[Interview]:
    if len(interviews) > MAX_LIMITED_INTERVIEWS:
        raise ValidationError({"interviews": [_("Choose at most 100 interviews.")]})
    if any(interview.organisation_id != organisation.pk for interview in interviews):
        raise ValidationError({"interviews": [_("Choose interviews of this organisation.")]})
    return list(interviews)


@transaction.atomic
def api_key_create(
    *,
    organisation: Organisation,
    actor: User,
    name: str,
    scope: str,
    interviews: Sequence[Interview] = (),
    request: HttpRequest | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; returns it and its secret, which is shown once and never stored."""
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the key a name, such as the system that will use it.")]
    if scope not in ApiScope.values:
        errors["scope"] = [_("Choose read or write.")]
    if errors:
        raise ValidationError(errors)
    limited = _own_interviews(organisation, interviews)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        organisation=organisation,
        name=name[:100],
        prefix=secret[:10],
        key_hash=hash_token(secret),
        scope=scope,
        created_by=actor,
    )
    key.interviews.set(limited)
    _audit(
        "api_key.created",
        key,
        actor=actor,
        request=request,
        data={"name": key.name, "scope": scope, "interviews": [i.pk for i in limited]},
    )
    return key, secret


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: User, request: HttpRequest | None = None) -> None:
    if key.revoked_at is not None:
        raise ValidationError(_("This key is already revoked."), code="revoked")
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    _audit("api_key.revoked", key, actor=actor, request=request, data={"name": key.name})


def api_key_record_use(*, key: ApiKey, ip: str | None) -> None:
    """Remember when and from where the key was last used (at most one write a minute)."""
    now = timezone.now()
    if (
        key.last_used_at is not None
        and key.last_used_ip == ip
        and (now - key.last_used_at).total_seconds() < 60
    ):
        return
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, last_used_ip=ip)
    key.last_used_at, key.last_used_ip = now, ip


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _clean_endpoint(url: str, events: Sequence[str]) -> tuple[str, list[str]]:
    errors: dict[str, list[str]] = {}
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors["url"] = [_("Enter a full http:// or https:// address.")]
    unknown = [event for event in events if event not in EVENTS]
    if not events:
        errors["events"] = [_("Choose at least one event.")]
    elif unknown:
        errors["events"] = [_("Unknown events: %(names)s.") % {"names": ", ".join(unknown)}]
    if errors:
        raise ValidationError(errors)
    return url, [event for event in EVENTS if event in events]


@transaction.atomic
def webhook_endpoint_create(
    *,
    organisation: Organisation,
    actor: User,
    url: str,
    events: Sequence[str],
    description: str = "",
    interviews: Sequence[Interview] = (),
    request: HttpRequest | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint; returns it and its signing secret (shown once on the page)."""
    url, events = _clean_endpoint(url, events)
    limited = _own_interviews(organisation, interviews)
    secret = new_webhook_secret()
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation,
        url=url,
        description=description.strip()[:200],
        events=events,
        secret=secret,
        created_by=actor,
    )
    endpoint.interviews.set(limited)
    _audit(
        "webhook.created",
        endpoint,
        actor=actor,
        request=request,
        data={"url": url, "events": events, "interviews": [i.pk for i in limited]},
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    actor: User,
    url: str,
    events: Sequence[str],
    description: str = "",
    interviews: Sequence[Interview] = (),
    enabled: bool = True,
    request: HttpRequest | None = None,
) -> WebhookEndpoint:
    url, events = _clean_endpoint(url, events)
    limited = _own_interviews(endpoint.organisation, interviews)
    endpoint.url = url
    endpoint.events = events
    endpoint.description = description.strip()[:200]
    if enabled and not endpoint.enabled:
        endpoint.failing_since = None
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
    elif not enabled and endpoint.enabled:
        endpoint.disabled_at = timezone.now()
        endpoint.disabled_reason = _("Disabled by %(who)s.") % {"who": actor.email}
    endpoint.enabled = enabled
    endpoint.save()
    endpoint.interviews.set(limited)
    _audit(
        "webhook.updated",
        endpoint,
        actor=actor,
        request=request,
        data={"url": url, "events": events, "enabled": enabled},
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(
    *, endpoint: WebhookEndpoint, actor: User, request: HttpRequest | None = None
) -> None:
    _audit("webhook.deleted", endpoint, actor=actor, request=request, data={"url": endpoint.url})
    endpoint.delete()


@transaction.atomic
def webhook_secret_rotate(
    *, endpoint: WebhookEndpoint, actor: User, request: HttpRequest | None = None
) -> str:
    endpoint.secret = new_webhook_secret()
    endpoint.save(update_fields=["secret"])
    _audit("webhook.secret_rotated", endpoint, actor=actor, request=request)
    return endpoint.secret


@transaction.atomic
def webhook_message_redeliver(
    *, message: WebhookMessage, actor: User, request: HttpRequest | None = None
) -> None:
    """Send a message again now (an attempt of its own, marked manual)."""
    from oneway.api.tasks import deliver_webhook

    _audit(
        "webhook.redelivered",
        message.endpoint,
        actor=actor,
        request=request,
        data={"message": message.msg_id, "event": message.event},
    )
    message_id = message.pk
    transaction.on_commit(lambda: deliver_webhook(message_id, manual=True))
