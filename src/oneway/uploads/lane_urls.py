"""The only URLs the uploads lane (lane.py) resolves: the same ones the site mounts
(the uploads, and the operator's health and metrics endpoints)."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("uploads/", include("oneway.uploads.urls")),
    path("", include("oneway.core.ops_urls")),
]
