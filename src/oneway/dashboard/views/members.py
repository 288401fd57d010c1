"""The team: members, their roles, and invitations to join."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oneway.access import viewer_from, visible_member_invites, visible_memberships
from oneway.accounts.permissions import staff_view
from oneway.accounts.roles import Role, role_has
from oneway.core.forms import posted
from oneway.core.models import MemberInvite, Membership
from oneway.core.services.members import (
    member_invite_create,
    member_invite_resend,
    member_invite_revoke,
    membership_change_role,
    membership_remove,
)
from oneway.dashboard.forms import MemberInviteForm, RoleForm, apply_service_errors


def _membership(request: HttpRequest, member_id: int) -> Membership:
    return get_object_or_404(
        visible_memberships(viewer_from(request)).select_related("user", "organisation"),
        pk=member_id,
    )


def _invite(request: HttpRequest, member_invite_id: int) -> MemberInvite:
    return get_object_or_404(
        visible_member_invites(viewer_from(request)).select_related("organisation"),
        pk=member_invite_id,
    )


@staff_view("members.view")
def member_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from(request)
    membership = request.membership  # type: ignore[attr-defined]
    members = (
        visible_memberships(viewer).select_related("user").order_by("user__name", "user__email")
    )
    pending = (
        visible_member_invites(viewer)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .order_by("-created_at")
    )
    is_owner = membership.role == Role.OWNER
    return render(
        request,
        "dashboard/member_list.html",
        {
            "members": members,
            "pending": pending,
            "can_manage": role_has(membership.role, "members.manage"),
            "is_owner": is_owner,
            "roles": Role.choices if is_owner else [c for c in Role.choices if c[0] != Role.OWNER],
        },
    )


@staff_view("members.manage")
def member_invite_view(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    is_owner = request.membership.role == Role.OWNER  # type: ignore[attr-defined]
    form = MemberInviteForm(posted(request), can_grant_owner=is_owner)
    if request.method == "POST" and form.is_valid():
        try:
            invite = member_invite_create(
                organisation=org,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invite.email})
            return redirect("dashboard:member_list")
    return render(
        request,
        "dashboard/member_invite.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@staff_view("members.manage")
@require_POST
def member_invite_resend_view(request: HttpRequest, member_invite_id: int) -> HttpResponse:
    invite = _invite(request, member_invite_id)
    try:
        member_invite_resend(invite=invite, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Invitation sent again to %(email)s.") % {"email": invite.email}
        )
    return redirect("dashboard:member_list")


@staff_view("members.manage")
@require_POST
def member_invite_revoke_view(request: HttpRequest, member_invite_id: int) -> HttpResponse:
    invite = _invite(request, member_invite_id)
    try:
        member_invite_revoke(invite=invite, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect("dashboard:member_list")


@staff_view("members.manage")
@require_POST
def member_role_view(request: HttpRequest, member_id: int) -> HttpResponse:
    membership = _membership(request, member_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("dashboard:member_list")
    try:
        membership_change_role(
            membership=membership,
            role=form.cleaned_data["role"],
            actor=request.user,
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s is now %(role)s.")
            % {"name": membership.user.display_name, "role": membership.get_role_display()},
        )
    return redirect("dashboard:member_list")


@staff_view("members.manage")
def member_remove_view(request: HttpRequest, member_id: int) -> HttpResponse:
    membership = _membership(request, member_id)
    error = ""
    if request.method == "POST":
        try:
            membership_remove(membership=membership, actor=request.user, request=request)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("%(name)s was removed from the team.") % {"name": membership.user.display_name},
            )
            return redirect("dashboard:member_list")
    return render(
        request,
        "dashboard/member_remove.html",
        {"membership": membership, "error": error},
        status=400 if error else 200,
    )


@staff_view("interviews.view")
@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    """Make another of the user's organisations the current one."""
    wanted = request.POST.get("organisation", "")
    membership = (
        Membership.objects.filter(user=request.user, organisation_id=wanted).first()  # type: ignore[misc]
        if wanted.isdigit()
        else None
    )
    if membership is None:
        messages.error(request, _("You are not a member of that organisation."))
    else:
        request.session["org_id"] = membership.organisation_id
    return redirect("dashboard:home")
