"""What the candidate page shows for each kind of answer and processing state."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.core.models import AnswerType, AuditEntry, Interview, Invitation
from oneway.media.models import MediaItem

pytestmark = pytest.mark.django_db


def page(client: Client, invitation: Invitation) -> str:
    response = client.get(reverse("dashboard:review_candidate", args=[invitation.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_video_text_and_audio_answers_with_transcript_and_captions(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    reviewer_client: Client,
) -> None:
    interview.questions.create(position=3, prompt="Say it out loud.", answer_type=AnswerType.AUDIO)
    invitation = make_candidate(interview)
    content = page(reviewer_client, invitation)
    assert content.count("<video") == 2 and content.count("<audio") == 1
    assert "My written answer mentions downtime." in content
    assert 'class="word" data-start="0.20" data-end="0.50">I</span>' in content
    assert "/captions.vtt" in content
    assert "Takes used: 1 of 2" in content
    assert "Time taken 2 min 00 s" in content
    assert "5: concrete example with measurable result." in content  # rubric
    issued = AuditEntry.objects.filter(action="media.url_issued", actor=assigned_reviewer)
    assert issued.count() == 6  # rendition and poster of three recordings
    assert AuditEntry.objects.filter(action="candidate.viewed").count() == 1


def test_captions_are_webvtt_from_the_word_timings(
    candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    answer = candidate.answers.exclude(submitted_take=None).first()
    response = reviewer_client.get(reverse("dashboard:review_answer_captions", args=[answer.pk]))
    assert response["Content-Type"] == "text/vtt"
    text = response.content.decode()
    assert text.startswith("WEBVTT\n\n00:00:00.200 --> ")
    assert "I led the migration" in text


def test_fresh_media_urls_for_the_player(
    candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    answer = candidate.answers.exclude(submitted_take=None).first()
    urls = reviewer_client.get(reverse("dashboard:review_answer_media", args=[answer.pk])).json()
    assert urls["rendition"].startswith("/media/") and "t=" in urls["rendition"]
    assert set(urls) >= {"rendition", "poster", "captions", "play", "refresh"}


def test_processing_state_and_retry_for_admins_only(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    reviewer_client: Client,
    admin_client: Client,
) -> None:
    invitation = make_candidate(interview)
    MediaItem.objects.filter(take__answer__invitation=invitation).update(
        state="failed", error="The file ended early."
    )
    for_reviewer = page(reviewer_client, invitation)
    assert "Processing failed." in for_reviewer and "The file ended early." in for_reviewer
    assert "Retry processing" not in for_reviewer and "<video" not in for_reviewer
    assert "Retry processing" in page(admin_client, invitation)


def test_accommodations_are_shown(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    reviewer_client: Client,
) -> None:
    invitation = make_candidate(
        interview,
        accommodation_time_factor=1.5,
        accommodation_text_alternative=True,
        accommodation_note="Screen reader user",
    )
    content = page(reviewer_client, invitation)
    assert "Extra time ×1.5" in content
    assert "Text answers instead of recordings" in content and "Screen reader user" in content


def test_home_page_shows_the_review_summary(
    candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    response = reviewer_client.get(reverse("dashboard:home"))
    assert b"Candidates waiting for your review" in response.content
    assert candidate.name.encode() in response.content


def test_playback_speed_is_remembered(
    candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    url = reverse("dashboard:review_preferences")
    bad = reviewer_client.post(url, {"playback_rate": 3}, content_type="application/json")
    assert bad.status_code == 400
    ok = reviewer_client.post(url, {"playback_rate": 1.25}, content_type="application/json")
    assert ok.json() == {"ok": True, "playback_rate": 1.25}
    assigned_reviewer.refresh_from_db()
    assert assigned_reviewer.preferences["playback_rate"] == 1.25
    assert '<option value="1.25" selected>1.25×</option>' in page(reviewer_client, candidate)
