"""Public pages that belong to the staff side: an interview's apply page."""

from django.urls import path

from oneway.dashboard.views import apply

app_name = "apply"
urlpatterns = [path("<str:apply_token>/", apply.apply, name="apply")]
