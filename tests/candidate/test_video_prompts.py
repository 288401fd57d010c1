"""The team's welcome and question videos as candidates see them (issue 16): only once
processed, with captions and a text version, and a question's video before its thinking
time, which starts (on the server and on the page alike) when the candidate is ready."""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from oneway.candidate.testing import CandidateLink
from oneway.core.models import Answer, Organisation
from oneway.media.models import MediaItem, ProcessingState, TranscriptState

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(make_candidate: Callable[..., CandidateLink], enter: Callable[..., Client]) -> Any:
    def start(**kwargs: Any) -> tuple[CandidateLink, Client]:
        kwargs.setdefault("practice_enabled", False)
        link = make_candidate(**kwargs)
        client = enter(link)
        client.post("/c/", {"action": "consent", "agree": "on"})
        client.post("/c/device-check/", {"action": "done"})
        link.invitation.refresh_from_db()
        return link, client

    return start


def _video(org: Organisation, state: str = ProcessingState.READY, **fields: Any) -> MediaItem:
    """A processed (or not) team video with its files in storage."""
    item = MediaItem.objects.create(organisation=org, original_name="uploads/x.webm", state=state)
    if state == ProcessingState.READY:
        prefix = f"media/{org.pk}/{item.pk}/"
        for name, data in (
            ("rendition.mp4", b"\x00\x00\x00\x18ftypisom" + b"\x00" * 100),
            ("poster.jpg", b"\xff\xd8\xff" + b"\x00" * 50),
            ("captions.vtt", b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello and welcome\n"),
        ):
            default_storage.save(prefix + name, ContentFile(data))
        item.rendition_name = prefix + "rendition.mp4"
        item.poster_name = prefix + "poster.jpg"
        item.captions_name = prefix + "captions.vtt"
        item.transcript_state = TranscriptState.READY
        item.transcript_text = "Hello and welcome"
        item.transcript_language = "en"
    for key, value in fields.items():
        setattr(item, key, value)
    item.save()
    return item


def _config(response: Any) -> dict[str, Any]:
    match = re.search(
        r'<script id="question-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match
    return json.loads(match.group(1))


def test_the_landing_page_shows_the_welcome_video_with_captions_and_the_team_text(
    make_candidate: Callable[..., CandidateLink], enter: Callable[..., Client]
) -> None:
    link = make_candidate()
    interview = link.interview
    interview.welcome_media = _video(interview.organisation)
    interview.welcome_text = "Welcome! We are glad you applied."
    interview.save()
    client = enter(link)
    page = client.get("/c/").content.decode()
    assert page.count('id="welcome-video"') == 1
    assert re.search(
        r'<track kind="captions" src="/media/\d+/captions\?t=[^"]+" srclang="en"', page
    )
    assert "Welcome! We are glad you applied." in page
    # The signed URLs play for the candidate's browser, without a staff session.
    src = re.search(r'<video class="prompt-video-player"[^>]* src="([^"]+)"', page)
    assert src
    response = client.get(src.group(1).replace("&amp;", "&"))
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x00\x18ftyp")
    captions = re.search(r'<track kind="captions" src="([^"]+)"', page)
    assert captions
    vtt = client.get(captions.group(1).replace("&amp;", "&"))
    assert b"Hello and welcome" in b"".join(vtt.streaming_content)


def test_without_a_typed_text_the_transcript_is_the_text_version(
    make_candidate: Callable[..., CandidateLink], enter: Callable[..., Client]
) -> None:
    link = make_candidate()
    link.interview.welcome_media = _video(link.interview.organisation)
    link.interview.save()
    page = enter(link).get("/c/").content.decode()
    assert "Read the welcome instead" in page and "Hello and welcome" in page


@pytest.mark.parametrize("state", [ProcessingState.PROCESSING, ProcessingState.FAILED])
def test_a_welcome_video_not_processed_is_not_shown_and_the_page_works(
    make_candidate: Callable[..., CandidateLink], enter: Callable[..., Client], state: str
) -> None:
    link = make_candidate()
    link.interview.welcome_media = _video(link.interview.organisation, state, error="broken")
    link.interview.save()
    client = enter(link)
    response = client.get("/c/")
    assert response.status_code == 200
    assert 'id="welcome-video"' not in response.content.decode()
    assert client.post("/c/", {"action": "consent", "agree": "on"}).status_code == 302


def test_a_video_question_plays_before_it_is_revealed_and_thinking_starts_when_ready(
    started: Any,
) -> None:
    link, client = started(questions=[{"answer_type": "video", "thinking_seconds": 40}])
    question = link.questions[0]
    question.prompt_media = _video(link.interview.organisation)
    question.save()
    url = f"/c/questions/{question.pk}/"

    page = client.get(url).content.decode()
    assert page.count('id="prompt-video"') == 1
    assert '<track kind="captions"' in page
    # The question's text is the video's text version; the usual "show the question"
    # card is not there, the "I am ready" button reveals it.
    assert "Read the question instead" in page and question.prompt in page
    assert 'id="reveal"' not in page and 'id="prompt-ready"' in page
    assert "40 seconds to think start when the video ends" in page
    assert "candidate/prompt-video.js" in page
    # Watching (loading the page) does not start the thinking time.
    assert not Answer.objects.filter(question=question).exists()

    before = timezone.now()
    response = client.post(url, {"action": "reveal"})
    assert response.status_code == 302
    answer = Answer.objects.get(question=question)
    assert answer.revealed_at is not None and answer.revealed_at >= before
    revealed = client.get(url)
    config = _config(revealed)
    # The page counts down the whole thinking time from the moment the server noted.
    assert config["revealed"] is True
    assert config["thinkingSeconds"] == 40 and config["thinkingLeft"] in (39, 40)
    assert 'id="prompt-video"' not in revealed.content.decode()


def test_a_failed_question_video_leaves_the_text_question(started: Any) -> None:
    link, client = started(questions=["video"])
    question = link.questions[0]
    question.prompt_media = _video(link.interview.organisation, ProcessingState.FAILED)
    question.save()
    page = client.get(f"/c/questions/{question.pk}/").content.decode()
    assert 'id="prompt-video"' not in page
    assert 'id="reveal"' in page


def test_a_written_question_on_video_says_what_happens(started: Any) -> None:
    link, client = started(questions=["text"])
    question = link.questions[0]
    question.prompt_media = _video(link.interview.organisation)
    question.save()
    page = client.get(f"/c/questions/{question.pk}/").content.decode()
    assert "the question stays on screen and you can write your answer" in page
    assert "camera" not in page.split('id="prompt-video"')[1].split("</section>")[0]


def test_erasing_a_candidate_keeps_the_teams_videos(started: Any) -> None:
    from oneway.core.services.erasure import candidate_erase

    link, client = started(questions=["video"])
    question = link.questions[0]
    question.prompt_media = _video(link.interview.organisation)
    question.save()
    link.interview.welcome_media = _video(link.interview.organisation)
    link.interview.save()
    client.post(f"/c/questions/{question.pk}/", {"action": "reveal"})
    candidate_erase(invitation=link.invitation, reason="candidate")
    question.refresh_from_db()
    link.interview.refresh_from_db()
    assert question.prompt_media is not None and link.interview.welcome_media is not None
    assert default_storage.exists(question.prompt_media.rendition_name)
