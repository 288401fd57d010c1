"""A reviewer reviews a completed candidate in Chromium: play, change speed, seek by
clicking a transcript word, keyboard shortcuts, rate every question, comment at a time
code, shortlist.

The completed candidate is built here through the ORM with a real H.264/AAC MP4 made by
PyAV, a JPEG poster and transcript word timings, as the media pipeline would leave it.
"""

import datetime
import uuid
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from isolation_objects import make_interview, make_invitation
from playwright.sync_api import BrowserContext, Page, expect

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import Answer, Invitation, Organisation, Take
from oneway.media.models import MediaItem
from oneway.reviews.models import Comment, Decision, Rating, ReviewerAssignment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECONDS = 8
WORDS = [
    "we",
    "moved",
    "every",
    "customer",
    "to",
    "the",
    "new",
    "billing",
    "database",
    "without",
    "any",
    "downtime",
    "at",
    "all",
]


def make_mp4(path: Path, seconds: int = SECONDS, width: int = 320, height: int = 240) -> bytes:
    """A real H.264 + AAC MP4 (moov first) of a moving test pattern and a quiet tone."""
    import math

    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        video = out.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast"}
        audio = out.add_stream("aac", rate=48000)
        audio.layout = "mono"
        graph = av.filter.Graph()
        source = graph.add("testsrc2", f"size={width}x{height}:rate=25:duration={seconds}")
        fmt = graph.add("format", "pix_fmts=yuv420p")
        sink = graph.add("buffersink")
        source.link_to(fmt)
        fmt.link_to(sink)
        graph.configure()
        while True:
            try:
                frame = graph.vpull()
            except (av.EOFError, av.BlockingIOError):
                break
            frame.pict_type = av.video.frame.PictureType.NONE
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        rate, per_frame = 48000, 1024
        total = rate * seconds
        for start in range(0, total, per_frame):
            count = min(per_frame, total - start)
            pcm = b"".join(
                int(800 * math.sin(2 * math.pi * 440 * (start + i) / rate)).to_bytes(
                    2, "little", signed=True
                )
                for i in range(count)
            )
            frame = av.AudioFrame(format="s16", layout="mono", samples=count)
            frame.planes[0].update(pcm)
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            out.mux(audio.encode(frame))
        out.mux(audio.encode(None))
    return path.read_bytes()


def make_jpeg(width: int = 320, height: int = 240) -> bytes:
    """A plain grey JPEG poster."""
    codec = av.CodecContext.create("mjpeg", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuvj420p"
    codec.time_base = Fraction(1, 25)
    frame = av.VideoFrame(width, height, "yuvj420p")
    for plane in frame.planes:
        plane.update(bytes([160]) * plane.buffer_size)
    return b"".join(bytes(packet) for packet in [*codec.encode(frame), *codec.encode(None)])


@pytest.fixture
def stored_files() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        default_storage.delete(name)


def completed_candidate(org: Organisation, stored_files: list[str], tmp: Path) -> Invitation:
    interview = make_interview(org, title="Support engineer", questions=2)
    for question in interview.questions.all():
        question.rubric = "5: a concrete story with a measurable result."
        question.save()
    invitation = make_invitation(
        interview,
        name="Grace Hopper",
        email="grace@example.com",
        status="completed",
        completed_at=timezone.now(),
        accommodation_time_factor=1.5,
    )
    video, poster = make_mp4(tmp / "answer.mp4"), make_jpeg()
    words = [
        {"w": word, "start": round(0.3 + i * 0.5, 2), "end": round(0.7 + i * 0.5, 2)}
        for i, word in enumerate(WORDS)
    ]
    now = timezone.now()
    for question in interview.questions.all():
        prefix = f"review-e2e/{uuid.uuid4().hex}"
        rendition = default_storage.save(f"{prefix}/rendition.mp4", ContentFile(video))
        poster_name = default_storage.save(f"{prefix}/poster.jpg", ContentFile(poster))
        thumbnail = default_storage.save(
            f"{prefix}/thumbnail.jpg", ContentFile(make_jpeg(160, 120))
        )
        stored_files.extend([rendition, poster_name, thumbnail])
        item = MediaItem.objects.create(
            organisation=org,
            original_name=f"{prefix}/original.webm",
            rendition_name=rendition,
            poster_name=poster_name,
            thumbnail_name=thumbnail,
            state="ready",
            duration_ms=SECONDS * 1000,
            width=320,
            height=240,
            transcript_state="ready",
            transcript_text=" ".join(WORDS),
            transcript_words=words,
            transcript_language="en",
            transcript_engine="whisper:Whisper base",
        )
        answer = Answer.objects.create(
            invitation=invitation,
            question=question,
            revealed_at=now - datetime.timedelta(minutes=4),
            submitted_at=now - datetime.timedelta(minutes=2),
        )
        Take.objects.create(answer=answer, number=1, state="discarded")
        answer.submitted_take = Take.objects.create(
            answer=answer, number=2, state="uploaded", media=item
        )
        answer.save(update_fields=["submitted_take"])
    return invitation


def signed_in(context: BrowserContext, user: User, base_url: str) -> None:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )


def media_state(page: Page, index: int = 0) -> dict[str, float]:
    return page.evaluate(
        """(i) => { const v = document.querySelectorAll('video')[i];
        return {time: v.currentTime, rate: v.playbackRate, paused: v.paused ? 1 : 0,
                ready: v.readyState}; }""",
        index,
    )


def test_reviewer_reviews_a_completed_candidate(
    live_server,  # type: ignore[no-untyped-def]
    page: Page,
    org: Organisation,
    make_member,  # type: ignore[no-untyped-def]
    stored_files: list[str],
    axe_check,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    reviewer = make_member(org, Role.REVIEWER, email="rita@example.com")
    invitation = completed_candidate(org, stored_files, tmp_path)
    ReviewerAssignment.objects.create(
        organisation=org, interview=invitation.interview, user=reviewer
    )
    signed_in(page.context, reviewer, live_server.url)

    # The lists show the candidate's thumbnail, loaded through the signed media path.
    loaded = "() => [...document.querySelectorAll('img.thumb')].some(i => i.complete && i.naturalWidth > 0)"
    page.goto(f"{live_server.url}/app/reviews/interviews/{invitation.interview_id}/")
    page.wait_for_function(loaded)
    # From the to-do list to the candidate.
    page.goto(f"{live_server.url}/app/reviews/todo/")
    page.wait_for_function(loaded)
    page.get_by_role("link", name="Grace Hopper").click()
    expect(page).to_have_title("Grace Hopper · Support engineer · Oneway")
    expect(page.get_by_text("Takes used: 2 of 2").first).to_be_visible()
    expect(page.get_by_text("Extra time ×1.5")).to_be_visible()
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    axe_check(page)

    # Play with the keyboard, then pause.
    page.locator("h1").click()
    page.keyboard.press("k")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.3")
    page.keyboard.press("k")
    assert media_state(page)["paused"] == 1

    # Change speed: applied at once, remembered for the reviewer.
    page.get_by_label("Speed").select_option("1.5")
    assert media_state(page)["rate"] == 1.5
    for _ in range(50):
        reviewer.refresh_from_db()
        if reviewer.preferences.get("playback_rate") == 1.5:
            break
        page.wait_for_timeout(100)
    assert reviewer.preferences["playback_rate"] == 1.5
    page.keyboard.press(">")
    assert media_state(page)["rate"] == 1.75
    page.keyboard.press("<")
    # Two quick changes are saved one after the other: the last one stays.
    page.wait_for_function("() => !window.reviewPage.savingRate")
    reviewer.refresh_from_db()
    assert reviewer.preferences["playback_rate"] == 1.5

    # Captions in the transcript's language, made from its word timings.
    track = page.locator("video track").first
    assert track.get_attribute("srclang") == "en"
    assert track.get_attribute("label") == "English (automatic transcript)"
    page.evaluate("() => { document.querySelector('video').textTracks[0].mode = 'showing'; }")
    page.wait_for_function(
        "() => (document.querySelector('video').textTracks[0].cues || []).length > 0"
    )

    # Seek by clicking a transcript word; the word is highlighted.
    first_answer = page.locator("[data-answer-section]").first
    word = first_answer.locator(".word", has_text="database")
    word.click()
    start = float(word.get_attribute("data-start") or 0)
    page.wait_for_function(
        f"() => Math.abs(document.querySelector('video').currentTime - {start}) < 0.6"
    )
    page.keyboard.press("k")  # clicking a word plays; pause to keep the time steady
    expect(first_answer.locator(".word.current")).to_have_count(1)
    at = media_state(page)["time"]
    page.keyboard.press("j")
    assert media_state(page)["time"] == pytest.approx(max(0.0, at - 5), abs=0.3)
    page.keyboard.press("l")
    assert media_state(page)["time"] == pytest.approx(max(0.0, at - 5) + 5, abs=0.3)

    # Rate every question, saved as chosen.
    forms = page.locator("[data-rating-form]")
    assert forms.count() == 2
    for n in range(2):
        forms.nth(n).get_by_label("4", exact=True).check()
        expect(forms.nth(n).locator("[data-rating-status]")).to_have_text("Saved: 4")
    assert sorted(Rating.objects.values_list("score", flat=True)) == [4, 4]

    # Comment at the current time code, then follow it back.
    word.click()
    page.keyboard.press("k")
    current = int(media_state(page)["time"])
    first_answer.get_by_role("button", name="Use the current time").click()
    time_code = first_answer.get_by_label("At (minutes:seconds, optional)").input_value()
    assert time_code == f"0:{current:02d}"
    first_answer.get_by_label("Comment on answer 1").fill("Clear, concrete migration story.")
    first_answer.get_by_role("button", name="Add comment").click()
    page.wait_for_load_state()
    comment = Comment.objects.get()
    assert comment.time_ms == current * 1000 and comment.answer is not None
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    page.get_by_role("link", name=f"at {time_code}").click()
    page.wait_for_function(
        f"() => Math.abs(document.querySelector('video').currentTime - {current}) < 0.6"
    )
    assert media_state(page)["rate"] == 1.5  # remembered across the reload

    # Next answer with the keyboard; play/pause then acts on it.
    page.locator("h1").click()
    page.keyboard.press("k")
    assert media_state(page)["paused"] == 1
    page.keyboard.press("n")
    assert page.evaluate("window.reviewPage.players.indexOf(window.reviewPage.active)") == 1
    page.keyboard.press("k")
    page.wait_for_function("() => document.querySelectorAll('video')[1].currentTime > 0.2")
    page.keyboard.press("k")
    assert media_state(page, 1)["paused"] == 1 and media_state(page, 0)["paused"] == 1
    assert media_state(page, 1)["rate"] == 1.5
    page.keyboard.press("p")
    assert page.evaluate("window.reviewPage.players.indexOf(window.reviewPage.active)") == 0

    # Shortlist.
    page.get_by_label("Shortlisted").check()
    page.get_by_label("Reason (optional, for the team)").fill("Strong answers")
    page.get_by_role("button", name="Change decision").click()
    expect(page.get_by_text("Decision changed to “Shortlisted”.")).to_be_visible()
    expect(page.locator(".history")).to_contain_text("New → Shortlisted")
    decision = Decision.objects.get(invitation=invitation)
    assert decision.status == "shortlisted" and decision.changed_by == reviewer

    # The dashboard shows it; the other review pages pass the accessibility check too.
    page.get_by_role("link", name="Support engineer").first.click()
    row = page.get_by_role("row", name="Grace Hopper")
    expect(row).to_contain_text("Shortlisted")
    expect(row).to_contain_text("2/2")
    axe_check(page)
    page.get_by_role("link", name="Compare by question").click()
    page.get_by_role("link", name="Compare answers").first.click()
    expect(page.get_by_text("Answer 1 of 1").first).to_be_visible()
    axe_check(page)
