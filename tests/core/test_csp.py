"""Content-Security-Policy: on every page, scripts and styles from Oneway's own static files
only, media from Oneway and the S3 bucket; pages carry no inline code or styles for it to
block."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.candidate.testing import create_candidate
from oneway.core.models import Membership, Organisation
from oneway.settings import s3_media_sources

INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle=", re.I),
    re.compile(r"\son[a-z]+=", re.I),
    re.compile(r"javascript:", re.I),
]


def policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def assert_no_inline_code(html: str) -> None:
    for pattern in INLINE:
        match = pattern.search(html)
        assert match is None, html[max(0, match.start() - 200) : match.end() + 200]


@pytest.fixture
def pages(org: Organisation, other_org: Organisation, owner: User) -> list[str]:
    link = create_candidate(org, actor=owner)
    Membership.objects.create(organisation=other_org, user=owner, role="admin")
    interview = link.invitation.interview
    interview.apply_link_enabled = True
    interview.apply_token = "applytoken-csp-abcdefghijklmno"
    interview.save()
    return [
        reverse("dashboard:home"),
        reverse("dashboard:interview_list"),
        reverse("dashboard:interview_detail", args=[interview.pk]),
        reverse("dashboard:invitation_detail", args=[interview.pk, link.invitation.pk]),
        reverse("dashboard:member_list"),
        reverse("dashboard:library"),
        reverse("dashboard:audit"),
        reverse("dashboard:organisation_settings"),
        reverse("apply:apply", args=[interview.apply_token]),
        link.path,
    ]


def test_every_page_has_the_policy_and_nothing_inline(
    pages: list[str], owner_client: Client
) -> None:
    anonymous = Client()
    login = anonymous.get("/accounts/login/")
    checked = [login]
    for path in pages:
        client = anonymous if path.startswith(("/c/", "/apply/")) else owner_client
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        checked.append(response)
    for response in checked:
        directives = policy(response)
        assert directives["script-src"] == ["'self'"]
        assert directives["style-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert set(directives["media-src"]) == {"'self'", "blob:"}
        assert_no_inline_code(response.content.decode())


@pytest.mark.parametrize(
    ("endpoint", "region", "style"),
    [
        ("http://127.0.0.1:8333", "", "path"),
        ("https://minio.example.com:9000", "", "virtual"),
        ("", "eu-west-1", "path"),
        ("", "eu-west-1", "virtual"),
        ("", "", "virtual"),
    ],
)
def test_media_sources_cover_the_signed_urls(endpoint: str, region: str, style: str) -> None:
    from storages.backends.s3 import S3Storage

    storage = S3Storage(
        bucket_name="oneway-media",
        endpoint_url=endpoint or None,
        region_name=region or None,
        access_key="AKIAEXAMPLE",
        secret_key="secret",
        addressing_style=style,
        signature_version="s3v4",
        querystring_auth=True,
    )
    url = storage.url("renditions/1/answer.mp4")
    sources = s3_media_sources("oneway-media", endpoint, region, style)
    assert any(url.startswith(source.rstrip("/") + "/") for source in sources), (url, sources)
    # Only this bucket: another bucket on the same server is not covered.
    other = url.replace("oneway-media", "other-bucket")
    assert not any(other.startswith(source.rstrip("/") + "/") for source in sources)
