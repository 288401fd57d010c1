"""Declaring permissions on staff views.

Every staff view is wrapped in ``staff_view(permission)``: it requires a signed-in member
of an organisation and answers 403 when the member's role lacks the permission. The view
then finds every object through the access gate (``oneway.access``: another
organisation's or an unassigned object answers 404); the isolation and blind-leak tests
walk every URL to prove it.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from oneway.accounts.roles import role_has

View = Callable[..., HttpResponse]


def staff_view(permission: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None)
            if membership is None:
                return render(request, "accounts/no_organisation.html", status=403)
            if not role_has(membership.role, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.staff_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator
