from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class OrganisationMiddleware:
    """Attach the signed-in user's current organisation and membership to the request.

    A user may belong to several organisations; the current one is kept in the session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from oneway.core.models import Membership

        request.org = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = Membership.objects.filter(user=user).select_related("organisation")
            wanted = request.session.get("org_id")
            membership = None
            if wanted:
                membership = memberships.filter(organisation_id=wanted).first()
            if membership is None:
                membership = memberships.order_by("created_at").first()
            if membership is not None:
                request.org = membership.organisation  # type: ignore[attr-defined]
                request.membership = membership  # type: ignore[attr-defined]
        return self.get_response(request)


class StaffTimezoneMiddleware:
    """Show every time on a staff page in the member's own zone (their profile's, else
    the organisation's). Pages that show a candidate's zone say so with a
    ``{% timezone %}`` block around those times."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        import zoneinfo

        from django.utils import timezone

        org = getattr(request, "org", None)
        user = getattr(request, "user", None)
        if org is None or user is None or not user.is_authenticated:
            return self.get_response(request)
        try:
            timezone.activate(zoneinfo.ZoneInfo(user.timezone_in(org)))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo("UTC"))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
