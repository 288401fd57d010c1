"""Behind a reverse proxy (ONEWAY_PROXY_COUNT=1) every request comes from the proxy's
address; the login lockout and the rate limits key on the client's address the proxy saw,
so one attacker cannot lock everyone else out."""

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.candidate.testing import create_candidate
from oneway.core.models import Organisation
from oneway.dashboard.views.apply import IP_LIMIT

PASSWORD = "correct horse battery staple 42"
PROXY = "10.0.0.1"
ATTACKER = "198.51.100.66"
VICTIM = "203.0.113.10"


@pytest.fixture(autouse=True)
def behind_one_proxy(settings: Any, db: None) -> None:
    settings.ONEWAY_PROXY_COUNT = 1
    cache.clear()


def via_proxy(forwarded_for: str) -> Client:
    """A client whose requests reach Oneway through the proxy, which appends the address
    it saw to X-Forwarded-For."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def sign_in(client: Client, email: str, password: str) -> int:
    return client.post("/accounts/login/", {"username": email, "password": password}).status_code


def test_failed_sign_ins_lock_out_the_attacker_not_everyone(owner: User) -> None:
    for n in range(6):
        sign_in(via_proxy(ATTACKER), f"nobody{n}@example.com", "wrong")
    assert sign_in(via_proxy(ATTACKER), owner.email, PASSWORD) == 429
    # Forging X-Forwarded-For does not help: the proxy appends the real address.
    assert sign_in(via_proxy(f"1.2.3.4, {ATTACKER}"), owner.email, PASSWORD) == 429
    assert sign_in(via_proxy(VICTIM), owner.email, PASSWORD) == 302


def test_candidate_link_limit_is_per_client(org: Organisation, settings: Any) -> None:
    settings.CANDIDATE_LINK_RATE_LIMIT = 3
    link = create_candidate(org)
    attacker = via_proxy(ATTACKER)
    assert [attacker.get(f"/c/guess-{n}/").status_code for n in range(3)] == [404] * 3
    assert attacker.get(link.path).status_code == 429
    assert via_proxy(f"9.9.9.9, {ATTACKER}").get(link.path).status_code == 429
    assert via_proxy(VICTIM).get(link.path).status_code == 302


def test_apply_limit_is_per_client(org: Organisation) -> None:
    interview = create_candidate(org).invitation.interview
    interview.apply_link_enabled = True
    interview.apply_token = "applytoken-proxy-abcdefghijkl"
    interview.save()
    url = reverse("apply:apply", args=[interview.apply_token])
    attacker = via_proxy(ATTACKER)
    statuses = [
        attacker.post(url, {"name": "X", "email": f"x{n}@example.com"}).status_code
        for n in range(IP_LIMIT + 1)
    ]
    assert statuses[-1] == 429
    answer = via_proxy(VICTIM).post(url, {"name": "Vic", "email": "vic@example.com"})
    assert answer.status_code == 200


def test_without_proxies_forwarded_headers_are_ignored(settings: Any, owner: User) -> None:
    settings.ONEWAY_PROXY_COUNT = 0
    for n in range(6):
        sign_in(via_proxy(f"198.51.100.{n}"), f"nobody{n}@example.com", "wrong")
    # Every request came from one peer: varying the header does not escape the lockout.
    assert sign_in(via_proxy(VICTIM), owner.email, PASSWORD) == 429
