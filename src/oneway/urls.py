from typing import Any

from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from oneway.candidate.live_urls import urlpatterns as candidate_live_urls
from oneway.dashboard.live_urls import urlpatterns as dashboard_live_urls


class FaviconRedirect(RedirectView):
    """Browsers and tools that ask for /favicon.ico get the SVG icon the pages link to."""

    permanent = True

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        return static("oneway/favicon.svg")


urlpatterns = [
    path("favicon.ico", FaviconRedirect.as_view(), name="favicon"),
    path("", RedirectView.as_view(pattern_name="dashboard:home", permanent=False)),
    path("accounts/", include("oneway.accounts.urls")),
    path("app/", include("oneway.dashboard.urls")),
    path("apply/", include("oneway.dashboard.public_urls")),
    path("c/", include("oneway.candidate.urls")),
    path("uploads/", include("oneway.uploads.urls")),
    path("media/", include("oneway.media.urls")),
    # Live interviews: staff doors in dashboard, candidate doors in candidate; one namespace.
    path("live/", include((dashboard_live_urls + candidate_live_urls, "live"))),
    path("api/", include("oneway.api.urls")),
    path("", include("oneway.core.ops_urls")),
]
