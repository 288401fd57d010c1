import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oneway.reviews.decision_emails import EMAIL_STATUSES
from oneway.reviews.models import DecisionStatus, Recommendation


class ReviewForm(forms.Form):
    recommendation = forms.ChoiceField(
        label=_("Overall recommendation"),
        choices=Recommendation.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Private note"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only you (and admins) see it until others have submitted theirs."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Mention a colleague with @ and their handle to email them."),
    )
    time_code = forms.CharField(
        label=_("At (minutes:seconds)"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6, "placeholder": "1:23"}),
    )
    answer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    parent_id = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), choices=DecisionStatus.choices)
    reason = forms.CharField(
        label=_("Reason (optional, for the team)"),
        required=False,
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notify = forms.BooleanField(
        label=_("Email the candidate (from this interview's template for the decision)"),
        required=False,
    )


class DecisionEmailForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 10}))


def default_expiry() -> datetime.date:
    return (timezone.now() + datetime.timedelta(days=7)).date()


class ShareLinkForm(forms.Form):
    label = forms.CharField(
        label=_("Shared with"),
        max_length=200,
        help_text=_("Who the link is for, e.g. “Dana Smith, hiring manager”."),
    )
    expires_on = forms.DateField(
        label=_("Expires at the end of"),
        initial=default_expiry,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    allow_rating = forms.BooleanField(label=_("Allow them to rate the answers"), required=False)
    invitations = forms.TypedMultipleChoiceField(
        label=_("Candidates"), coerce=int, widget=forms.CheckboxSelectMultiple
    )


EMAIL_STATUS_CHOICES = [(s.value, s.label) for s in EMAIL_STATUSES]
