"""Real browsers: Chromium records with MediaRecorder (fake camera and microphone fed from
a test pattern and flite speech); every rendition, of those recordings and of generated
ones, plays in Chromium through a signed, ranged URL: it reaches ``ended`` with
``currentTime`` at the duration, and seeking to the middle works."""

import base64
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import av
import pytest
from django.core.files.storage import default_storage
from django.test import Client

from media.answers import attach_to_answer
from media.mediagen import _video_frames
from oneway.accounts.models import User
from oneway.media import jobs
from oneway.media.models import MediaItem, ProcessingState
from oneway.media.probe import probe_file
from oneway.media.render import moov_before_mdat
from oneway.media.signing import media_url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]

RECORD_JS = """async ([mime, ms]) => {
  const stream = await navigator.mediaDevices.getUserMedia(
    {video: {width: 640, height: 480}, audio: true});
  const recorder = new MediaRecorder(stream, {mimeType: mime});
  const chunks = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start(500);  // chunks every 500 ms, as the candidate recorder streams them
  await new Promise((resolve) => setTimeout(resolve, ms));
  recorder.stop();
  await stopped;
  stream.getTracks().forEach((track) => track.stop());
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return [recorder.mimeType, btoa(text)];
}"""

PLAY_JS = """async ([src, tag]) => {
  const media = document.createElement(tag);
  media.muted = true;
  media.preload = "auto";
  document.body.append(media);
  const failed = () => new Error("media error " + (media.error && media.error.code));
  await new Promise((resolve, reject) => {
    media.onloadedmetadata = resolve;
    media.onerror = () => reject(failed());
    media.src = src;
  });
  const duration = media.duration;
  media.playbackRate = 2;
  const ended = new Promise((resolve, reject) => {
    media.onended = resolve;
    media.onerror = () => reject(failed());
  });
  await media.play();
  await ended;
  const endTime = media.currentTime;
  const seeked = new Promise((resolve) => { media.onseeked = resolve; });
  media.currentTime = duration / 2;
  await seeked;
  const middle = media.currentTime;
  await media.play();
  await new Promise((resolve) => setTimeout(resolve, 400));
  media.pause();
  return {duration, endTime, middle, after: media.currentTime,
          width: media.videoWidth || 0, readyState: media.readyState};
}"""


@pytest.fixture(scope="module")
def fake_devices(tmp_path_factory: pytest.TempPathFactory, speech: Path) -> tuple[Path, Path]:
    """A 2 s looping camera picture (Y4M) and flite speech for the fake microphone."""
    y4m = tmp_path_factory.mktemp("camera") / "camera.y4m"
    with av.open(str(y4m), "w", format="yuv4mpegpipe") as out:
        stream = out.add_stream("rawvideo", rate=30)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        for frame in _video_frames(640, 480, 30, 2.0):
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return y4m, speech


@pytest.fixture(scope="module")
def browser(fake_devices: tuple[Path, Path], playwright_instance: Any) -> Iterator[Any]:
    camera, microphone = fake_devices
    args = [
        *CHROMIUM_ARGS,
        f"--use-file-for-fake-video-capture={camera}",
        f"--use-file-for-fake-audio-capture={microphone}",
    ]
    chromium = playwright_instance.chromium.launch(executable_path="/usr/bin/chromium", args=args)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any, reviewer: User) -> Iterator[Any]:
    """A page on the app's origin, signed in as the reviewer (media URLs are bound to
    them and served same-origin only)."""
    client = Client()
    client.force_login(reviewer, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context()
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    blank = live_server.url + "/__media_test__"
    page.route(
        blank,
        lambda route: route.fulfill(
            body="<!doctype html><title>t</title>", content_type="text/html"
        ),
    )
    page.goto(blank)
    yield page
    context.close()


def play(page: Any, item: MediaItem, user: User) -> dict[str, Any]:
    # Media is served only for answers the viewer may see (checked again when served).
    attach_to_answer(item, assign=user)
    src = media_url(item=item, user=user, variant="rendition")
    tag = "video" if item.rendition_name.endswith(".mp4") else "audio"
    return page.evaluate(PLAY_JS, [src, tag])


def assert_plays(result: dict[str, Any], duration: float, *, video: bool = True) -> None:
    assert result["duration"] == pytest.approx(duration, abs=0.1)
    assert result["endTime"] == pytest.approx(result["duration"], abs=0.1)
    assert result["middle"] == pytest.approx(result["duration"] / 2, abs=0.1)
    assert result["after"] > result["middle"]
    assert result["readyState"] >= 2
    if video:
        assert result["width"] > 0


def process(make_item: Callable[..., MediaItem], source: Path, kind: str = "video") -> MediaItem:
    item = make_item(source, kind=kind)
    assert jobs.process_item(item.pk) == "ready"
    item.refresh_from_db()
    assert item.state == ProcessingState.READY
    return item


RECORDINGS = ["video/webm;codecs=vp8,opus", "video/webm;codecs=h264,opus"]
OPTIONAL = ["video/mp4;codecs=avc1,opus", "video/mp4;codecs=avc1,mp4a", "video/mp4"]


def test_chromium_recordings_become_renditions_that_play(
    page: Any,
    make_item: Callable[..., MediaItem],
    reviewer: User,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.TRANSCRIBER = "none"
    supported = page.evaluate(
        "(types) => types.filter((t) => MediaRecorder.isTypeSupported(t))", RECORDINGS + OPTIONAL
    )
    assert set(RECORDINGS) <= set(supported)
    mimes = RECORDINGS + [t for t in OPTIONAL if t in supported][:1]
    for index, mime in enumerate(mimes):
        recorded_type, data = page.evaluate(RECORD_JS, [mime, 3500])
        source = tmp_path / f"recording-{index}.bin"
        source.write_bytes(base64.b64decode(data))
        original = probe_file(source)
        assert original.video is not None and original.audio is not None
        assert 3.0 < original.duration < 4.5, recorded_type
        item = process(make_item, source)
        path = Path(default_storage.path(item.rendition_name))
        assert moov_before_mdat(path)
        result = probe_file(path)
        assert result.video is not None and result.video.codec == "h264"
        assert result.audio is not None and result.audio.codec == "aac"
        assert result.duration == pytest.approx(original.duration, rel=0.02)
        if original.video.codec == "h264":
            assert item.plan["video"] in ("copy", "transcode"), item.plan
        assert_plays(play(page, item, reviewer), result.duration)


@pytest.mark.parametrize(
    ("sample", "kind"),
    [
        ("vp8.webm", "video"),
        ("h264-aac.mp4", "video"),
        ("h264-opus.mkv", "video"),
        ("opus.webm", "audio"),
    ],
)
def test_generated_recordings_play_in_chromium(
    sample: str,
    kind: str,
    page: Any,
    samples: dict[str, Path],
    make_item: Callable[..., MediaItem],
    reviewer: User,
    settings: Any,
) -> None:
    settings.TRANSCRIBER = "none"
    item = process(make_item, samples[sample], kind)
    assert_plays(play(page, item, reviewer), item.duration_ms / 1000, video=kind == "video")
