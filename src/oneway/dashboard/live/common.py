from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from oneway.accounts.models import User

# Service error keys that are not form fields of the same name.
FIELD_ALIASES = {"starts_at": "starts_at_local", "invitation": None, "ranges": None}


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields (or the form as a whole)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = FIELD_ALIASES.get(field, field)
            if target is not None and target in form.fields:
                form.add_error(target, errors)
            else:
                form.add_error(None, errors)
    else:
        form.add_error(None, error)


def safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def staff_user(request: HttpRequest) -> User:
    """The signed-in member (``staff_view`` has already refused anyone else)."""
    user = request.user
    assert isinstance(user, User)
    return user
