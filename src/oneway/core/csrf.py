"""CSRF for pages that send no referrer: "Origin: null" accepted, the token still required.

Candidate, live-candidate and share-link pages answer ``Referrer-Policy: no-referrer``
(their URLs or sessions are capabilities that must not travel in a Referer header). With
that policy browsers send ``Origin: null`` on same-origin form posts and fetches, which
Django's origin check refuses. This variant accepts ``null`` as the origin; the CSRF token
(form field or header, matched against the cookie) is still checked, and the SameSite
cookie keeps other sites from carrying it. Any other origin is checked as usual.
"""

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import decorator_from_middleware

F = TypeVar("F", bound=Callable[..., Any])


class NullOriginCsrfViewMiddleware(CsrfViewMiddleware):
    """Django's CSRF protection, accepting ``Origin: null`` (the token is still required)."""

    def _origin_verified(self, request: HttpRequest) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null":
            return True
        return bool(super()._origin_verified(request))  # type: ignore[misc]


_null_origin_protect = decorator_from_middleware(NullOriginCsrfViewMiddleware)


def csrf_protect_null_origin(view: F) -> F:
    """Check CSRF with the variant above instead of the site-wide middleware."""
    protected = cast(Any, _null_origin_protect(view))
    protected.csrf_exempt = True  # the site-wide middleware steps aside for this check
    return cast(F, protected)
