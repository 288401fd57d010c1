from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oneway.accounts.permissions import staff_view
from oneway.core.forms import posted
from oneway.core.services.profile import user_profile_update
from oneway.core.timezones import is_valid_timezone


class ProfileForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=200, required=False)
    timezone = forms.CharField(
        label=gettext_lazy("Your time zone"),
        max_length=64,
        required=False,
        help_text=gettext_lazy(
            "Every time on staff pages is shown in this zone and says so. "
            "Leave it empty to use the organisation's zone (%(zone)s)."
        ),
        widget=forms.TextInput(
            attrs={"list": "timezone-names", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: object, org_zone: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["timezone"]
        field.help_text = str(field.help_text) % {"zone": org_zone}

    def clean_timezone(self) -> str:
        value: str = self.cleaned_data["timezone"].strip()
        if value and not is_valid_timezone(value):
            raise ValidationError(
                _(
                    "Unknown time zone “%(name)s”. Use a name like Europe/London or America/New_York."
                ),
                params={"name": value},
            )
        return value


@staff_view("interviews.view")
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    org = request.org  # type: ignore[attr-defined]
    form = ProfileForm(
        posted(request),
        initial={"name": user.name, "timezone": user.timezone},  # type: ignore[union-attr]
        org_zone=org.timezone,
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_profile_update(
                user=user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                timezone=form.cleaned_data["timezone"],
                organisation=org,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("dashboard:profile")
    return render(
        request,
        "dashboard/profile.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
