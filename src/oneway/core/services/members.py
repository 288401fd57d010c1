"""Members of an organisation: invitations by email, roles, removal.

Rules: only an owner makes or unmakes owners; an organisation always keeps one owner;
nobody changes their own role or removes themselves through these services.
"""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core import tasks
from oneway.core.audit import log_action
from oneway.core.emails import send_templated_email
from oneway.core.models import MemberInvite, Membership, Organisation
from oneway.core.tokens import hash_token, new_token

INVITE_DAYS = 7


def _acting_role(organisation: Organisation, actor: Any) -> str | None:
    membership = Membership.objects.filter(organisation=organisation, user=actor).first()
    return membership.role if membership else None


def _check_may_grant(organisation: Organisation, actor: Any, role: str) -> None:
    acting = _acting_role(organisation, actor)
    if acting not in (Role.OWNER, Role.ADMIN):
        raise PermissionDenied
    if role == Role.OWNER and acting != Role.OWNER:
        raise ValidationError({"role": [_("Only an owner can make someone an owner.")]})


def member_invite_create(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    actor: Any,
    request: HttpRequest | None = None,
) -> MemberInvite:
    """Invite a colleague by email; the email (sent after commit) carries the accept link."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": [_("Enter a valid email address.")]}) from exc
    if role not in Role.values:
        raise ValidationError({"role": [_("Choose a role.")]})
    _check_may_grant(organisation, actor, role)
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError({"email": [_("%(email)s is already a member.") % {"email": email}]})
    with transaction.atomic():
        # A newer invitation replaces any pending one for the same address.
        MemberInvite.objects.filter(
            organisation=organisation,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
        _unused, token_hash = new_token()
        invite = MemberInvite.objects.create(
            organisation=organisation,
            email=email,
            role=role,
            token_hash=token_hash,
            invited_by=actor,
            expires_at=timezone.now() + datetime.timedelta(days=INVITE_DAYS),
        )
        log_action(
            "member.invited",
            organisation=organisation,
            actor=actor,
            obj=invite,
            data={"email": email, "role": role},
            request=request,
        )
        invite_id = invite.pk
        transaction.on_commit(lambda: tasks.send_member_invite_email(invite_id))
    return invite


def member_invite_email_send(*, member_invite_id: int) -> bool:
    """Send (or send again) the accept link. A fresh token replaces the previous one."""
    invite = (
        MemberInvite.objects.select_related("organisation", "invited_by")
        .filter(pk=member_invite_id)
        .first()
    )
    if invite is None or not invite.is_usable:
        return False
    token, token_hash = new_token()
    MemberInvite.objects.filter(pk=invite.pk).update(token_hash=token_hash)
    link = settings.BASE_URL + reverse("accounts:join", args=[token])
    send_templated_email(
        "member_invite",
        to=[invite.email],
        context={
            "organisation": invite.organisation,
            "inviter": invite.invited_by.display_name if invite.invited_by else _("A colleague"),
            "role": invite.get_role_display(),
            "link": link,
            "days": INVITE_DAYS,
        },
    )
    return True


def member_invite_resend(
    *, invite: MemberInvite, actor: Any, request: HttpRequest | None = None
) -> MemberInvite:
    if invite.accepted_at or invite.revoked_at:
        raise ValidationError(_("This invitation was already used or withdrawn."))
    _check_may_grant(invite.organisation, actor, invite.role)
    with transaction.atomic():
        invite.expires_at = timezone.now() + datetime.timedelta(days=INVITE_DAYS)
        invite.save(update_fields=["expires_at"])
        log_action(
            "member.invite_resent",
            organisation=invite.organisation,
            actor=actor,
            obj=invite,
            data={"email": invite.email},
            request=request,
        )
        invite_id = invite.pk
        transaction.on_commit(lambda: tasks.send_member_invite_email(invite_id))
    return invite


def member_invite_revoke(
    *, invite: MemberInvite, actor: Any, request: HttpRequest | None = None
) -> MemberInvite:
    if invite.accepted_at or invite.revoked_at:
        raise ValidationError(_("This invitation was already used or withdrawn."))
    _check_may_grant(invite.organisation, actor, invite.role)
    invite.revoked_at = timezone.now()
    with transaction.atomic():
        invite.save(update_fields=["revoked_at"])
        log_action(
            "member.invite_revoked",
            organisation=invite.organisation,
            actor=actor,
            obj=invite,
            data={"email": invite.email},
            request=request,
        )
    return invite


def member_invite_lookup(*, token: str) -> MemberInvite | None:
    """The usable invitation behind an accept link, or None (unknown, used, expired)."""
    if not token or len(token) > 128:
        return None
    invite = (
        MemberInvite.objects.select_related("organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invite is None or not invite.is_usable:
        return None
    return invite


def member_invite_accept(
    *, invite: MemberInvite, user: User, request: HttpRequest | None = None
) -> Membership:
    """Make ``user`` a member with the invited role; the link cannot be used again."""
    with transaction.atomic():
        locked = MemberInvite.objects.select_for_update().get(pk=invite.pk)
        if not locked.is_usable:
            raise ValidationError(_("This invitation was already used or withdrawn."))
        membership, created = Membership.objects.get_or_create(
            organisation=invite.organisation, user=user, defaults={"role": invite.role}
        )
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
        invite.accepted_at = locked.accepted_at
        log_action(
            "member.joined",
            organisation=invite.organisation,
            actor=user,
            obj=membership,
            data={"email": user.email, "role": membership.role, "new": created},
            request=request,
        )
    return membership


def _owner_count(organisation: Organisation) -> int:
    return Membership.objects.filter(organisation=organisation, role=Role.OWNER).count()


def membership_change_role(
    *, membership: Membership, role: str, actor: Any, request: HttpRequest | None = None
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": [_("Choose a role.")]})
    if membership.user_id == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot change your own role."))
    organisation = membership.organisation
    acting = _acting_role(organisation, actor)
    if acting not in (Role.OWNER, Role.ADMIN):
        raise PermissionDenied
    if Role.OWNER in (role, membership.role) and acting != Role.OWNER:
        raise ValidationError(_("Only an owner can make or unmake an owner."))
    if membership.role == role:
        return membership
    previous = membership.role
    with transaction.atomic():
        membership.role = role
        membership.save(update_fields=["role"])
        if _owner_count(organisation) == 0:
            raise ValidationError(_("An organisation needs at least one owner."))
        log_action(
            "member.role_changed",
            organisation=organisation,
            actor=actor,
            obj=membership,
            data={"email": membership.user.email, "from": previous, "to": role},
            request=request,
        )
    return membership


def membership_remove(
    *, membership: Membership, actor: Any, request: HttpRequest | None = None
) -> None:
    if membership.user_id == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot remove yourself."))
    organisation = membership.organisation
    acting = _acting_role(organisation, actor)
    if acting not in (Role.OWNER, Role.ADMIN):
        raise PermissionDenied
    if membership.role == Role.OWNER and acting != Role.OWNER:
        raise ValidationError(_("Only an owner can remove an owner."))
    with transaction.atomic():
        if membership.role == Role.OWNER and _owner_count(organisation) <= 1:
            raise ValidationError(_("An organisation needs at least one owner."))
        log_action(
            "member.removed",
            organisation=organisation,
            actor=actor,
            obj=membership,
            data={"email": membership.user.email, "role": membership.role},
            request=request,
        )
        membership.delete()
