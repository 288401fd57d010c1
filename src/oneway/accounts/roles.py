"""Roles and what each may do. Views declare a permission; this table decides."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    REVIEWER = "reviewer", _("Reviewer")


# permission name -> roles that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "interviews.view": frozenset({Role.OWNER, Role.ADMIN, Role.REVIEWER}),
    "interviews.edit": frozenset({Role.OWNER, Role.ADMIN}),
    "invitations.view": frozenset({Role.OWNER, Role.ADMIN, Role.REVIEWER}),
    "invitations.manage": frozenset({Role.OWNER, Role.ADMIN}),
    "members.view": frozenset({Role.OWNER, Role.ADMIN, Role.REVIEWER}),
    "members.manage": frozenset({Role.OWNER, Role.ADMIN}),
    "organisation.manage": frozenset({Role.OWNER}),
    # Issue 16: the logo and accent colour candidates see.
    "organisation.branding": frozenset({Role.OWNER, Role.ADMIN}),
    "audit.view": frozenset({Role.OWNER, Role.ADMIN}),
    "reviews.rate": frozenset({Role.OWNER, Role.ADMIN, Role.REVIEWER}),
    "reviews.see_all": frozenset({Role.OWNER, Role.ADMIN}),
    "candidates.reveal": frozenset({Role.OWNER, Role.ADMIN}),
    "decisions.change": frozenset({Role.OWNER, Role.ADMIN, Role.REVIEWER}),
    "media.retry": frozenset({Role.OWNER, Role.ADMIN}),
    "live.view": frozenset({Role.OWNER, Role.ADMIN, Role.REVIEWER}),
    "live.manage": frozenset({Role.OWNER, Role.ADMIN}),
    "exports.create": frozenset({Role.OWNER, Role.ADMIN}),
    "shares.manage": frozenset({Role.OWNER, Role.ADMIN}),
    # Issue 12: people's data requests, retention runs and legal holds.
    "data_requests.manage": frozenset({Role.OWNER, Role.ADMIN}),
    "integrations.manage": frozenset({Role.OWNER, Role.ADMIN}),
}


def role_has(role: str, permission: str) -> bool:
    try:
        return role in PERMISSIONS[permission]
    except KeyError as exc:
        raise KeyError(f"Unknown permission {permission!r}") from exc
