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

import base64
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

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
INSECURE_HOST = "insecure.oneway.test"


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
        # A name that is not localhost, for pages served without HTTPS (insecure context).
        f"--host-resolver-rules=MAP {INSECURE_HOST} 127.0.0.1",
    ]


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
    blocked: list[str] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.grant_permissions(["camera", "microphone"])
        context.set_default_timeout(15_000)
        # Whatever the Content-Security-Policy blocks is a bug of the page.
        context.on(
            "console",
            lambda message: (
                blocked.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not blocked, "blocked by the Content-Security-Policy:\n" + "\n".join(blocked)


@pytest.fixture
def browser_context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(browser_context: BrowserContext) -> Page:
    return browser_context.new_page()


SERIOUS = ("serious", "critical")
VENDORED_TUS = (
    Path(__file__).resolve().parents[2] / "src/oneway/candidate/static/candidate/vendor/tus.min.js"
)


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


class ChunkLog:
    """The bytes the recorder produced, as it stored them (a page hook reports each chunk
    after it is safely in IndexedDB), per take key ``<scope>:<purpose>:<id>``."""

    def __init__(self) -> None:
        self.chunks: dict[str, dict[int, bytes]] = {}

    def add(self, key: str, start: int, data_b64: str) -> None:
        self.chunks.setdefault(key, {})[int(start)] = base64.b64decode(data_b64)

    def take_bytes(self, take_id: int) -> bytes:
        key = next(k for k in self.chunks if k.endswith(f":answer:{take_id}"))
        data = b""
        for start in sorted(self.chunks[key]):
            assert start == len(data), f"chunk at {start} after {len(data)} bytes"
            data += self.chunks[key][start]
        return data


class CandidateBrowser:
    """Drives one candidate through the recorded interview, with the keyboard where a
    candidate would use it. ``durations`` holds the wall-clock seconds of each take."""

    def __init__(self, page: Page, base_url: str, *, record_chunks: bool = False) -> None:
        self.page = page
        self.base_url = base_url
        self.durations: dict[int, float] = {}
        self.chunks = ChunkLog()
        if record_chunks:
            page.context.expose_function("__onewayChunkStored", self.chunks.add)

    def wait_ready(self) -> None:
        self.page.wait_for_selector("html[data-candidate-ready]")

    def open(self, link: CandidateLink) -> None:
        self.page.goto(self.base_url + link.path)
        self.page.wait_for_url("**/c/")

    def consent(self) -> None:
        self.page.get_by_label("I have read the above and I agree.").check()
        self.page.get_by_role("button", name="Agree and start").click()
        self.page.wait_for_url("**/device-check/")

    def device_check(self, *, skip: bool = False, before_continue: Any = None) -> None:
        self.wait_ready()
        if skip:
            self.page.get_by_role("button", name="Skip the check").click()
        else:
            self.page.locator("#turn-on").click()
            self.page.wait_for_selector("#record-clip:not([disabled])")
            self.page.locator("#record-clip").click()
            self.page.wait_for_selector("#clip-playback:not([hidden])", timeout=30_000)
            # Played back from the server: the browser can read its length.
            self.page.wait_for_function(
                "() => document.getElementById('clip-playback').readyState >= 1"
            )
            if before_continue is not None:
                before_continue()
            self.page.locator("#check-done").click()
        self.page.wait_for_url(lambda url: "/device-check/" not in url)

    def reveal(self) -> None:
        self.page.locator("#reveal").click()
        self.wait_ready()

    def start(self) -> int:
        """Start recording now (keyboard); returns the take's id once recording."""
        start = self.page.locator("#start-now")
        start.wait_for(state="visible")
        start.focus()
        self.page.keyboard.press("Enter")
        # The key press starts at once (the phase leaves "countdown"); recording follows
        # once the server has created the take, which on a machine running both test legs
        # at once can take longer than Playwright's default wait.
        self.page.wait_for_function(
            "() => document.getElementById('recorder').dataset.phase !== 'countdown'",
            timeout=5_000,
        )
        try:
            self.page.locator("#stop").wait_for(state="visible", timeout=60_000)
        except PlaywrightTimeoutError:
            shown = self.page.evaluate(
                """() => ({
                    phase: document.getElementById('recorder').dataset.phase,
                    error: document.getElementById('recorder-error').hidden
                        ? '' : document.getElementById('recorder-error').textContent.trim(),
                })"""
            )
            raise AssertionError(f"recording did not start: {shown}") from None
        self._started = time.monotonic()
        return int(self.page.locator("#recorder").get_attribute("data-current-take") or 0)

    def stop(self, take_id: int, *, wait_saved: bool = True, timeout: float = 30_000) -> None:
        self.page.locator("#stop").focus()
        self.page.keyboard.press("Enter")
        self.durations[take_id] = time.monotonic() - self._started
        if wait_saved:
            self.wait_saved(take_id, timeout=timeout)

    def wait_saved(self, take_id: int, timeout: float = 30_000) -> None:
        self.page.wait_for_selector(f'#recorder[data-last-saved="{take_id}"]', timeout=timeout)

    def record(self, seconds: float) -> int:
        take_id = self.start()
        time.sleep(seconds)
        self.stop(take_id)
        return take_id

    def retake(self) -> None:
        self.page.locator("#retake").click()

    def send_answer(self) -> None:
        url = self.page.url
        self.page.locator("#submit-answer").click()
        self.page.wait_for_url(lambda new: new != url)

    def send_interview(self) -> None:
        self.page.wait_for_url("**/c/submit/")
        self.page.locator("#send-interview").click()
        self.page.wait_for_url("**/c/status/")

    def complete(self, link: CandidateLink, *, seconds: float = 2.5, practice: bool = True) -> None:
        """The whole interview: consent, device check, practice, one take per question."""
        self.open(link)
        self.consent()
        self.device_check()
        if practice and link.interview.practice_enabled:
            self.reveal()
            self.record(1.5)
            self.send_answer()
        for _question in link.questions:
            self.reveal()
            self.record(seconds)
            self.send_answer()
        self.send_interview()


@pytest.fixture
def candidate_browser(live_server: Any, page: Page) -> Callable[..., CandidateBrowser]:
    """``candidate_browser(record_chunks=False, on=page)``: a driver on the live server;
    with ``record_chunks`` it keeps every chunk the recorder stored (``.chunks``)."""
    if not VENDORED_TUS.exists():
        pytest.fail("tus-js-client is not vendored into the static files: run `make js`.")

    def make(*, record_chunks: bool = False, on: Page | None = None) -> CandidateBrowser:
        return CandidateBrowser(on or page, live_server.url, record_chunks=record_chunks)

    return make


@pytest.fixture
def no_media_processing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Media items are created but not processed (transcoding and transcripts take seconds
    each and would run inline in the upload request); returns the ids queued."""
    import oneway.media.tasks

    queued: list[int] = []
    monkeypatch.setattr(oneway.media.tasks, "enqueue_processing", queued.append)
    monkeypatch.setattr(oneway.media.tasks, "enqueue_transcription", lambda item_id: None)
    return queued


@pytest.fixture
def completed_candidate(
    live_server: Any,
    new_context: Callable[..., BrowserContext],
    make_candidate: Callable[..., CandidateLink],
) -> Callable[..., CandidateLink]:
    """``completed_candidate(questions=["video", "video"], seconds=2.5, **interview_fields)``:
    a candidate who went through the whole interview in the browser (fake camera and the
    flite voice), with real recorded answers; returns the link, the invitation completed.
    Media processing runs as it is configured (inline in tests: ``huey_immediate``).
    Needs ``@pytest.mark.django_db(transaction=True)`` (the live server reads the data)."""

    def make(*, seconds: float = 2.5, **kwargs: Any) -> CandidateLink:
        kwargs.setdefault("practice_enabled", False)
        link = make_candidate(**kwargs)
        page = new_context().new_page()
        CandidateBrowser(page, live_server.url).complete(link, seconds=seconds)
        page.close()
        link.invitation.refresh_from_db()
        return link

    return make


# --- Checking what was stored ---------------------------------------------------------


@dataclass(frozen=True)
class MediaProbe:
    seconds: float
    kinds: frozenset[str]  # "video", "audio"


def probe_media(path: Path) -> MediaProbe:
    """Length (from the packets: MediaRecorder files carry no duration) and stream kinds."""
    import av

    end, start = 0.0, None
    with av.open(str(path)) as container:
        kinds = frozenset(stream.type for stream in container.streams)
        for packet in container.demux():
            if packet.pts is None or packet.time_base is None:
                continue
            at = float(packet.pts * packet.time_base)
            start = at if start is None else min(start, at)
            end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    return MediaProbe(seconds=end - (start or 0.0), kinds=kinds)


def concat_media(paths: list[Path], out: Path) -> Path:
    """Join recordings end to end into one file (ffmpeg's concat filter: it takes each
    input's first video and audio stream, whatever their order in the container)."""
    inputs = [arg for path in paths for arg in ("-i", str(path))]
    streams = "".join(f"[{i}:v:0][{i}:a:0]" for i in range(len(paths)))
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", *inputs, "-filter_complex",
         f"{streams}concat=n={len(paths)}:v=1:a=1[v][a]", "-map", "[v]", "-map", "[a]",
         "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(out)],
        check=True,
    )  # fmt: skip
    return out


@pytest.fixture
def media_tools() -> Any:
    """``media_tools.probe(path)`` and ``media_tools.concat(paths, out)``."""

    class Tools:
        probe = staticmethod(probe_media)
        concat = staticmethod(concat_media)

    return Tools
