"""Forms for staff and candidates. They parse input; the services decide."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oneway.accounts.models import User
from oneway.core.models import Interview, Organisation
from oneway.live.models import LiveOutcome, SlotOffer
from oneway.live.providers import validate_meeting_url
from oneway.live.selectors import MAX_REMINDER_HOURS, organisation_members
from oneway.live.timeutil import make_aware_strict, validate_timezone_name


class TimeZoneField(forms.CharField):
    """A zone name typed (with suggestions) and checked against the tz database."""

    default_validators = [validate_timezone_name]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"list": "timezone-names", "autocomplete": "off", "spellcheck": "false"}
            ),
        )
        super().__init__(**kwargs)


class WallClockField(forms.DateTimeField):
    """A date and time as read on a clock, without a zone (the zone is a separate field)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

    def to_python(self, value: Any) -> datetime.datetime | None:  # type: ignore[override]
        # Parsed as UTC, which has no skipped or repeated hours, so the wall-clock value
        # reaches the form's own zone check whatever zone the staff member reads in.
        with timezone.override(datetime.UTC):
            result = super().to_python(value)
        return result.replace(tzinfo=None) if result is not None else None

    def prepare_value(self, value: Any) -> Any:
        return value


class InterviewerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return obj.display_name


class MeetingUrlField(forms.CharField):
    default_validators = [validate_meeting_url]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("widget", forms.URLInput(attrs={"placeholder": "https://"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).strip()


def parse_reminder_hours(text: str) -> list[int]:
    hours: set[int] = set()
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            value = int(part)
        except ValueError as exc:
            raise ValidationError(
                _("Write whole hours separated by commas, for example: 24, 1")
            ) from exc
        if not 1 <= value <= MAX_REMINDER_HOURS:
            raise ValidationError(
                _("Reminders can be from 1 to %(max)d hours before the start."),
                params={"max": MAX_REMINDER_HOURS},
            )
        hours.add(value)
    return sorted(hours, reverse=True)


class LiveDetailsForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    interview = forms.ModelChoiceField(
        label=gettext_lazy("Position (interview)"),
        queryset=Interview.objects.none(),
        required=False,
        empty_label=gettext_lazy("None: a stand-alone live interview"),
    )
    candidate_name = forms.CharField(label=gettext_lazy("Candidate's name"), max_length=200)
    candidate_email = forms.EmailField(label=gettext_lazy("Candidate's email"))
    candidate_timezone = TimeZoneField(
        label=gettext_lazy("Candidate's time zone"),
        help_text=gettext_lazy("For example Europe/London. Candidates can change it when booking."),
    )
    interviewers = InterviewerChoiceField(
        label=gettext_lazy("Interviewers"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one interviewer.")},
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Duration (minutes)"),
        min_value=5,
        max_value=480,
        initial=30,
        help_text=gettext_lazy("With slots offered, the interview lasts one slot."),
    )
    meeting_url = MeetingUrlField(
        label=gettext_lazy("Meeting link"),
        help_text=gettext_lazy(
            "Zoom, Microsoft Teams, Google Meet, Jitsi, Webex, Whereby or any https:// link."
        ),
    )
    dial_in = forms.CharField(
        label=gettext_lazy("Dial-in or location (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    candidate_notes = forms.CharField(
        label=gettext_lazy("What to prepare (shown to the candidate)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    link_visible_minutes = forms.IntegerField(
        label=gettext_lazy("Show the meeting link on the candidate's page from (minutes before)"),
        min_value=0,
        max_value=10080,
        initial=15,
    )
    candidate_may_reschedule = forms.BooleanField(
        label=gettext_lazy("The candidate may reschedule (or ask for another time)"),
        required=False,
        initial=True,
    )
    change_cutoff_hours = forms.IntegerField(
        label=gettext_lazy("Up to (hours before the start)"), min_value=0, max_value=720, initial=24
    )
    reminder_hours = forms.CharField(
        label=gettext_lazy("Reminders (hours before the start)"),
        initial="24, 1",
        required=False,
        help_text=gettext_lazy("Sent to the candidate and every interviewer."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["interview"].queryset = Interview.objects.filter(  # type: ignore[attr-defined]
            organisation=organisation, archived_at__isnull=True
        ).order_by("title")
        self.fields["interviewers"].queryset = organisation_members(organisation)  # type: ignore[attr-defined]

    def clean_reminder_hours(self) -> list[int]:
        return parse_reminder_hours(self.cleaned_data.get("reminder_hours") or "")

    def details(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            key: data[key]
            for key in (
                "title",
                "interview",
                "candidate_name",
                "candidate_email",
                "candidate_timezone",
                "duration_minutes",
                "meeting_url",
                "dial_in",
                "candidate_notes",
                "link_visible_minutes",
                "candidate_may_reschedule",
                "change_cutoff_hours",
                "reminder_hours",
            )
        }


SCHEDULING_CHOICES = [
    ("slots", gettext_lazy("The candidate picks a slot")),
    ("fixed", gettext_lazy("I pick the time")),
]


class TimeChoiceMixin(forms.Form):
    """Either a time picked by staff (wall clock + zone) or a slot offer."""

    scheduling = forms.ChoiceField(
        label=gettext_lazy("Time"), choices=SCHEDULING_CHOICES, widget=forms.RadioSelect
    )
    starts_at_local = WallClockField(label=gettext_lazy("Starts at"), required=False)
    starts_at_timezone = TimeZoneField(label=gettext_lazy("in time zone"), required=False)
    slot_offer = forms.ModelChoiceField(
        label=gettext_lazy("Slots offered"), queryset=SlotOffer.objects.none(), required=False
    )

    def setup_time_fields(self, organisation: Organisation) -> None:
        self.fields["slot_offer"].queryset = SlotOffer.objects.filter(  # type: ignore[attr-defined]
            organisation=organisation, closed_at__isnull=True
        ).order_by("-created_at")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["starts_at"] = None
        if data.get("scheduling") == "fixed":
            wall, tz_name = data.get("starts_at_local"), data.get("starts_at_timezone")
            if not wall and "starts_at_local" not in self.errors:
                self.add_error("starts_at_local", _("Enter the date and time."))
            if not tz_name and "starts_at_timezone" not in self.errors:
                self.add_error("starts_at_timezone", _("Enter the time zone."))
            if wall and tz_name:
                try:
                    data["starts_at"] = make_aware_strict(wall, tz_name)
                except ValidationError as exc:
                    self.add_error("starts_at_local", exc)
            data["slot_offer"] = None
        elif (
            data.get("scheduling") == "slots"
            and not data.get("slot_offer")
            and "slot_offer" not in self.errors
        ):
            self.add_error("slot_offer", _("Choose the slots to offer (or create an offer first)."))
        return data


class LiveInterviewForm(TimeChoiceMixin, LiveDetailsForm):
    field_order = [
        "title",
        "interview",
        "candidate_name",
        "candidate_email",
        "candidate_timezone",
        "interviewers",
        "duration_minutes",
        "meeting_url",
        "dial_in",
        "candidate_notes",
        "scheduling",
        "starts_at_local",
        "starts_at_timezone",
        "slot_offer",
    ]

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, organisation=organisation, **kwargs)
        self.setup_time_fields(organisation)


class RescheduleForm(TimeChoiceMixin):
    reason = forms.CharField(
        label=gettext_lazy("Message to the candidate and interviewers (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_time_fields(organisation)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (sent to the candidate and interviewers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


RATING_CHOICES = [("", gettext_lazy("No rating"))] + [(str(n), str(n)) for n in range(1, 6)]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("What happened?"), choices=LiveOutcome.choices, widget=forms.RadioSelect
    )
    rating = forms.TypedChoiceField(
        label=gettext_lazy("Rating (1 to 5)"),
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class SlotOfferForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    timezone = TimeZoneField(label=gettext_lazy("Time zone of the times below"))
    slot_minutes = forms.IntegerField(
        label=gettext_lazy("Slot length (minutes)"), min_value=5, max_value=480, initial=30
    )
    buffer_minutes = forms.IntegerField(
        label=gettext_lazy("Buffer between interviews (minutes)"),
        min_value=0,
        max_value=240,
        initial=10,
    )
    minimum_notice_hours = forms.IntegerField(
        label=gettext_lazy("Minimum notice (hours)"), min_value=0, max_value=720, initial=24
    )


class SlotRangeForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start = forms.TimeField(
        label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=gettext_lazy("To"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise ValidationError(_("The range must end after it starts (on the same day)."))
        return data


# One empty row; the page adds more as they are needed (oneway/formset_rows.js).
MAX_SLOT_RANGES = 60


class BaseSlotRangeFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    default_error_messages = {  # noqa: RUF012 (Django's own pattern)
        **forms.BaseFormSet.default_error_messages,
        "too_many_forms": gettext_lazy("Offer at most %(num)d ranges at a time."),
    }


SlotRangeFormSet = forms.formset_factory(
    SlotRangeForm,
    formset=BaseSlotRangeFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_SLOT_RANGES,
    validate_max=True,
)


def ranges_from_formset(
    formset: forms.BaseFormSet,
    tz_name: str,  # type: ignore[type-arg]
) -> list[tuple[datetime.datetime, datetime.datetime]] | None:
    """Aware (UTC) ranges from the rows, or None after adding errors to the rows."""
    ranges = []
    ok = True
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE") or not data.get("date"):
            continue
        try:
            start = make_aware_strict(
                datetime.datetime.combine(data["date"], data["start"]), tz_name
            )
            end = make_aware_strict(datetime.datetime.combine(data["date"], data["end"]), tz_name)
        except ValidationError as exc:
            form.add_error(None, exc)
            ok = False
            continue
        ranges.append((start, end))
    return ranges if ok else None


class CandidateCancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why are you cancelling?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Please tell us why you are cancelling.")},
    )


class CandidateRequestForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Which days and times would suit you?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Tell us which times would suit you.")},
    )
