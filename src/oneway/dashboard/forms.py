"""Staff forms. They parse and validate input; services do the writing."""

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext_lazy as _

from oneway.accounts.roles import Role
from oneway.core.deadlines import in_zone, local_to_utc
from oneway.core.languages import language_codes
from oneway.core.models import (
    AnswerType,
    DeadlineMode,
    Interview,
    LibraryQuestion,
    Organisation,
    Question,
)
from oneway.core.models.interviews import MAX_REMINDER_HOURS
from oneway.core.services.interviews import INTERVIEW_FIELDS, QUESTION_FIELDS
from oneway.core.timezones import timezone_choices

LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def apply_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: per field where it can."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock date and time, without a zone; the form decides which zone it is in."""

    widget = LocalDateTimeInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", LOCAL_DATETIME_FORMATS)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime.datetime | None:  # type: ignore[override]
        # Parsed as UTC, which has no skipped or repeated hours, so the wall-clock value
        # reaches the form's own zone check whatever zone the staff member reads in.
        with timezone.override(datetime.UTC):
            result = super().to_python(value)
        return result.replace(tzinfo=None) if result is not None else None

    def prepare_value(self, value: Any) -> Any:
        return value


class TimeZoneField(forms.ChoiceField):
    def __init__(self, *, blank_label: "str | StrPromise | None" = None, **kwargs: Any) -> None:
        choices: list[tuple[str, Any]] = list(timezone_choices())
        if blank_label is not None:
            choices = [("", blank_label), *choices]
        super().__init__(choices=choices, **kwargs)


class ReminderHoursField(forms.CharField):
    """``48, 24`` -> [48, 24]."""

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        text = super().to_python(value) or ""
        if not text.strip():
            return []
        hours: list[int] = []
        for part in str(text).replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                number = int(part)
            except ValueError as exc:
                raise ValidationError(
                    _("Write whole hours separated by commas, for example: 48, 24.")
                ) from exc
            if not 1 <= number <= MAX_REMINDER_HOURS:
                raise ValidationError(
                    _("Each reminder must be between 1 and %(max)d hours before the deadline."),
                    params={"max": MAX_REMINDER_HOURS},
                )
            hours.append(number)
        if len(hours) > 5:
            raise ValidationError(_("At most 5 reminders."))
        return sorted(set(hours), reverse=True)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(h) for h in value)
        return value


class InterviewForm(forms.ModelForm):  # type: ignore[type-arg]
    language = forms.ChoiceField(
        label=_("Candidates' language"),
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("Invitations, reminders and the candidate's pages use this language."),
    )
    deadline_at = LocalDateTimeField(
        label=_("Fixed deadline (date and time)"),
        required=False,
        help_text=_("In the time zone below. Used when the deadline is a fixed date."),
    )
    deadline_timezone = TimeZoneField(label=_("Time zone of the fixed deadline"))
    reminder_hours = ReminderHoursField(
        label=_("Reminders (hours before the deadline)"),
        required=False,
        help_text=_(
            "Sent to candidates who have not finished. Comma-separated, for example "
            "48, 24. Leave empty for no reminders."
        ),
    )

    class Meta:
        model = Interview
        fields = list(INTERVIEW_FIELDS)
        widgets = {
            "deadline_mode": forms.RadioSelect,
            "deadline_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "intro_text": forms.Textarea(attrs={"rows": 4}),
            "thank_you_text": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"deadline_mode": _("How the deadline is set")}
        help_texts = {
            "intro_text": _("Shown to candidates on the invitation and the first page."),
            "thank_you_text": _(
                'Shown to candidates under "What happens next" on the page after they send '
                "their answers and in their receipt email: say, for example, when they will "
                "hear from you. Left empty, they read: Your answers are now with the hiring "
                "team at (your organisation). People on the team, not software, review them "
                "and decide what happens next."
            ),
            "deadline_days": _("1 to 90 days."),
            "deadline_time": _("In each candidate's own time zone."),
            "default_thinking_seconds": _("0 to 300 seconds. New questions start with this."),
            "default_answer_seconds": _("10 to 600 seconds (10 minutes)."),
            "default_retakes": _("0 to 5."),
            "grace_minutes": _("Answers still accepted this long after the deadline (0 to 1440)."),
            "apply_link_enabled": _(
                "A public page where candidates enter their name and email and receive a "
                "personal link."
            ),
            "blind_mode": _("Reviewers see candidates' names only after rating them."),
            "keep_originals": _("Keep the uploaded files as well as the processed videos."),
            "retention_days": _(
                "Days after each candidate's deadline before their data is deleted "
                "automatically. Empty: the organisation's setting; 0: kept until deleted."
            ),
        }

    # The fields each fieldset shows, in order (the template walks this).
    fieldsets = [
        (_("About the interview"), ["title", "intro_text", "thank_you_text", "contact_email"]),
        (
            _("Deadline"),
            ["deadline_mode", "deadline_days", "deadline_time", "deadline_at", "deadline_timezone"],
        ),
        (
            _("Answer defaults for new questions"),
            ["default_thinking_seconds", "default_answer_seconds", "default_retakes"],
        ),
        (
            _("Candidates"),
            [
                "language",
                "practice_enabled",
                "accommodations_enabled",
                "apply_link_enabled",
                "grace_minutes",
            ],
        ),
        (_("Reminders"), ["reminder_hours"]),
        (_("Review"), ["blind_mode", "keep_originals"]),
        (_("Candidates' data"), ["retention_days"]),
    ]

    def __init__(self, *args: Any, default_timezone: str = "UTC", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance: Interview = self.instance
        if instance.pk is None and not self.is_bound:
            self.initial.setdefault("deadline_timezone", default_timezone)
        if instance.deadline_at is not None and not self.is_bound:
            local = in_zone(instance.deadline_at, instance.deadline_timezone)
            self.initial["deadline_at"] = local.replace(tzinfo=None)

    def clean_language(self) -> str:
        """Not sent (an older form): the interview keeps its language."""
        return str(self.cleaned_data.get("language") or self.instance.language or "en")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        naive = data.get("deadline_at")
        zone_name = data.get("deadline_timezone") or "UTC"
        if isinstance(naive, datetime.datetime):
            data["deadline_at"] = local_to_utc(naive, zone_name)
        if data.get("deadline_mode") == DeadlineMode.FIXED and not data.get("deadline_at"):
            self.add_error("deadline_at", _("Choose the date and time of the fixed deadline."))
        return data

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class QuestionForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Question
        fields = list(QUESTION_FIELDS)
        widgets = {
            "prompt": forms.Textarea(attrs={"rows": 3}),
            "answer_type": forms.RadioSelect,
            "rubric": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "thinking_seconds": _("0 to 300 seconds between seeing the question and recording."),
            "max_answer_seconds": _("10 to 600 seconds (10 minutes). Video and audio answers."),
            "max_characters": _("50 to 20,000. Text answers."),
            "retakes": _("0 to 5. How many times a candidate may record an answer again."),
            "rubric": _("What good looks like; shown to reviewers only, never to candidates."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answer_type"].choices = AnswerType.choices  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in QUESTION_FIELDS}


class LibraryQuestionForm(QuestionForm):
    class Meta(QuestionForm.Meta):
        model = LibraryQuestion  # type: ignore[assignment]


class InvitationForm(forms.Form):
    name = forms.CharField(label=_("Candidate's name"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    timezone = TimeZoneField(
        label=_("Candidate's time zone"),
        required=False,
        blank_label=_("The organisation's time zone"),
        help_text=_("The deadline is shown to the candidate in this time zone."),
    )
    language = forms.ChoiceField(
        label=_("Candidate's language"),
        required=False,
        help_text=_("The invitation, reminders and the candidate's pages use this language."),
    )
    deadline = LocalDateTimeField(
        label=_("Deadline (optional)"),
        required=False,
        help_text=_(
            "Overrides the interview's deadline. In the candidate's time zone (or the "
            "organisation's if none is chosen)."
        ),
    )

    def __init__(
        self,
        *args: Any,
        default_timezone: str = "UTC",
        interview_language: str = "en",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.default_timezone = default_timezone
        names = dict(settings.LANGUAGES)
        self.fields["language"].choices = [  # type: ignore[attr-defined]
            (
                "",
                _("The interview's language (%(language)s)")
                % {"language": names.get(interview_language, interview_language)},
            ),
            *settings.LANGUAGES,
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        naive = data.get("deadline")
        if isinstance(naive, datetime.datetime):
            data["deadline"] = local_to_utc(naive, data.get("timezone") or self.default_timezone)
        return data


class InvitationImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One candidate per row, with a header row. Columns: name, email, and optionally "
            "timezone (for example Europe/Berlin), deadline (YYYY-MM-DD HH:MM in the "
            "candidate's time zone) and language (a code: %(codes)s; empty: the "
            "interview's). Up to 5,000 rows."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        field.help_text = field.help_text % {"codes": ", ".join(language_codes())}


class ExtendForm(forms.Form):
    deadline = LocalDateTimeField(label=_("New deadline"))
    notify = forms.BooleanField(
        label=_("Email the candidate the new deadline"), required=False, initial=True
    )

    def __init__(self, *args: Any, timezone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone_name = timezone
        self.fields["deadline"].help_text = _("In the candidate's time zone (%(tz)s).") % {
            "tz": timezone
        }

    def clean_deadline(self) -> datetime.datetime:
        return local_to_utc(self.cleaned_data["deadline"], self.zone_name)


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.REVIEWER)

    def __init__(self, *args: Any, can_grant_owner: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_grant_owner:
            self.fields["role"].choices = [  # type: ignore[attr-defined]
                c for c in Role.choices if c[0] != Role.OWNER
            ]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class OrganisationForm(forms.ModelForm):  # type: ignore[type-arg]
    timezone = TimeZoneField(
        label=_("Time zone"),
        help_text=_("Deadlines are shown to candidates in this zone as well as their own."),
    )

    class Meta:
        model = Organisation
        fields = ["name", "timezone", "privacy_contact", "retention_days"]
        help_texts = {
            "privacy_contact": _("Where candidates can ask about their data."),
            "retention_days": _(
                "Candidates' data is deleted automatically this many days after their "
                "interview closes (their deadline; 0 keeps it). An interview can set its own. "
                "Candidates are told on the format card, the privacy notes and the receipt."
            ),
        }

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class BrandingForm(forms.Form):
    """The logo and accent colour; the service decodes the image and checks the contrast."""

    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text=_(
            "A PNG, JPEG or WebP image up to 2 MB, not animated. It is shrunk to fit 400 x 120 "
            "pixels and shown to candidates at the top of their pages and emails."
        ),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    accent_colour = forms.CharField(
        label=_("Accent colour"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"placeholder": "#0b5cad", "autocomplete": "off"}),
        help_text=_(
            "Buttons and links on candidates' pages and emails, as # and six hexadecimal "
            "digits. It must reach a contrast ratio of 4.5:1 (WCAG AA) with white text and "
            "with the page background. Leave empty for Oneway's blue."
        ),
    )

    def __init__(self, *args: Any, has_logo: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_logo:
            del self.fields["remove_logo"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("logo") and cleaned.get("remove_logo"):
            raise ValidationError(
                _("Either upload a new logo or remove the current one, not both.")
            )
        return cleaned
