from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class JoinForm(SetPasswordForm):  # type: ignore[type-arg]
    name = forms.CharField(label=_("Your name"), max_length=200)

    field_order = ["name", "new_password1", "new_password2"]
