from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from oneway.accounts.forms import JoinForm, SignInForm
from oneway.accounts.models import User
from oneway.core.audit import client_ip
from oneway.core.forms import posted
from oneway.core.ratelimit import allow

RESET_IP_LIMIT = 10  # password reset requests per IP address per hour
RESET_EMAIL_LIMIT = 3  # reset emails per address per hour


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password reset, throttled: per IP address (a 429 page) and per email
    address (beyond the limit nothing more is sent, and the page reads the same, so it
    reveals nothing about the address)."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        if not allow(
            f"reset-ip:{client_ip(self.request) or '-'}", limit=RESET_IP_LIMIT, window=3600
        ):
            return render(self.request, "accounts/password_reset_limited.html", status=429)
        email = form.cleaned_data["email"].strip().lower()
        if not allow(f"reset-email:{email}", limit=RESET_EMAIL_LIMIT, window=3600):
            return redirect(self.get_success_url())
        return super().form_valid(form)


class SignInView(LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        return context


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """What django-axes answers once an account or an address is locked out."""
    minutes = max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


@require_http_methods(["GET", "POST"])
def accept_member_invite(request: HttpRequest, token: str) -> HttpResponse:
    from oneway.core.services.members import member_invite_accept, member_invite_lookup

    invite = member_invite_lookup(token=token)
    if invite is None:
        return render(request, "accounts/join_invalid.html", status=404)
    existing = User.objects.filter(email__iexact=invite.email).first()
    if existing is not None:
        # Someone who already has an account joins by signing in, never by a new password.
        signed_in = request.user.is_authenticated and request.user.pk == existing.pk
        if request.method == "POST" and signed_in:
            try:
                member_invite_accept(invite=invite, user=existing, request=request)
            except ValidationError:
                return render(request, "accounts/join_invalid.html", status=404)
            request.session["org_id"] = invite.organisation_id
            messages.success(request, _("Welcome to %(org)s.") % {"org": invite.organisation.name})
            return redirect("dashboard:home")
        login_url = reverse("accounts:login") + "?" + urlencode({"next": request.path})
        return render(
            request,
            "accounts/join_existing.html",
            {"invite": invite, "signed_in": signed_in, "login_url": login_url},
        )
    user = User(email=invite.email.lower())
    form = JoinForm(user, posted(request))
    if request.method == "POST" and form.is_valid():
        user.name = form.cleaned_data["name"]
        user = form.save()
        try:
            member_invite_accept(invite=invite, user=user, request=request)
        except ValidationError:
            return render(request, "accounts/join_invalid.html", status=404)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session["org_id"] = invite.organisation_id
        messages.success(request, _("Welcome to %(org)s.") % {"org": invite.organisation.name})
        return redirect("dashboard:home")
    return render(
        request,
        "accounts/join.html",
        {"form": form, "invite": invite},
        status=400 if request.method == "POST" else 200,
    )
