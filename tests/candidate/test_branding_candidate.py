"""What candidates see of the organisation's branding (pages, the logo and stylesheet
served to them without a staff session, emails) and of the interview's closing message."""

import io
import re
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from PIL import Image

from oneway.core.models import InvitationStatus, Organisation
from oneway.core.services.branding import organisation_branding_update
from oneway.core.services.invitations import (
    invitation_completion_emails_send,
    invitation_email_send,
)

LOGO_SRC = re.compile(r'<img class="brand-logo" src="([^"]+)" alt="([^"]*)"')


@pytest.fixture
def branded(org: Organisation, owner: Any) -> Organisation:
    out = io.BytesIO()
    Image.new("RGBA", (600, 300), (10, 80, 40, 255)).save(out, format="PNG")
    data = out.getvalue()
    organisation_branding_update(
        organisation=org,
        actor=owner,
        accent_colour="#0f5132",
        logo=io.BytesIO(data),
        logo_size=len(data),
    )
    return org


def completed(make_candidate: Any, **fields: Any) -> Any:
    link = make_candidate(questions=["text"], **fields)
    link.invitation.status = InvitationStatus.COMPLETED
    link.invitation.completed_at = timezone.now()
    link.invitation.save()
    return link


def test_the_landing_page_shows_the_logo_and_links_the_accent_stylesheet(
    branded: Organisation, make_candidate: Any, enter: Any
) -> None:
    client = enter(make_candidate())
    page = client.get("/c/").content.decode()
    [(src, alt)] = LOGO_SRC.findall(page)
    assert alt == "Acme Hiring"
    assert src.startswith(f"/c/brand/{branded.pk}/logo-")
    assert 'width="240" height="120"' in page
    assert '<link rel="stylesheet" href="/c/brand/v1/accent-0f5132.css">' in page
    assert page.count('class="brand"') == 1


def test_without_branding_the_page_shows_the_name_and_oneways_colour(
    make_candidate: Any, enter: Any
) -> None:
    page = enter(make_candidate()).get("/c/").content.decode()
    assert '<span class="brand">Acme Hiring</span>' in page
    assert "/c/brand/" not in page


def test_the_logo_is_served_to_a_candidate_without_any_session(
    branded: Organisation, make_candidate: Any, enter: Any
) -> None:
    page = enter(make_candidate()).get("/c/").content.decode()
    [(src, _alt)] = LOGO_SRC.findall(page)
    response = Client().get(src)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (240, 120)


def test_a_logo_url_needs_the_right_key_and_organisation(
    branded: Organisation, other_org: Organisation
) -> None:
    key = branded.logo.rsplit("logo-", 1)[1].removesuffix(".png")
    client = Client()
    assert client.get(f"/c/brand/{branded.pk}/logo-{key}.png").status_code == 200
    assert client.get(f"/c/brand/{other_org.pk}/logo-{key}.png").status_code == 404
    assert client.get(f"/c/brand/{branded.pk}/logo-{key[:-1]}x.png").status_code == 404
    assert client.get(f"/c/brand/{other_org.pk}/logo-.png").status_code == 404


def test_the_accent_stylesheet_sets_the_custom_property_for_usable_colours_only() -> None:
    client = Client()
    response = client.get("/c/brand/v1/accent-0f5132.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert response.content.decode().strip() == ":root { --accent: #0f5132; }"
    assert "immutable" in response["Cache-Control"]
    assert client.get("/c/brand/v1/accent-ffcc00.css").status_code == 404  # fails contrast
    assert client.get("/c/brand/v1/accent-0F5132.css").status_code == 404
    assert client.get("/c/brand/v1/accent-red;}body{x.css").status_code == 404


def test_the_done_page_shows_the_closing_message(make_candidate: Any) -> None:
    link = completed(make_candidate, thank_you_text="We reply within 5 working days.\nGood luck!")
    client = Client()
    client.get(link.path)
    page = client.get("/c/status/").content.decode()
    next_steps = page.split('id="next-title"', 1)[1]
    assert "<p>We reply within 5 working days.<br>Good luck!</p>" in next_steps
    assert "not software" not in page


def test_the_done_page_says_only_what_is_true_without_a_closing_message(
    make_candidate: Any,
) -> None:
    link = completed(make_candidate)
    client = Client()
    client.get(link.path)
    page = client.get("/c/status/").content.decode()
    assert (
        "Your answers are now with the hiring team at Acme Hiring. People on the team, "
        "not software, review them and decide what happens next."
    ) in page
    assert "contact you" not in page


def test_the_receipt_carries_the_brand_and_the_closing_message(
    branded: Organisation, make_candidate: Any
) -> None:
    link = completed(make_candidate, thank_you_text="We reply within 5 working days.")
    mail.outbox.clear()
    invitation_completion_emails_send(invitation_id=link.invitation.pk)
    [receipt] = [m for m in mail.outbox if m.to == [link.invitation.email]]
    html = receipt.alternatives[0][0]  # type: ignore[index]
    logo = f"{settings.BASE_URL}/c/brand/{branded.pk}/logo-"
    assert f'<img src="{logo}' in html
    assert 'alt="Acme Hiring" width="120" height="60"' in html
    assert "border-bottom:4px solid #0f5132" in html
    assert "What happens next" in html and "We reply within 5 working days." in html
    # The text part names the organisation and says what happens next; no image in it.
    assert "Acme Hiring" in receipt.body
    assert "What happens next\nWe reply within 5 working days." in receipt.body
    assert "/c/brand/" not in receipt.body


def test_the_receipt_default_next_steps_without_a_closing_message(make_candidate: Any) -> None:
    link = completed(make_candidate)
    mail.outbox.clear()
    invitation_completion_emails_send(invitation_id=link.invitation.pk)
    [receipt] = [m for m in mail.outbox if m.to == [link.invitation.email]]
    default = "Your answers are now with the hiring team at Acme Hiring."
    assert default in receipt.body
    assert default in receipt.alternatives[0][0]  # type: ignore[index]


def test_the_invitation_email_uses_the_accent_and_reads_without_images(
    branded: Organisation, make_candidate: Any
) -> None:
    link = make_candidate()
    mail.outbox.clear()
    assert invitation_email_send(invitation_id=link.invitation.pk, purpose="invite")
    [message] = mail.outbox
    html = message.alternatives[0][0]  # type: ignore[index]
    assert "background:#0f5132;color:#fff" in html  # the format card's button
    assert re.search(r'<img src="http[^"]+/c/brand/\d+/logo-[^"]+\.png" alt="Acme Hiring"', html)
    # With images blocked the name is still there in text.
    assert "Acme Hiring invites you" in re.sub(r"<[^>]+>", "", html)
    assert "Acme Hiring" in message.body


def test_an_unbranded_email_shows_the_name_and_oneways_blue(make_candidate: Any) -> None:
    link = make_candidate()
    mail.outbox.clear()
    assert invitation_email_send(invitation_id=link.invitation.pk, purpose="invite")
    html = mail.outbox[0].alternatives[0][0]  # type: ignore[index]
    assert "<img" not in html
    assert '<p style="margin:0;font-size:20px;font-weight:700;">Acme Hiring</p>' in html
    assert "background:#0b5cad;color:#fff" in html


def test_the_logo_is_stored_in_and_served_from_s3(
    s3_storage: Any, org: Organisation, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    out = io.BytesIO()
    Image.new("RGB", (120, 60), (10, 80, 40)).save(out, format="JPEG")
    data = out.getvalue()
    organisation_branding_update(
        organisation=org, actor=owner, accent_colour="", logo=io.BytesIO(data), logo_size=9
    )
    first = org.logo
    assert default_storage.exists(first)
    key = first.rsplit("logo-", 1)[1].removesuffix(".png")
    response = Client().get(f"/c/brand/{org.pk}/logo-{key}.png")
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).format == "PNG"
    with django_capture_on_commit_callbacks(execute=True):
        organisation_branding_update(
            organisation=org, actor=owner, accent_colour="", remove_logo=True
        )
    assert not default_storage.exists(first)
    assert Client().get(f"/c/brand/{org.pk}/logo-{key}.png").status_code == 404


def test_the_public_apply_page_shows_the_logo(branded: Organisation, make_candidate: Any) -> None:
    link = make_candidate()
    link.interview.apply_link_enabled = True
    link.interview.apply_token = "applytoken-brand-abcdefghijkl"
    link.interview.save()
    page = Client().get(f"/apply/{link.interview.apply_token}/").content.decode()
    [(_src, alt)] = LOGO_SRC.findall(page)
    assert alt == "Acme Hiring"
    assert "/c/brand/v1/accent-0f5132.css" in page
