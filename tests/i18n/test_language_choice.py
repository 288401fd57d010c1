"""Which language a candidate reads (issue 16): the interview's by default, the invitation's
when set, the one they switch to on the page; the browser's where no invitation is known.
Staff pages stay English. Emails to candidates speak their invitation's language.

The catalogs may still be untranslated on this branch, so what proves the language here is
what does not depend on them: ``<html lang dir>``, Content-Language, and dates, whose day
and month names come with Django.
"""

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from isolation_objects import make_interview, make_invitation

from oneway.accounts.models import User
from oneway.api.services import api_key_create
from oneway.candidate.testing import CandidateLink, create_candidate
from oneway.core.deadlines import format_moment
from oneway.core.localdates import local_pattern
from oneway.core.models import Interview, Invitation, InvitationImport, Organisation
from oneway.core.services.interviews import interview_update
from oneway.core.services.invitation_imports import (
    invitation_import_confirm,
    invitation_import_create,
)
from oneway.core.services.invitations import invitation_create

HTML = re.compile(r'<html lang="(?P<lang>[^"]+)" dir="(?P<dir>ltr|rtl)">')


def page_language(response: Any) -> tuple[str, str]:
    match = HTML.search(response.content.decode())
    assert match, "the page has no <html lang dir>"
    return match["lang"], match["dir"]


def email_language(message: Any) -> tuple[str, str]:
    html = message.alternatives[0].content
    match = HTML.search(html)
    assert match, "the email has no <html lang dir>"
    return match["lang"], match["dir"]


@pytest.fixture
def candidate(org: Organisation, admin_user: User) -> Callable[..., CandidateLink]:
    counter = {"n": 0}

    def make(**fields: Any) -> CandidateLink:
        counter["n"] += 1
        fields.setdefault("practice_enabled", False)
        return create_candidate(
            org, actor=admin_user, email=f"cand{counter['n']}@example.com", **fields
        )

    return make


def opened(link: CandidateLink, **headers: str) -> Client:
    client = Client(headers=headers)
    assert client.get(link.path).status_code == 302
    return client


def test_an_interview_speaks_english_unless_told(candidate: Callable[..., CandidateLink]) -> None:
    link = candidate()
    assert link.interview.language == "en" and link.invitation.language == ""
    response = opened(link, accept_language="de").get("/c/")
    assert response.status_code == 200
    assert page_language(response) == ("en", "ltr")


def test_an_invitation_speaks_its_interviews_language(
    candidate: Callable[..., CandidateLink],
) -> None:
    link = candidate(language="de")
    response = opened(link).get("/c/")
    assert page_language(response) == ("de", "ltr")
    assert response["Content-Language"] == "de"
    with translation.override("de"):
        assert translation.gettext("Change language") in response.content.decode()


def test_an_invitation_may_name_its_own_language(candidate: Callable[..., CandidateLink]) -> None:
    link = candidate(language="de")
    link.invitation.language = "ar"
    link.invitation.save(update_fields=["language"])
    client = opened(link)
    for path in ("/c/", "/c/my-data/"):
        assert page_language(client.get(path)) == ("ar", "rtl"), path


def test_staff_pages_stay_english_whatever_the_browser_asks(admin_client: Client) -> None:
    response = admin_client.get(reverse("dashboard:home"), HTTP_ACCEPT_LANGUAGE="de,ar;q=0.5")
    assert response.status_code == 200
    assert page_language(response) == ("en", "ltr")
    assert "Content-Language" not in response


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.5", ("fr", "ltr")),
        ("pt-BR", ("pt-br", "ltr")),
        ("ar-EG,ar;q=0.9", ("ar", "rtl")),
        ("ja,ko;q=0.8", ("en", "ltr")),  # not shipped: English
    ],
)
def test_pages_without_an_invitation_follow_the_browser(
    db: None, accept: str, expected: tuple[str, str]
) -> None:
    response = Client().get("/c/no-such-token/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 404
    assert page_language(response) == expected
    assert "Accept-Language" in response["Vary"]


def switch_to(client: Client, language: str, next_url: str = "/c/") -> Any:
    token = client.cookies["csrftoken"].value
    return client.post(
        reverse("candidate:language"),
        {"language": language, "next": next_url, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",  # candidate pages send no referrer
    )


def test_the_candidate_switches_language_without_javascript(
    candidate: Callable[..., CandidateLink],
) -> None:
    link = candidate(language="de")
    client = Client(enforce_csrf_checks=True)
    client.get(link.path)
    landing = client.get("/c/").content.decode()
    # A plain form: a select of the shipped languages, each named in itself, and a button.
    assert 'action="/c/language/"' in landing and 'name="csrfmiddlewaretoken"' in landing
    assert '<option value="ar" lang="ar">العربية</option>' in landing
    assert '<option value="de" lang="de" selected>Deutsch</option>' in landing

    response = switch_to(client, "pl", "/c/device-check/")
    assert response.status_code == 302 and response["Location"] == "/c/device-check/"
    assert page_language(client.get("/c/")) == ("pl", "ltr")
    assert page_language(client.get("/c/my-data/")) == ("pl", "ltr")

    # Unknown languages change nothing; the way back never leaves the candidate's pages.
    assert switch_to(client, "xx")["Location"] == "/c/"
    assert page_language(client.get("/c/")) == ("pl", "ltr")
    assert switch_to(client, "ar", "https://evil.example/")["Location"] == "/c/"
    assert switch_to(client, "ar", "/app/")["Location"] == "/c/"
    assert page_language(client.get("/c/")) == ("ar", "rtl")


def test_the_switch_refuses_a_post_without_the_csrf_token(
    candidate: Callable[..., CandidateLink],
) -> None:
    link = candidate()
    client = Client(enforce_csrf_checks=True)
    client.get(link.path)
    client.get("/c/")
    response = client.post(reverse("candidate:language"), {"language": "de"}, HTTP_ORIGIN="null")
    assert response.status_code == 403
    assert page_language(client.get("/c/")) == ("en", "ltr")


def test_the_choice_belongs_to_the_invitation(candidate: Callable[..., CandidateLink]) -> None:
    first, second = candidate(language="de"), candidate(language="nl")
    client = Client()
    client.get(first.path)
    client.get("/c/")
    switch_to(client, "fr")
    assert page_language(client.get("/c/")) == ("fr", "ltr")
    client.get(second.path)  # another invitation's link in the same browser
    assert page_language(client.get("/c/")) == ("nl", "ltr")


def test_the_staff_pages_ignore_a_candidates_choice(
    candidate: Callable[..., CandidateLink], admin_client: Client
) -> None:
    link = candidate()
    admin_client.get(link.path)
    admin_client.get("/c/")
    switch_to(admin_client, "ar")
    assert page_language(admin_client.get("/c/")) == ("ar", "rtl")
    assert page_language(admin_client.get(reverse("dashboard:home"))) == ("en", "ltr")


# --- Staff choose the language: interview, invitation form, CSV, API ----------------------


def test_the_interview_form_offers_every_language(admin_client: Client, org: Organisation) -> None:
    interview = make_interview(org)
    page = admin_client.get(reverse("dashboard:interview_edit", args=[interview.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for code in ("en", "de", "fr", "es", "nl", "pt-br", "pl", "ar"):
        assert f'<option value="{code}"' in html


def test_the_interviews_language_is_validated(org: Organisation, admin_user: User) -> None:
    interview = make_interview(org)
    interview_update(interview=interview, fields={"language": "ar"}, actor=admin_user)
    assert Interview.objects.get(pk=interview.pk).language == "ar"
    with pytest.raises(ValidationError) as refused:
        interview_update(interview=interview, fields={"language": "xx"}, actor=admin_user)
    assert "language" in refused.value.message_dict


def test_the_invitation_form_sets_the_language(
    admin_client: Client, org: Organisation, django_capture_on_commit_callbacks: Callable
) -> None:
    interview = make_interview(org, language="de")
    url = reverse("dashboard:invitation_create", args=[interview.pk])
    form = admin_client.get(url).content.decode()
    assert "The interview&#x27;s language (Deutsch)" in form
    refused = admin_client.post(url, {"name": "Ada", "email": "ada@example.com", "language": "xx"})
    assert refused.status_code == 400 and "language" in refused.context["form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"name": "Ada", "email": "ada@example.com", "language": "nl"})
    assert Invitation.objects.get().language == "nl"
    [message] = mail.outbox
    assert email_language(message) == ("nl", "ltr")


def test_the_csv_language_column(org: Organisation, admin_user: User) -> None:
    interview = make_interview(org, language="de")
    text = (
        "Name,Email,Language\n"
        "Ada,ada@example.com,PT_br\n"
        "Bea,bea@example.com,\n"
        "Cy,cy@example.com,klingon\n"
    )
    upload = invitation_import_create(
        interview=interview, raw=text.encode(), filename="people.csv", actor=admin_user
    )
    ada, bea, cy = upload.rows
    assert (ada["language"], ada["errors"]) == ("pt-br", [])
    assert (bea["language"], bea["errors"]) == ("", [])
    assert cy["errors"] == [
        "Unknown language klingon: use one of en, de, fr, es, nl, pt-br, pl, ar."
    ]
    invitation_import_confirm(
        invitation_import=InvitationImport.objects.get(pk=upload.pk), actor=admin_user
    )
    languages = dict(Invitation.objects.values_list("email", "language"))
    assert languages == {"ada@example.com": "pt-br", "bea@example.com": ""}


def test_the_csv_upload_page_explains_the_column(admin_client: Client, org: Organisation) -> None:
    interview = make_interview(org)
    url = reverse("dashboard:invitation_import", args=[interview.pk])
    assert (
        "language (a code: en, de, fr, es, nl, pt-br, pl, ar"
        in admin_client.get(url).content.decode()
    )
    csv = SimpleUploadedFile("p.csv", b"name,email,language\nAda,ada@example.com,xx\n")
    preview = admin_client.post(url, {"file": csv}, follow=True).content.decode()
    assert "Unknown language xx" in preview


def test_the_api_takes_and_checks_the_language(org: Organisation, admin_user: User) -> None:
    interview = make_interview(org, language="fr")
    _key, secret = api_key_create(
        organisation=org, actor=admin_user, name="k", scope="write", interviews=[]
    )
    client = Client(headers={"Authorization": f"Bearer {secret}"})

    def invite(**body: Any) -> Any:
        body = {"interview_id": interview.pk, "name": "Ada", "send": False, **body}
        return client.post("/api/v1/invitations", body, content_type="application/json")

    refused = invite(email="ada@example.com", language="xx")
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == ["language"]
    assert invite(email="ada@example.com").json()["language"] == "fr"
    created = invite(email="bea@example.com", language="pt-BR")
    assert created.status_code == 201 and created.json()["language"] == "pt-br"
    shown = client.get(f"/api/v1/interviews/{interview.pk}").json()
    assert shown["language"] == "fr"


# --- Emails -----------------------------------------------------------------------------


def test_the_invitation_email_speaks_the_invitations_language(
    org: Organisation, admin_user: User, django_capture_on_commit_callbacks: Callable
) -> None:
    interview = make_interview(org, language="de")
    deadline = timezone.now() + datetime.timedelta(days=4)
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _token = invitation_create(
            interview=interview,
            name="Ada",
            email="ada@example.com",
            timezone="Europe/Berlin",
            deadline=deadline,
            actor=admin_user,
        )
    [message] = mail.outbox
    assert email_language(message) == ("de", "ltr")
    with translation.override("de"):
        german = format_moment(deadline, "Europe/Berlin")
    with translation.override("en"):
        english = format_moment(deadline, "Europe/Berlin")
    assert german != english
    assert german in message.body and english not in message.body


def test_the_receipt_is_the_candidates_and_the_teams_notice_english(
    org: Organisation, owner: User, django_capture_on_commit_callbacks: Callable
) -> None:
    from oneway.core.services.invitations import invitation_completion_emails_send

    interview = make_interview(org, language="ar", created_by=owner)
    invitation = make_invitation(interview, status="completed", completed_at=timezone.now())
    with translation.override("de"):  # whatever page triggered it
        invitation_completion_emails_send(invitation_id=invitation.pk)
    receipt = [m for m in mail.outbox if m.to == [invitation.email]]
    team = [m for m in mail.outbox if m.to == [owner.email]]
    assert len(receipt) == 1 and team
    assert email_language(receipt[0]) == ("ar", "rtl")
    assert email_language(team[0]) == ("en", "ltr")


def test_the_erasure_receipt_speaks_the_candidates_language(
    org: Organisation, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Callable
) -> None:
    from oneway.core.services.erasure import candidate_erase, send_erasure_emails

    settings.UPLOAD_TEMP_DIR = tmp_path / "incoming"
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    invitation = make_invitation(make_interview(org), language="es", email="ana@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        candidate_erase(invitation=invitation, reason="candidate", notify=send_erasure_emails)
    [receipt] = [m for m in mail.outbox if m.to == ["ana@example.com"]]
    assert email_language(receipt) == ("es", "ltr")


def test_the_reminder_speaks_the_invitations_language(org: Organisation) -> None:
    from oneway.core.services.invitations import reminders_send_due

    interview = make_interview(org, reminder_hours=[24])
    make_invitation(
        interview,
        language="pl",
        email="pl@example.com",
        deadline=timezone.now() + datetime.timedelta(hours=23),
        invited_at=timezone.now() - datetime.timedelta(hours=100),
    )
    assert reminders_send_due() == 1
    [message] = mail.outbox
    assert email_language(message) == ("pl", "ltr")


# --- Dates and numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Friday 14 March 2025, 17:00"),
        ("de", "Freitag, 14. März 2025, 17:00"),
        ("es", "viernes, 14 de marzo de 2025, 17:00"),
        ("pl", "Piątek, 14 marca 2025, 17:00"),
        ("ar", "الجمعة، 14 مارس 2025، 17:00"),  # Latin digits, Arabic comma
    ],
)
def test_dates_read_as_the_language_writes_them(language: str, expected: str) -> None:
    from django.utils import dateformat

    moment = datetime.datetime(2025, 3, 14, 17, 0)
    with translation.override(language):
        assert dateformat.format(moment, local_pattern("l j F Y, H:i")) == expected


def test_the_extra_time_choice_is_in_the_candidates_language_and_numbers(
    candidate: Callable[..., CandidateLink],
) -> None:
    from oneway.candidate.forms import AccommodationsForm

    with translation.override("de"):
        labels = [label for _value, label in AccommodationsForm().fields["time_factor"].choices]
    assert any("1,5" in str(label) for label in labels), labels  # a decimal comma
