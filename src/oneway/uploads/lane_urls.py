"""The only URLs the uploads lane (lane.py) resolves: the same ones the site mounts."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("uploads/", include("oneway.uploads.urls")),
]
