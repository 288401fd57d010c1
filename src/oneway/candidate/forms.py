from decimal import Decimal

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from oneway.candidate import rules


def _factor_label(factor: Decimal) -> str:
    if factor == 1:
        return str(_("No extra time"))
    percent = int((factor - 1) * 100)
    return str(
        _("%(percent)d%% more time (x%(factor)s)")
        % {"percent": percent, "factor": number_format(factor)}
    )


def _time_factor_choices() -> list[tuple[str, str]]:
    """Built when the form is shown, so in the candidate's language (not at import)."""
    return [(str(f), _factor_label(f)) for f in rules.TIME_FACTORS]


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I have read the above and I agree."),
        required=True,
        error_messages={"required": _("Tick the box to agree before you start.")},
    )


class AccommodationsForm(forms.Form):
    time_factor = forms.TypedChoiceField(
        label=_("Extra time"),
        choices=_time_factor_choices,
        coerce=Decimal,
        initial="1",
        help_text=_("Applies to the thinking time and to every answer's time limit."),
    )
    text_alternative = forms.BooleanField(
        label=_("I would like to answer in writing instead of recording video or audio."),
        required=False,
    )
    note = forms.CharField(
        label=_("Anything else the team should know (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TextAnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": _("Write your answer before you send it.")},
    )

    def __init__(self, *args: object, max_characters: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["text"]
        field.widget.attrs["maxlength"] = str(max_characters)
        field.validators.append(MaxLengthValidator(max_characters))
        field.help_text = _("Up to %(n)d characters.") % {"n": max_characters}
