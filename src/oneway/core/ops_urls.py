"""The operator's endpoints, mounted at the site's root and in the uploads lane."""

from django.urls import URLPattern, path

from oneway.core import opsviews

urlpatterns: list[URLPattern] = [
    path("healthz", opsviews.healthz, name="healthz"),
    path("readyz", opsviews.readyz, name="readyz"),
    path("metrics", opsviews.metrics, name="metrics"),
]
