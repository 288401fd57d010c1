"""The organisation's own settings (owners only)."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from oneway.accounts.permissions import staff_view
from oneway.core.forms import posted
from oneway.core.services.organisations import organisation_update
from oneway.dashboard.forms import OrganisationForm, apply_service_errors


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
