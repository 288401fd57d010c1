"""Shared browser fixtures for every area's end-to-end tests.

One Chromium (Debian's, never a Playwright download) per test session, launched with a
fake camera and microphone fed from files this module makes: a ``.y4m`` test pattern
(ffmpeg) and speech from ``flite -voice rms``. Each test gets a fresh context and page.

    @pytest.mark.e2e
    def test_something(live_server, page):
        page.goto(live_server.url + "/c/...")
        assert_accessible(page)

Fixtures: ``fake_media`` (paths and durations of the files), ``browser`` (session),
``browser_context`` and ``page`` (per test, camera and microphone permitted),
``new_context`` (a factory for more contexts, e.g. a second tab or a second user),
``axe_check`` / ``assert_accessible`` (axe-core: no serious or critical violation).
"""

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from oneway.accounts.models import User
from oneway.candidate.testing import CandidateLink, create_candidate
from oneway.core.models import Organisation

CHROMIUM = os.environ.get("ONEWAY_CHROMIUM", "/usr/bin/chromium")
BASE_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SPEECH = (
    "Hello, my name is Alex. I have worked as a software engineer for six years. "
    "I enjoy solving hard problems with a small team, and I like to explain my work clearly."
)
# Fake camera: 640x360 at 15 frames per second, a moving test pattern with a clock.
VIDEO_SIZE = (640, 360)
VIDEO_FPS = 15
VIDEO_SECONDS = 4


@dataclass(frozen=True)
class FakeMedia:
    video: Path  # .y4m fed to --use-file-for-fake-video-capture (looped by Chromium)
    audio: Path  # .wav fed to --use-file-for-fake-audio-capture (looped by Chromium)
    video_seconds: float
    audio_seconds: float
    speech: str  # what the fake microphone says, for transcript tests


def _wav_seconds(path: Path) -> float:
    import wave

    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


def make_fake_media(directory: Path) -> FakeMedia:
    """Write the fake camera and microphone files into ``directory`` (idempotent)."""
    if not shutil.which("ffmpeg") or not shutil.which("flite"):
        pytest.skip("ffmpeg and flite are needed for the fake camera and microphone")
    directory.mkdir(parents=True, exist_ok=True)
    video = directory / "camera.y4m"
    audio = directory / "speech.wav"
    if not video.exists():
        width, height = VIDEO_SIZE
        subprocess.run(
            [
                "ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi",
                "-i", f"testsrc2=size={width}x{height}:rate={VIDEO_FPS}",
                "-t", str(VIDEO_SECONDS), "-pix_fmt", "yuv420p", str(video) + ".tmp.y4m",
            ],
            check=True,
        )  # fmt: skip
        Path(str(video) + ".tmp.y4m").rename(video)
    if not audio.exists():
        subprocess.run(
            ["flite", "-voice", "rms", "-t", SPEECH, "-o", str(audio) + ".tmp.wav"], check=True
        )
        Path(str(audio) + ".tmp.wav").rename(audio)
    return FakeMedia(
        video=video,
        audio=audio,
        video_seconds=float(VIDEO_SECONDS),
        audio_seconds=_wav_seconds(audio),
        speech=SPEECH,
    )


@pytest.fixture(scope="session")
def fake_media(tmp_path_factory: pytest.TempPathFactory) -> FakeMedia:
    return make_fake_media(tmp_path_factory.mktemp("fake-media"))


def chromium_args(media: FakeMedia) -> list[str]:
    return [
        *BASE_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={media.video}",
        f"--use-file-for-fake-audio-capture={media.audio}",
        "--autoplay-policy=no-user-gesture-required",
    ]


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright, fake_media: FakeMedia) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=chromium_args(fake_media)
    )
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Factory: ``new_context(**playwright_context_options)``; closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.grant_permissions(["camera", "microphone"])
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def browser_context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(browser_context: BrowserContext) -> Page:
    return browser_context.new_page()


SERIOUS = ("serious", "critical")


def axe_violations(page: Page, impacts: tuple[str, ...] = SERIOUS) -> list[dict[str, Any]]:
    """axe-core's violations of the given impacts on the page as it is now."""
    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in impacts]


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    violations = axe_violations(page)
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"axe-core found on {page.url}:\n{details}"


@pytest.fixture
def axe_check() -> Callable[[Page], None]:
    return assert_accessible


# --- Candidates ----------------------------------------------------------------------


@pytest.fixture
def make_candidate(org: Organisation, admin_user: User) -> Callable[..., CandidateLink]:
    """``make_candidate(questions=["video", "audio", "text"], **interview_fields)``."""

    def make(**kwargs: Any) -> CandidateLink:
        kwargs.setdefault("actor", admin_user)
        return create_candidate(org, **kwargs)

    return make
