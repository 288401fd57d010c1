"""The public apply page's form. A page candidates read: its strings are in the candidate's
catalog (oneway.core.catalog), so it lives apart from the staff forms."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from oneway.dashboard.forms import TimeZoneField

# A name as people write theirs: letters with spaces, apostrophes, hyphens, dots and commas.
_APPLICANT_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '’.,-])*$")
# "evil.example", "x.co/…": a dot between letters with no space after it.
_DOMAIN_LIKE = re.compile(r"[^\W\d_]\.[^\W\d_]{2,}")
APPLICANT_NAME_MAX = 80
APPLICANT_NAME_WORDS = 8


class ApplyForm(forms.Form):
    """The public apply page: what the branded email to the given address will repeat is
    only a short, plain name (no links, numbers or long text anyone could relay)."""

    name = forms.CharField(label=_("Your name"), max_length=APPLICANT_NAME_MAX)
    email = forms.EmailField(label=_("Your email"))
    timezone = TimeZoneField(
        label=_("Your time zone"),
        required=False,
        blank_label=_("Not sure"),
        help_text=_("Your deadline is shown in this time zone."),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if (
            not _APPLICANT_NAME.match(name)
            or _DOMAIN_LIKE.search(name)
            or len(name.split()) > APPLICANT_NAME_WORDS
        ):
            raise ValidationError(
                _("Enter your name using letters only (spaces, hyphens and apostrophes are fine).")
            )
        return name
