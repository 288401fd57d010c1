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
    return {
        "current_org": getattr(request, "org", None),
        "current_membership": membership,
        "can": {name.replace(".", "_"): True for name in perms},
    }
