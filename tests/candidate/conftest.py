"""Fixtures of the candidate flow: an interview with questions, an invitation and its link,
and a browser session that has opened the link.

    link = make_candidate(questions=["video", "audio", "text"], practice_enabled=False)
    client = enter(link)             # a Django test Client holding the candidate's session

The factory is ``oneway.candidate.testing.create_candidate`` (usable from any area's tests).
For a completed candidate with real recorded answers (browser-made), see
``tests/e2e/conftest.py::completed_candidate``.
"""

import base64
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from oneway.accounts.models import User
from oneway.candidate.testing import CandidateLink, create_candidate
from oneway.core.models import Organisation


@pytest.fixture
def make_candidate(org: Organisation, admin_user: User) -> Callable[..., CandidateLink]:
    def make(**kwargs: Any) -> CandidateLink:
        kwargs.setdefault("actor", admin_user)
        return create_candidate(org, **kwargs)

    return make


@pytest.fixture
def enter() -> Callable[[CandidateLink], Client]:
    """A client that opened the candidate's link (holds the session)."""

    def open_link(link: CandidateLink) -> Client:
        client = Client()
        response = client.get(link.path)
        assert response.status_code == 302, response.status_code
        return client

    return open_link


# --- Recordings and raw tus requests ----------------------------------------------------

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


@pytest.fixture(autouse=True)
def candidate_storage(settings: Any, tmp_path: Path) -> Path:
    """Each test gets its own in-progress upload directory and local media storage."""
    settings.UPLOAD_TEMP_DIR = tmp_path / "incoming"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/m/"},
        },
    }
    return tmp_path


@pytest.fixture(scope="session")
def make_recording(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., bytes]:
    """``make_recording(seconds, container="webm"|"mp4", audio_only=False)``: a small real
    recording (test pattern and a tone), made once per session with ffmpeg."""
    directory = tmp_path_factory.mktemp("recordings")
    made: dict[tuple[float, str, bool], bytes] = {}

    def make(seconds: float = 3, container: str = "webm", audio_only: bool = False) -> bytes:
        key = (seconds, container, audio_only)
        if key not in made:
            path = directory / f"{seconds}-{int(audio_only)}.{container}"
            video = [] if audio_only else ["-f", "lavfi", "-i", "testsrc=size=96x64:rate=10"]
            codecs = (
                ["-c:v", "libvpx", "-b:v", "100k", "-c:a", "libopus"]
                if container == "webm"
                else ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]
            )
            if audio_only:
                codecs = ["-c:a", "libopus" if container == "webm" else "aac"]
            subprocess.run(
                ["ffmpeg", "-loglevel", "error", "-y", *video, "-f", "lavfi",
                 "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds),
                 *codecs, str(path)],
                check=True,
            )  # fmt: skip
            made[key] = path.read_bytes()
        return made[key]

    return make


def encode_metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


class Tus:
    """Raw tus requests through a candidate's test client (their session)."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def create(self, *, length: int | None = None, **metadata: str) -> Any:
        extra = {"HTTP_UPLOAD_METADATA": encode_metadata(**metadata)}
        if length is None:
            extra["HTTP_UPLOAD_DEFER_LENGTH"] = "1"
        else:
            extra["HTTP_UPLOAD_LENGTH"] = str(length)
        return self.client.generic("POST", "/uploads/", b"", **TUS, **extra)

    def patch(self, url: str, offset: int, data: bytes, *, length: int | None = None) -> Any:
        extra = {"HTTP_UPLOAD_OFFSET": str(offset)}
        if length is not None:
            extra["HTTP_UPLOAD_LENGTH"] = str(length)
        return self.client.generic(
            "PATCH",
            url,
            data,
            content_type="application/offset+octet-stream",
            CONTENT_TYPE="application/offset+octet-stream",
            **TUS,
            **extra,
        )

    def send(self, data: bytes, *, pieces: int = 3, **metadata: str) -> Any:
        """Create with deferred length, stream ``data`` in pieces, declare the length with
        the last. Returns the last response (or the first refusal)."""
        response = self.create(**metadata)
        if response.status_code != 201:
            return response
        url = response["Location"]
        step = max(1, -(-len(data) // pieces))
        offset = 0
        while True:
            piece = data[offset : offset + step]
            last = offset + len(piece) >= len(data)
            response = self.patch(url, offset, piece, length=len(data) if last else None)
            if response.status_code != 204 or last:
                response.upload_url = url
                return response
            offset += len(piece)


@pytest.fixture
def tus_for() -> Callable[[Client], Tus]:
    return Tus
