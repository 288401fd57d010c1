"""Media test fixtures: real recordings generated once per session, an isolated storage
folder per test, and helpers to inspect renditions."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from media.mediagen import make_media, speech_wav
from oneway.core.models import Organisation
from oneway.media.models import MediaItem


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speech_wav(tmp_path_factory.mktemp("speech") / "sentence.wav")


SAMPLES: dict[str, dict[str, Any]] = {
    "vp8.webm": dict(fmt="webm", vcodec="libvpx", acodec="libopus"),
    "vp9.webm": dict(fmt="webm", vcodec="libvpx-vp9", acodec="libopus"),
    "av1.webm": dict(fmt="webm", vcodec="libsvtav1", acodec="libopus"),
    "h264-aac.mp4": dict(fmt="mp4", vcodec="libx264", acodec="aac"),
    "h264-opus.mkv": dict(fmt="matroska", vcodec="libx264", acodec="libopus"),
    "opus.webm": dict(fmt="webm", vcodec=None, acodec="libopus"),
    "silent-vp8.webm": dict(fmt="webm", vcodec="libvpx", acodec=None),
    "h264-1080p.mp4": dict(
        fmt="mp4", vcodec="libx264", acodec="aac", width=1920, height=1080, seconds=1.5
    ),
    "vp8-odd.webm": dict(fmt="webm", vcodec="libvpx", acodec="libopus", width=641, height=361),
}


class Samples(dict[str, Path]):
    """Recordings like browsers make them (3 s of test pattern and speech, 640×480 unless
    said otherwise), each generated the first time a test asks for it."""

    def __init__(self, folder: Path, speech: Path) -> None:
        super().__init__()
        self.folder, self.speech = folder, speech

    def __missing__(self, name: str) -> Path:
        path = make_media(self.folder / name, speech=self.speech, **SAMPLES[name])
        self[name] = path
        return path


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory, speech: Path) -> Samples:
    return Samples(tmp_path_factory.mktemp("samples"), speech)


@pytest.fixture(autouse=True)
def media_storage(settings: Any, tmp_path: Path) -> Path:
    """Each test stores media in its own folder (tests marked s3 switch to S3)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/media-not-public/"},
        },
    }
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = ""
    return root


@pytest.fixture
def store_original() -> Callable[[Path | bytes, str], str]:
    def store(source: Path | bytes, name: str = "uploads/original.webm") -> str:
        data = source.read_bytes() if isinstance(source, Path) else source
        return default_storage.save(name, ContentFile(data))

    return store


@pytest.fixture
def make_item(
    org: Organisation, store_original: Callable[[Path | bytes, str], str]
) -> Callable[..., MediaItem]:
    """A queued item for a stored original (without queuing any job)."""

    def make(source: Path | bytes, *, kind: str = "video", **fields: Any) -> MediaItem:
        suffix = source.suffix if isinstance(source, Path) else ".bin"
        name = store_original(source, f"uploads/original{suffix}")
        size = len(source.read_bytes()) if isinstance(source, Path) else len(source)
        return MediaItem.objects.create(
            organisation=fields.pop("organisation", org),
            original_name=name,
            original_size=size,
            kind=kind,
            **fields,
        )

    return make


def stream_facts(path: Path) -> dict[str, Any]:
    """What a player would see: codecs, size, duration by demuxing, frame intervals."""
    facts: dict[str, Any] = {"video": None, "audio": None}
    with av.open(str(path)) as container:
        facts["format"] = container.format.name
        video_pts: list[int] = []
        end = 0.0
        streams = [*container.streams.video[:1], *container.streams.audio[:1]]
        for packet in container.demux(streams):
            if packet.pts is None:
                continue
            tb = packet.time_base
            end = max(end, float((packet.pts + (packet.duration or 0)) * tb))
            if packet.stream.type == "video":
                video_pts.append(packet.pts)
        if container.streams.video:
            stream = container.streams.video[0]
            video_pts.sort()
            deltas = {b - a for a, b in zip(video_pts, video_pts[1:], strict=False)}
            facts["video"] = {
                "codec": stream.codec_context.name,
                "width": stream.codec_context.width,
                "height": stream.codec_context.height,
                "deltas": deltas,
                "time_base": stream.time_base,
                "frames": len(video_pts),
            }
        if container.streams.audio:
            stream = container.streams.audio[0]
            facts["audio"] = {"codec": stream.codec_context.name, "rate": stream.rate}
        facts["duration"] = end
    return facts


def frame_rate(facts: dict[str, Any]) -> Fraction:
    (delta,) = facts["video"]["deltas"]
    return 1 / (delta * facts["video"]["time_base"])


@pytest.fixture
def copy_sample(tmp_path: Path) -> Iterator[Callable[[Path], Path]]:
    def copy(path: Path) -> Path:
        target = tmp_path / path.name
        shutil.copy(path, target)
        return target

    yield copy
