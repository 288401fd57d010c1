"""An organisation's branding (logo, accent colour), changed by its owners and admins."""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from oneway.core import branding
from oneway.core.audit import log_action
from oneway.core.models import Organisation
from oneway.media import storage


def organisation_branding_update(
    *,
    organisation: Organisation,
    actor: Any,
    accent_colour: str,
    logo: IO[bytes] | None = None,
    logo_size: int = 0,
    remove_logo: bool = False,
    request: HttpRequest | None = None,
) -> Organisation:
    """Set the accent colour (empty: Oneway's own) and replace or remove the logo.

    Nothing changes unless everything given is valid. A new logo is stored under a new
    name, so browsers and mail clients that cached the old one never show it for the new
    URL; the old file is deleted once the change is committed.
    """
    accent_colour = branding.normalise_colour(accent_colour)
    errors: dict[str, list[Any]] = {}
    if accent_colour and (accent_problems := branding.accent_errors(accent_colour)):
        errors["accent_colour"] = list(accent_problems)
    prepared = None
    if logo is not None:
        try:
            prepared = branding.logo_prepare(logo, size=logo_size)
        except ValidationError as exc:
            errors["logo"] = [exc]
    if errors:
        raise ValidationError(errors)

    changed: dict[str, Any] = {}
    if accent_colour != organisation.accent_colour:
        changed["accent_colour"] = accent_colour
    old_logo = organisation.logo
    new_name = ""
    if prepared is not None:
        new_name = branding.logo_storage_name(organisation.pk)
        storage.put_bytes(prepared.png, new_name, storage.work_dir_root())
        changed["logo"] = "replaced" if old_logo else "added"
    elif remove_logo and old_logo:
        changed["logo"] = "removed"
    if not changed:
        return organisation

    try:
        with transaction.atomic():
            organisation.accent_colour = accent_colour
            if prepared is not None:
                organisation.logo = new_name
                organisation.logo_width = prepared.width
                organisation.logo_height = prepared.height
            elif "logo" in changed:
                organisation.logo, organisation.logo_width, organisation.logo_height = "", 0, 0
            organisation.save(update_fields=["accent_colour", "logo", "logo_width", "logo_height"])
            log_action(
                "organisation.branding_changed",
                organisation=organisation,
                actor=actor,
                obj=organisation,
                data=changed,
                request=request,
            )
            if old_logo and "logo" in changed:
                transaction.on_commit(lambda: storage.delete(old_logo))
    except Exception:
        if new_name:
            storage.delete(new_name)
        raise
    return organisation
