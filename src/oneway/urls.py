from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard:home", permanent=False)),
    path("accounts/", include("oneway.accounts.urls")),
    path("app/", include("oneway.dashboard.urls")),
    path("apply/", include("oneway.dashboard.public_urls")),
    path("c/", include("oneway.candidate.urls")),
    path("uploads/", include("oneway.uploads.urls")),
    path("media/", include("oneway.media.urls")),
    path("live/", include("oneway.live.urls")),
    path("api/", include("oneway.api.urls")),
    path("", include("oneway.core.ops_urls")),
]
