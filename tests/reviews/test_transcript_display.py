"""The candidate page shows a transcript in its language (captions ``srclang``), says why
there is none, and tells admins which engine made it when the fallback did."""

from html import escape

from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.core.models import Invitation
from oneway.media.models import MediaItem

REASON = "ONEWAY_WHISPER_MODEL_DIR /srv/models is not a folder."


def media_of(candidate: Invitation) -> list[MediaItem]:
    return list(
        MediaItem.objects.filter(take__answer__invitation=candidate).order_by("take__answer")
    )


def test_captions_and_transcript_carry_the_language(
    candidate: Invitation, admin_client: Client
) -> None:
    german, unknown = media_of(candidate)
    german.transcript_language = "de"
    german.save()
    page = admin_client.get(reverse("dashboard:review_candidate", args=[candidate.pk]))
    html = page.content.decode()
    assert 'srclang="de" label="German (automatic transcript)"' in html
    assert '<section class="transcript" lang="de"' in html
    # A transcript from before languages were recorded was English (PocketSphinx).
    assert 'srclang="en" label="English (automatic transcript)"' in html


def test_unavailable_transcript_says_why_to_admins_only(
    candidate: Invitation,
    admin_client: Client,
    assigned_reviewer: User,
    reviewer_client: Client,
) -> None:
    item = media_of(candidate)[0]
    MediaItem.objects.filter(pk=item.pk).update(
        transcript_state="unavailable", transcript_error=REASON
    )
    url = reverse("dashboard:review_candidate", args=[candidate.pk])
    html = admin_client.get(url).content.decode()
    assert f"No transcript: {escape(REASON)}" in html
    assert reverse("media:retry", args=[item.pk]) in html
    html = reviewer_client.get(url).content.decode()
    assert "No transcript is available for this answer." in html
    assert REASON not in html and reverse("media:retry", args=[item.pk]) not in html


def test_fallback_engine_warning_is_shown_to_admins(
    candidate: Invitation,
    admin_client: Client,
    assigned_reviewer: User,
    reviewer_client: Client,
) -> None:
    warning = f"Made by PocketSphinx, the fallback engine: {REASON}"
    item = media_of(candidate)[0]
    MediaItem.objects.filter(pk=item.pk).update(
        transcript_engine="pocketsphinx", transcript_warning=warning
    )
    url = reverse("dashboard:review_candidate", args=[candidate.pk])
    assert escape(warning) in admin_client.get(url).content.decode()
    assert REASON not in reviewer_client.get(url).content.decode()
