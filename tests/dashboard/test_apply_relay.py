"""The public apply page sends a branded email to any address: it must not carry text an
attacker chose (links, numbers, long messages) to that address."""

from collections.abc import Callable

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from oneway.candidate.testing import create_candidate
from oneway.core.models import Invitation, Organisation


@pytest.fixture
def apply_url(org: Organisation) -> str:
    cache.clear()
    interview = create_candidate(org).invitation.interview
    interview.apply_link_enabled = True
    interview.apply_token = "applytoken-relay-abcdefghijkl"
    interview.save()
    return reverse("apply:apply", args=[interview.apply_token])


@pytest.mark.parametrize(
    "name",
    [
        "Win a prize at https://evil.example/claim",
        "Visit evil.example now",
        "www.evil.example",
        "Call +1 555 0100 to verify",
        "someone@evil.example",
        "A" * 81,
        "Dear customer, your account is suspended and must be verified today please",
        "<b>Bold</b>",
    ],
)
def test_attacker_text_is_refused_and_nothing_is_sent(
    apply_url: str, name: str, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(apply_url, {"name": name, "email": "victim@example.com"})
    assert response.status_code == 400
    assert b"Enter your name" in response.content or b"at most" in response.content
    assert mail.outbox == []
    assert not Invitation.objects.filter(email="victim@example.com").exists()


@pytest.mark.parametrize("name", ["Zoë O'Brien-Smith", "Jean-Luc Picard Jr.", "李 小龙", "Ngũgĩ"])
def test_real_names_are_welcome(
    apply_url: str, name: str, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(apply_url, {"name": f"  {name} ", "email": "ada@example.com"})
    assert response.status_code == 200
    [message] = mail.outbox
    assert f"Hello {name}," in message.body
