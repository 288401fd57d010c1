"""The branding page: owners and admins set the logo and accent colour; bad input re-renders
the form with the reason and changes nothing."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from oneway.accounts.roles import Role
from oneway.core.models import AuditEntry, Interview, Organisation

from .test_interview_pages import interview_form

URL = reverse("dashboard:organisation_branding")


def png(size: tuple[int, int] = (800, 200)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 60, 120)).save(out, format="PNG")
    return SimpleUploadedFile("logo.png", out.getvalue(), content_type="image/png")


def animated_gif() -> SimpleUploadedFile:
    frames = [Image.new("RGB", (40, 40), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return SimpleUploadedFile("logo.gif", out.getvalue(), content_type="image/gif")


@pytest.fixture(autouse=True)
def local_media(settings: Any, tmp_path: Path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/m/"},
        },
    }
    return tmp_path / "media"


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_set_the_logo_and_colour(
    role: str, org: Organisation, make_member: Any, client_for: Any
) -> None:
    client = client_for(make_member(org, role))
    page = client.get(URL)
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    response = client.post(URL, {"logo": png(), "accent_colour": "#1D3557"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.accent_colour == "#1d3557"
    assert (org.logo_width, org.logo_height) == (400, 100)
    page = client.get(URL).content.decode()
    assert "Branding saved." in page
    assert 'width="400" height="100"' in page and "/c/brand/" in page
    assert AuditEntry.objects.filter(
        organisation=org, action="organisation.branding_changed"
    ).exists()


def test_admins_reach_branding_from_the_menu_and_owners_from_settings(
    admin_client: Client, owner_client: Client
) -> None:
    assert URL.encode() in admin_client.get(reverse("dashboard:home")).content
    settings_page = owner_client.get(reverse("dashboard:organisation_settings"))
    assert URL.encode() in settings_page.content


def test_reviewers_cannot_see_or_change_branding(
    reviewer_client: Client, org: Organisation
) -> None:
    assert reviewer_client.get(URL).status_code == 403
    assert reviewer_client.post(URL, {"accent_colour": "#1d3557"}).status_code == 403
    org.refresh_from_db()
    assert org.accent_colour == ""
    assert URL.encode() not in reviewer_client.get(reverse("dashboard:home")).content


def test_an_admin_changes_only_their_own_organisation(
    org: Organisation, other_org: Organisation, make_member: Any, client_for: Any
) -> None:
    other_admin = client_for(make_member(other_org, Role.ADMIN))
    assert other_admin.post(URL, {"logo": png(), "accent_colour": "#1d3557"}).status_code == 302
    org.refresh_from_db()
    other_org.refresh_from_db()
    assert (org.accent_colour, org.logo) == ("", "")
    assert other_org.accent_colour == "#1d3557" and other_org.logo
    assert not AuditEntry.objects.filter(organisation=org).exists()


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (
            lambda: SimpleUploadedFile("logo.png", b"GIF89a but not really", "image/png"),
            "not a PNG, JPEG or WebP image",
        ),
        (
            lambda: SimpleUploadedFile("logo.png", b"\0" * (2 * 1024 * 1024 + 1), "image/png"),
            "the largest accepted is 2 MB",
        ),
        (animated_gif, "Animated images are not accepted"),
    ],
    ids=["not-an-image", "too-large", "animated"],
)
def test_a_bad_logo_re_renders_the_form_with_the_reason_and_keeps_the_colour(
    upload: Any, reason: str, admin_client: Client, org: Organisation
) -> None:
    response = admin_client.post(URL, {"logo": upload(), "accent_colour": "#1d3557"})
    assert response.status_code == 400
    page = response.content.decode()
    assert reason in page
    assert 'value="#1d3557"' in page  # what was typed is still there
    assert "choose the logo again" in page
    org.refresh_from_db()
    assert (org.accent_colour, org.logo) == ("", "")


def test_a_colour_failing_contrast_is_refused_with_the_ratio(
    admin_client: Client, org: Organisation
) -> None:
    response = admin_client.post(URL, {"accent_colour": "#e60000"})
    assert response.status_code == 400
    page = response.content.decode()
    # #e60000: 4.81:1 behind white text, 4.48:1 as links on the page background.
    assert "4.48:1" in page and "4.81:1" in page and "at least 4.5:1" in page
    assert 'value="#e60000"' in page
    assert admin_client.post(URL, {"accent_colour": "not a colour"}).status_code == 400
    org.refresh_from_db()
    assert org.accent_colour == ""


def test_a_passing_colour_is_saved_and_an_empty_one_restores_oneways(
    admin_client: Client, org: Organisation
) -> None:
    assert admin_client.post(URL, {"accent_colour": "#0f5132"}).status_code == 302
    org.refresh_from_db()
    assert org.accent_colour == "#0f5132"
    assert admin_client.post(URL, {"accent_colour": ""}).status_code == 302
    org.refresh_from_db()
    assert org.accent_colour == ""


def test_the_logo_can_be_removed(admin_client: Client, org: Organisation) -> None:
    admin_client.post(URL, {"logo": png(), "accent_colour": ""})
    org.refresh_from_db()
    assert org.logo
    page = admin_client.get(URL).content.decode()
    assert "Remove the logo" in page
    assert admin_client.post(URL, {"remove_logo": "on", "accent_colour": ""}).status_code == 302
    org.refresh_from_db()
    assert org.logo == ""
    assert "No logo" in admin_client.get(URL).content.decode()


def test_the_closing_message_is_edited_in_the_interview_form(
    admin_client: Client, org: Organisation
) -> None:
    page = admin_client.get(reverse("dashboard:interview_create")).content.decode()
    assert "Closing message and next steps" in page
    assert "Your answers are now with the hiring team at (your organisation)." in page
    text = "We reply within 5 working days."
    admin_client.post(reverse("dashboard:interview_create"), interview_form(thank_you_text=text))
    assert Interview.objects.get(organisation=org).thank_you_text == text
