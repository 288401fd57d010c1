from functools import cache
from typing import Any

from django.http import HttpRequest

from oneway.accounts.roles import PERMISSIONS


def organisation(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    perms = (
        {name for name, roles in PERMISSIONS.items() if membership.role in roles}
        if membership
        else set()
    )

    @cache
    def other_memberships() -> list[Any]:
        """The user's other organisations, for the switcher (queried only when shown)."""
        from oneway.core.models import Membership

        if membership is None:
            return []
        return list(
            Membership.objects.filter(user_id=membership.user_id)
            .exclude(pk=membership.pk)
            .select_related("organisation")
            .order_by("organisation__name")
        )

    return {
        "current_org": getattr(request, "org", None),
        "current_membership": membership,
        "other_memberships": other_memberships,
        "can": {name.replace(".", "_"): True for name in perms},
    }
