"""The organisation's own settings (owners) and its branding (owners and admins)."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from oneway.accounts.permissions import staff_view
from oneway.core.forms import posted
from oneway.core.services.branding import organisation_branding_update
from oneway.core.services.organisations import organisation_update
from oneway.dashboard.forms import BrandingForm, OrganisationForm, apply_service_errors


@staff_view("organisation.manage")
def organisation_settings(request: HttpRequest) -> HttpResponse:
    organisation = request.org  # type: ignore[attr-defined]
    form = OrganisationForm(posted(request), instance=copy.copy(organisation))
    if request.method == "POST" and form.is_valid():
        try:
            organisation_update(
                organisation=organisation,
                fields=form.service_fields(),
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Organisation settings saved."))
            return redirect("dashboard:organisation_settings")
    return render(request, "dashboard/organisation_settings.html", {"form": form})


@staff_view("organisation.branding")
def organisation_branding(request: HttpRequest) -> HttpResponse:
    """The logo and accent colour candidates see (owners and admins)."""
    organisation = request.org  # type: ignore[attr-defined]
    data = posted(request)
    form = BrandingForm(
        data,
        request.FILES if data is not None else None,
        has_logo=bool(organisation.logo),
        initial={"accent_colour": organisation.accent_colour},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["logo"]
        try:
            organisation_branding_update(
                organisation=organisation,
                actor=request.user,
                accent_colour=form.cleaned_data["accent_colour"],
                logo=upload,
                logo_size=upload.size if upload else 0,
                remove_logo=form.cleaned_data.get("remove_logo", False),
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Branding saved."))
            return redirect("dashboard:organisation_branding")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "dashboard/organisation_branding.html",
        {"form": form, "organisation": organisation},
        status=status,
    )
