"""The team's videos in the browser (issue 16): a team member records a welcome video with
the candidate's recorder (fake camera), it is processed, the candidate sees it on the
landing page with captions; a question asked on video plays before the thinking
countdown, which starts when the video ends."""

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import BrowserContext, expect

from oneway.accounts.models import User
from oneway.candidate.testing import CandidateLink
from oneway.core.models import Answer, AuditEntry
from oneway.media.models import ProcessingState
from oneway.uploads.models import Upload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def quick_transcripts(settings: Any) -> None:
    # Processing runs inline (huey immediate); a quick engine still makes real captions.
    settings.TRANSCRIBER = "media.test_transcribe.EchoTranscriber"


def signed_in(context: BrowserContext, user: User, base_url: str) -> None:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )


def test_a_recorded_welcome_video_is_processed_and_shown_to_the_candidate(
    live_server: Any,
    new_context: Callable[..., BrowserContext],
    make_candidate: Callable[..., CandidateLink],
    owner: User,
    axe_check: Callable[..., None],
) -> None:
    link = make_candidate(questions=["video"])
    staff = new_context()
    signed_in(staff, owner, live_server.url)
    page = staff.new_page()
    page.goto(f"{live_server.url}/app/interviews/{link.interview.pk}/welcome-video/")
    page.locator("#prompt-camera").click()
    page.locator("#prompt-start").click()
    time.sleep(3)
    page.locator("#prompt-stop").click()
    # Saved over tus, processed (rendition, poster, captions), the page shows it ready.
    page.wait_for_selector(".media-state-ready", timeout=90_000)
    link.interview.refresh_from_db()
    item = link.interview.welcome_media
    assert item is not None and item.state == ProcessingState.READY
    assert item.captions_name and item.poster_name
    assert item.duration_ms is not None and 2000 <= item.duration_ms <= 5000
    expect(page.locator("video.video-prompt-preview track[kind=captions]")).to_have_count(1)
    page.goto(f"{live_server.url}/app/interviews/{link.interview.pk}/")
    expect(page.get_by_text("ready, shown to candidates.")).to_be_visible()

    candidate = new_context().new_page()
    candidate.goto(live_server.url + link.path)
    candidate.wait_for_url("**/c/")
    video = candidate.locator("#welcome-video video")
    expect(video).to_be_visible()
    expect(video.locator("track[kind=captions]")).to_have_attribute(
        "srclang", item.transcript_language
    )
    candidate.wait_for_function(
        "() => document.querySelector('#welcome-video video').readyState >= 1"
    )
    seconds = candidate.evaluate("() => document.querySelector('#welcome-video video').duration")
    assert 2 <= seconds <= 5
    candidate.locator("#welcome-video summary").click()
    expect(candidate.locator("#welcome-video details")).to_contain_text(item.transcript_text)
    axe_check(candidate)


@pytest.fixture(scope="module")
def question_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("question-clip") / "question.webm"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "2",
         "-c:v", "libvpx", "-b:v", "200k", "-c:a", "libopus", str(path)],
        check=True,
    )  # fmt: skip
    return path


def test_a_video_question_plays_before_the_thinking_countdown(
    live_server: Any,
    page: Any,
    new_context: Callable[..., BrowserContext],
    make_candidate: Callable[..., CandidateLink],
    candidate_browser: Callable[..., Any],
    admin_user: User,
    question_clip: Path,
) -> None:
    link = make_candidate(
        questions=[{"answer_type": "video", "thinking_seconds": 20}], practice_enabled=False
    )
    question = link.questions[0]
    # A team member uploads the question's video as a file (sent over tus by the page).
    staff = new_context()
    signed_in(staff, admin_user, live_server.url)
    staff_page = staff.new_page()
    staff_page.goto(
        f"{live_server.url}/app/interviews/{link.interview.pk}/questions/{question.pk}/video/"
    )
    staff_page.set_input_files("#id_video", str(question_clip))
    staff_page.locator("#video-file-form button[type=submit]").click()
    staff_page.wait_for_selector(".media-state-ready", timeout=90_000)
    question.refresh_from_db()
    assert question.prompt_media is not None
    assert question.prompt_media.state == ProcessingState.READY, question.prompt_media.error
    entry = AuditEntry.objects.get(action="question.video_set")
    assert entry.data["source"] == "uploaded"
    assert Upload.objects.filter(purpose="prompt-video").exists()  # it went over tus

    driver = candidate_browser()
    driver.open(link)
    driver.consent()
    driver.device_check(skip=True)
    driver.wait_ready()
    expect(page.locator("#prompt-video video")).to_be_visible()
    expect(page.locator("#prompt-video track[kind=captions]")).to_have_count(1)
    # No countdown and no camera before the video: the question is not revealed yet.
    expect(page.locator("#countdown")).to_have_count(0)
    assert not Answer.objects.filter(question=question, revealed_at__isnull=False).exists()
    page.locator("#prompt-video summary").click()
    expect(page.locator("#prompt-video details")).to_contain_text(question.prompt)

    played_at = timezone.now()
    page.evaluate(
        "() => { const v = document.getElementById('prompt-video-player'); v.muted = true; v.play(); }"
    )
    # The video ends (2 s): the question is revealed and the countdown starts then.
    page.wait_for_selector("#countdown:not([hidden])", timeout=20_000)
    revealed_at = Answer.objects.get(question=question).revealed_at
    # Noted by the server when the 2-second video had played to its end, not before.
    assert revealed_at is not None
    assert (revealed_at - played_at).total_seconds() >= 1.5
    countdown = page.locator("#countdown").inner_text()
    assert "0:20" in countdown or "0:19" in countdown, countdown
