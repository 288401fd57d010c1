from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from oneway.accounts.forms import JoinForm, SignInForm
from oneway.accounts.models import User


class SignInView(LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@require_http_methods(["GET", "POST"])
def accept_member_invite(request: HttpRequest, token: str) -> HttpResponse:
    from oneway.core.services.members import member_invite_accept, member_invite_lookup

    invite = member_invite_lookup(token=token)
    if invite is None:
        return render(request, "accounts/join_invalid.html", status=404)
    existing = User.objects.filter(email__iexact=invite.email).first()
    user = existing or User(email=invite.email.lower())
    form = JoinForm(user, request.POST or None)
    if existing is not None and request.method == "POST" and request.user == existing:
        member_invite_accept(invite=invite, user=existing)
        return redirect("dashboard:home")
    if request.method == "POST" and form.is_valid():
        user.name = form.cleaned_data["name"]
        user = form.save()
        member_invite_accept(invite=invite, user=user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session["org_id"] = invite.organisation_id
        messages.success(request, _("Welcome to %(org)s.") % {"org": invite.organisation.name})
        return redirect("dashboard:home")
    return render(
        request, "accounts/join.html", {"form": form, "invite": invite, "existing": existing}
    )
