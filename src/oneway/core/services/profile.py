"""A staff member's own profile: the name others see and the zone they read times in."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.core.audit import log_action
from oneway.core.models import Organisation
from oneway.core.timezones import is_valid_timezone


def user_profile_update(
    *,
    user: User,
    name: str,
    timezone: str,
    organisation: Organisation | None,
    request: HttpRequest | None = None,
) -> User:
    """Save ``name`` and ``timezone`` (empty: follow the organisation's zone)."""
    name = name.strip()
    timezone = timezone.strip()
    if timezone and not is_valid_timezone(timezone):
        raise ValidationError(
            {
                "timezone": _(
                    "Unknown time zone “%(name)s”. Use a name like Europe/London "
                    "or America/New_York."
                )
                % {"name": timezone}
            }
        )
    changed = {
        field: value
        for field, value in (("name", name), ("timezone", timezone))
        if getattr(user, field) != value
    }
    if not changed:
        return user
    with transaction.atomic():
        for field, value in changed.items():
            setattr(user, field, value)
        user.save(update_fields=list(changed))
        log_action(
            "account.profile_updated",
            organisation=organisation,
            actor=user,
            obj=user,
            data={
                "fields": sorted(changed),
                **({"timezone": timezone} if "timezone" in changed else {}),
            },
            request=request,
        )
    return user
