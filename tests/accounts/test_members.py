import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import AuditEntry, MemberInvite, Membership, Organisation
from oneway.core.services.members import (
    member_invite_accept,
    member_invite_create,
    member_invite_lookup,
    member_invite_revoke,
    membership_change_role,
    membership_remove,
)

PASSWORD = "correct horse battery staple 42"


def join_path(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/join/[A-Za-z0-9_-]+/)", message.body)
    assert found is not None, message.body
    return found.group(1)


def test_admin_invites_a_member_who_sets_a_password(
    org: Organisation,
    admin_user: User,
    admin_client: Client,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("dashboard:member_invite"), {"email": "New@Example.com", "role": "reviewer"}
        )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["new@example.com"]
    assert "Join Acme Hiring" in message.subject
    path = join_path(message)

    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and b"Choose your name" in page.content
    bad = client.post(path, {"name": "", "new_password1": "x", "new_password2": "y"})
    assert bad.status_code == 400 and b"error-summary" in bad.content
    response = client.post(
        path, {"name": "Nina New", "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.name == "Nina New" and user.check_password(PASSWORD)
    assert Membership.objects.get(user=user).role == Role.REVIEWER
    assert client.get(reverse("dashboard:home")).status_code == 200
    # The link works once.
    assert Client().get(path).status_code == 404
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"member.invited", "member.joined"} <= actions


def test_existing_account_joins_by_signing_in(
    org: Organisation,
    other_org: Organisation,
    owner: User,
    make_member: Callable[..., User],
    client_for: Callable[[User], Client],
    django_capture_on_commit_callbacks: Callable,
) -> None:
    elsewhere = make_member(other_org, Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        member_invite_create(organisation=org, email=elsewhere.email, role="admin", actor=owner)
    path = join_path(mail.outbox[0])
    anonymous = Client().get(path)
    assert b"Sign in to accept" in anonymous.content and b"new_password1" not in anonymous.content
    assert Client().post(path, {"new_password1": "x"}).status_code == 200  # no takeover
    client = client_for(elsewhere)
    assert client.post(path).status_code == 302
    assert Membership.objects.get(user=elsewhere, organisation=org).role == Role.ADMIN


def test_reviewer_cannot_invite_or_edit(reviewer_client: Client) -> None:
    assert reviewer_client.get(reverse("dashboard:member_invite")).status_code == 403
    assert reviewer_client.get(reverse("dashboard:interview_create")).status_code == 403
    assert reviewer_client.get(reverse("dashboard:library")).status_code == 403
    assert reviewer_client.get(reverse("dashboard:member_list")).status_code == 200


def test_only_an_owner_makes_owners(org: Organisation, admin_user: User, owner: User) -> None:
    with pytest.raises(ValidationError):
        member_invite_create(
            organisation=org, email="x@example.com", role="owner", actor=admin_user
        )
    member_invite_create(organisation=org, email="x@example.com", role="owner", actor=owner)


def test_a_reviewer_cannot_use_the_member_services(org: Organisation, reviewer: User) -> None:
    with pytest.raises(PermissionDenied):
        member_invite_create(organisation=org, email="x@example.com", role="admin", actor=reviewer)


def test_invite_refuses_a_member_and_bad_email(
    org: Organisation, owner: User, admin_user: User
) -> None:
    with pytest.raises(ValidationError) as exc:
        member_invite_create(organisation=org, email=admin_user.email, role="admin", actor=owner)
    assert "already a member" in str(exc.value)
    with pytest.raises(ValidationError):
        member_invite_create(organisation=org, email="not-an-email", role="admin", actor=owner)


def test_revoked_or_replaced_invite_link_is_dead(
    org: Organisation, owner: User, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = member_invite_create(
            organisation=org, email="x@example.com", role="admin", actor=owner
        )
    first_path = join_path(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        second = member_invite_create(
            organisation=org, email="x@example.com", role="admin", actor=owner
        )
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert Client().get(first_path).status_code == 404
    second_token = join_path(mail.outbox[1]).rstrip("/").rsplit("/", 1)[1]
    assert member_invite_lookup(token=second_token) == second
    member_invite_revoke(invite=second, actor=owner)
    assert member_invite_lookup(token=second_token) is None


def test_accepting_twice_is_refused(org: Organisation, owner: User) -> None:
    invite = member_invite_create(
        organisation=org, email="x@example.com", role="admin", actor=owner
    )
    user = User.objects.create_user("x@example.com", PASSWORD)
    member_invite_accept(invite=invite, user=user)
    with pytest.raises(ValidationError):
        member_invite_accept(invite=MemberInvite.objects.get(pk=invite.pk), user=user)


def test_change_role_and_remove(
    org: Organisation, owner: User, admin_user: User, reviewer: User, admin_client: Client
) -> None:
    membership = Membership.objects.get(user=reviewer)
    response = admin_client.post(
        reverse("dashboard:member_role", args=[membership.pk]), {"role": "admin"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    # An admin cannot touch an owner.
    owner_membership = Membership.objects.get(user=owner)
    admin_client.post(
        reverse("dashboard:member_role", args=[owner_membership.pk]), {"role": "reviewer"}
    )
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER
    response = admin_client.post(reverse("dashboard:member_remove", args=[membership.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(action="member.removed", actor=admin_user).exists()
    assert AuditEntry.objects.filter(action="member.role_changed").count() == 1


def test_the_last_owner_stays(
    org: Organisation, owner: User, make_member: Callable[..., User]
) -> None:
    second = make_member(org, Role.OWNER, email="second@example.com")
    membership = Membership.objects.get(user=owner)
    membership_change_role(membership=membership, role="admin", actor=second)
    with pytest.raises(ValidationError, match="cannot change your own role"):
        membership_change_role(
            membership=Membership.objects.get(user=second), role="admin", actor=second
        )
    with pytest.raises(ValidationError, match="cannot remove yourself"):
        membership_remove(membership=Membership.objects.get(user=second), actor=second)
    # Demoting the only owner is refused even by another owner-turned-admin's peer.
    assert Membership.objects.filter(organisation=org, role=Role.OWNER).count() == 1


def test_member_of_two_organisations_switches_between_them(
    org: Organisation,
    other_org: Organisation,
    owner: User,
    client_for: Callable[[User], Client],
) -> None:
    Membership.objects.create(organisation=other_org, user=owner, role=Role.REVIEWER)
    client = client_for(owner)
    page = client.get(reverse("dashboard:home"))
    assert b"Switch to another organisation" in page.content and b"Globex" in page.content
    client.post(reverse("dashboard:switch_organisation"), {"organisation": other_org.pk})
    page = client.get(reverse("dashboard:home"))
    assert b"Globex (Reviewer)" in page.content
    # An organisation one is not a member of is refused.
    stranger = Organisation.objects.create(name="Initech", slug="initech")
    client.post(reverse("dashboard:switch_organisation"), {"organisation": stranger.pk})
    assert b"Globex (Reviewer)" in client.get(reverse("dashboard:home")).content
