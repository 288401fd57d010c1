"""Organisations: created by an operator, settings changed by an owner."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from oneway.accounts.roles import Role
from oneway.core.audit import log_action
from oneway.core.models import MemberInvite, Organisation
from oneway.core.timezones import is_valid_timezone
from oneway.core.tokens import new_token

ORGANISATION_FIELDS = ("name", "timezone", "privacy_contact", "retention_days")


def _unique_slug(name: str) -> str:
    base = slugify(name)[:60] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def organisation_create(
    *, name: str, owner_email: str, timezone_name: str = "UTC", actor: Any = None
) -> tuple[Organisation, MemberInvite, str]:
    """A new organisation and an owner invitation; returns the accept token (shown once)."""
    if not name.strip():
        raise ValidationError({"name": [_("Enter a name.")]})
    if not is_valid_timezone(timezone_name):
        raise ValidationError({"timezone": [_("Unknown time zone.")]})
    with transaction.atomic():
        organisation = Organisation.objects.create(
            name=name.strip(), slug=_unique_slug(name), timezone=timezone_name
        )
        token, token_hash = new_token()
        invite = MemberInvite.objects.create(
            organisation=organisation,
            email=owner_email.strip().lower(),
            role=Role.OWNER,
            token_hash=token_hash,
            expires_at=timezone.now() + datetime.timedelta(days=7),
        )
        log_action(
            "organisation.created",
            organisation=organisation,
            actor=actor,
            obj=organisation,
            data={"name": organisation.name, "owner": invite.email},
        )
    return organisation, invite, token


def organisation_update(
    *,
    organisation: Organisation,
    fields: dict[str, Any],
    actor: Any,
    request: HttpRequest | None = None,
) -> Organisation:
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    if "timezone" in fields and not is_valid_timezone(fields["timezone"]):
        raise ValidationError({"timezone": [_("Unknown time zone.")]})
    changed = {
        name: value for name, value in fields.items() if getattr(organisation, name) != value
    }
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.full_clean(exclude=["slug"])
    with transaction.atomic():
        organisation.save()
        if changed:
            log_action(
                "organisation.updated",
                organisation=organisation,
                actor=actor,
                obj=organisation,
                data={"changed": sorted(changed), "values": changed},
                request=request,
            )
    return organisation
