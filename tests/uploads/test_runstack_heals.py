"""A crash heals itself: ``runstack`` with candidates uploading answers; a web worker and
then the job worker are killed with SIGKILL. The site answers again within 5 s, every
upload completes intact, and every answer's media job still runs to the end."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import encode_metadata
from django.db import connection
from django.test import Client
from tus_server import database_url, free_port

from oneway.accounts.models import User
from oneway.candidate.services import answer_reveal, take_start
from oneway.candidate.testing import create_candidate
from oneway.core.models import Organisation, Take
from oneway.core.models.answers import TakeState
from oneway.media.models import MediaItem, ProcessingState

pytestmark = pytest.mark.slow

CANDIDATES = 4
PIECES = 12
TUS = {"Tus-Resumable": "1.0.0"}


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(n) for n in (task / "children").read_text().split()]
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("rec") / "answer.webm"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "4",
         "-c:v", "libvpx", "-b:v", "300k", "-c:a", "libopus", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


@pytest.fixture
def stack(transactional_db: None, tmp_path: Path) -> Iterator[dict[str, Any]]:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "oneway.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "ONEWAY_DATA_DIR": str(tmp_path / "data"),
        "ONEWAY_UPLOAD_DIR": str(tmp_path / "incoming"),
        "ONEWAY_MEDIA_ROOT": str(tmp_path / "media"),
        "ONEWAY_MEDIA_LEASE_SECONDS": "4",
        "ONEWAY_TRANSCRIBER": "none",
        "PORT": str(port),
        "WEB_WORKERS": "2",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = tmp_path / "runstack.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "oneway", "runstack"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, log.read_text()
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/accounts/login/", timeout=2).status_code == 200:
                break
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    yield {"url": url, "process": process, "log": log}
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    for pid in _all_descendants(process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _all_descendants(pid: int) -> list[int]:
    found = []
    for child in _children(pid):
        found += [child, *_all_descendants(child)]
    return found


class Uploader(threading.Thread):
    """One candidate's answer, sent in pieces; after a failure it asks the server where
    it stands (HEAD) and carries on from there."""

    def __init__(self, url: str, cookie: str, take: Take, data: bytes) -> None:
        super().__init__(daemon=True)
        self.url, self.data = url, data
        self.headers = {**TUS, "Cookie": cookie}
        self.metadata = {"purpose": "answer", "take": str(take.pk), "filetype": "video/webm"}
        self.done = False
        self.retries = 0
        self.error = ""

    def run(self) -> None:
        deadline = time.monotonic() + 150
        location = ""
        offset = 0
        step = -(-len(self.data) // PIECES)
        while time.monotonic() < deadline:
            try:
                if not location:
                    created = requests.post(
                        f"{self.url}/uploads/",
                        headers={
                            **self.headers,
                            "Upload-Defer-Length": "1",
                            "Upload-Metadata": encode_metadata(**self.metadata),
                        },
                        timeout=15,
                    )
                    assert created.status_code == 201, created.text
                    location = created.headers["Location"]
                piece = self.data[offset : offset + step]
                last = offset + len(piece) >= len(self.data)
                extra = {"Upload-Length": str(len(self.data))} if last else {}
                answer = requests.patch(
                    location,
                    data=piece,
                    headers={
                        **self.headers,
                        **extra,
                        "Upload-Offset": str(offset),
                        "Content-Type": "application/offset+octet-stream",
                    },
                    timeout=15,
                )
                if answer.status_code != 204:
                    raise RuntimeError(f"{answer.status_code} {answer.text[:200]}")
                offset = int(answer.headers["Upload-Offset"])
                if offset == len(self.data):
                    self.done = True
                    return
                time.sleep(0.3)
            except (requests.RequestException, RuntimeError) as exc:
                self.retries += 1
                self.error = repr(exc)
                time.sleep(0.3)
                if location:
                    with contextlib.suppress(requests.RequestException, KeyError, ValueError):
                        head = requests.head(location, headers=self.headers, timeout=15)
                        offset = int(head.headers["Upload-Offset"])


def _site_answers_within(url: str, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/accounts/login/", timeout=1).status_code == 200:
                return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"the site did not answer within {seconds} s")


def test_killed_web_and_job_workers_come_back_and_lose_nothing(
    stack: dict[str, Any], org: Organisation, admin_user: User, recording: bytes
) -> None:
    url, runstack = stack["url"], stack["process"]
    uploaders = []
    takes = []
    for n in range(CANDIDATES):
        link = create_candidate(org, actor=admin_user, email=f"c{n}@example.com")
        client = Client()
        assert client.get(link.path).status_code == 302
        client.post("/c/", {"action": "consent", "agree": "on"})
        link.invitation.refresh_from_db()
        take = take_start(
            answer=answer_reveal(invitation=link.invitation, question=link.questions[0])
        )
        takes.append(take)
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        uploaders.append(Uploader(url, cookie, take, recording))
    for uploader in uploaders:
        uploader.start()
    time.sleep(1.0)

    # A web worker dies mid-upload.
    [granian] = [p for p in _children(runstack.pid) if "granian" in _cmdline(p)]
    web_workers = _children(granian)
    assert len(web_workers) == 2
    os.kill(web_workers[0], signal.SIGKILL)
    _site_answers_within(url, 5)
    deadline = time.monotonic() + 10
    while len(_children(granian)) < 2:  # granian starts a replacement
        assert time.monotonic() < deadline, stack["log"].read_text()[-3000:]
        time.sleep(0.2)

    # The job worker dies, as soon as it has a media job in hand (or has finished them).
    [worker] = [p for p in _children(runstack.pid) if "run_huey" in _cmdline(p)]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if MediaItem.objects.filter(state=ProcessingState.PROCESSING).exists():
            break
        if (
            all(not u.is_alive() for u in uploaders)
            and not MediaItem.objects.exclude(state=ProcessingState.READY).exists()
        ):
            break
        time.sleep(0.05)
    os.kill(worker, signal.SIGKILL)
    _site_answers_within(url, 5)
    deadline = time.monotonic() + 10
    while not [p for p in _children(runstack.pid) if "run_huey" in _cmdline(p) and p != worker]:
        assert time.monotonic() < deadline, "the job worker was not restarted"
        time.sleep(0.2)

    for uploader in uploaders:
        uploader.join(timeout=160)
        assert uploader.done, (uploader.error, stack["log"].read_text()[-3000:])
    assert runstack.poll() is None
    # Every answer's recording arrived whole and its media job finished.
    deadline = time.monotonic() + 120
    while True:
        states = [
            (take.state, take.media.state if take.media else None)
            for take in Take.objects.filter(pk__in=[t.pk for t in takes]).select_related("media")
        ]
        if all(media == ProcessingState.READY for _, media in states):
            break
        assert time.monotonic() < deadline, (states, stack["log"].read_text()[-3000:])
        time.sleep(0.5)
    assert all(state != TakeState.RECORDING for state, _ in states)
    for take in Take.objects.filter(pk__in=[t.pk for t in takes]):
        assert take.size == len(recording)
