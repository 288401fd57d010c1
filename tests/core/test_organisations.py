import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Membership, Organisation
from oneway.core.services.organisations import organisation_create, organisation_update


def test_create_organisation_command_invites_the_owner(db: None, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("create_organisation", "Acme Hiring", "Boss@Acme.test", timezone="Europe/Paris")
    out = capsys.readouterr().out
    organisation = Organisation.objects.get(name="Acme Hiring")
    assert organisation.timezone == "Europe/Paris" and organisation.slug == "acme-hiring"
    path = out.split("http://127.0.0.1:8000")[1].strip()
    client = Client()
    password = "a long enough passphrase 7"
    response = client.post(
        path, {"name": "Boss", "new_password1": password, "new_password2": password}
    )
    assert response.status_code == 302
    user = User.objects.get(email="boss@acme.test")
    assert Membership.objects.get(user=user, organisation=organisation).role == "owner"
    # Same name again: another slug.
    other, _, _ = organisation_create(name="Acme Hiring", owner_email="x@y.test")
    assert other.slug == "acme-hiring-2"


def test_update_validates_and_audits(org: Organisation, owner: User) -> None:
    organisation_update(
        organisation=org, fields={"timezone": "Asia/Tokyo", "retention_days": 30}, actor=owner
    )
    entry = AuditEntry.objects.get(action="organisation.updated")
    assert entry.data["changed"] == ["retention_days", "timezone"]
    with pytest.raises(ValidationError):
        organisation_update(organisation=org, fields={"timezone": "Nope/Nope"}, actor=owner)


def test_only_owners_see_the_settings_page(
    owner_client: Client, admin_client: Client, org: Organisation
) -> None:
    url = reverse("dashboard:organisation_settings")
    assert admin_client.get(url).status_code == 403
    response = owner_client.post(
        url,
        {"name": "Acme", "timezone": "Europe/Berlin", "privacy_contact": "", "retention_days": "x"},
    )
    assert response.status_code == 200 and "retention_days" in response.context["form"].errors
    owner_client.post(
        url,
        {
            "name": "Acme",
            "timezone": "Europe/Berlin",
            "privacy_contact": "",
            "retention_days": "90",
        },
    )
    org.refresh_from_db()
    assert (org.name, org.timezone, org.retention_days) == ("Acme", "Europe/Berlin", 90)
