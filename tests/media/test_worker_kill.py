"""A real Huey worker killed (SIGKILL) in the middle of a transcode: nothing half-written
is left in storage, and the job is picked up again by the next worker, which makes
exactly one rendition."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from huey import SqliteHuey
from huey.contrib.djhuey import HUEY

from media.mediagen import make_media
from oneway.media import tasks
from oneway.media.models import MediaItem, ProcessingState
from oneway.media.probe import probe_file

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LEASE_SECONDS = 3


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_env(tmp_path: Path, media_storage: Path, settings: Any) -> dict[str, str]:
    home = tmp_path / "worker"
    home.mkdir()
    return {
        **os.environ,
        "ONEWAY_DATA_DIR": str(home),
        "DATABASE_URL": database_url(),
        "ONEWAY_MEDIA_ROOT": str(media_storage),
        "ONEWAY_MEDIA_WORK_DIR": str(settings.MEDIA_WORK_DIR),
        "ONEWAY_MEDIA_LEASE_SECONDS": str(LEASE_SECONDS),
        "ONEWAY_TRANSCRIBER": "none",
        "ONEWAY_HUEY_IMMEDIATE": "0",
        "ONEWAY_WORKERS": "1",
        "ONEWAY_REDIS_URL": "",
        "ONEWAY_S3_BUCKET": "",
    }


@pytest.fixture
def start_worker(worker_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[[], Any]]:
    started: list[subprocess.Popen[bytes]] = []
    logs: list[Any] = []

    def start() -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115
        logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "oneway", "run_huey", "--workers", "1"],
            env=worker_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
    for log in logs:
        log.close()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_killed_worker_leaves_nothing_half_written_and_the_job_is_redone(
    make_item: Callable[..., MediaItem],
    start_worker: Callable[[], subprocess.Popen[bytes]],
    worker_env: dict[str, str],
    media_storage: Path,
    settings: Any,
    tmp_path: Path,
    speech: Path,
) -> None:
    source = make_media(
        tmp_path / "long.webm", fmt="webm", seconds=8, width=1280, height=720,
        speech=speech, loop_speech=True,
    )  # fmt: skip
    item = make_item(source)
    work_root = Path(settings.MEDIA_WORK_DIR)
    item_folder = media_storage / "media" / str(item.organisation_id) / str(item.pk)

    # Queue the job in the worker's own queue, then start the worker.
    queue = SqliteHuey("oneway", filename=str(Path(worker_env["ONEWAY_DATA_DIR"]) / "huey.sqlite3"))
    task = tasks.media_process.s(item.pk)
    queue.storage.enqueue(HUEY.serialize_task(task), task.priority)
    worker = start_worker()

    def transcoding() -> bool:
        partial = list(work_root.glob(f"item-{item.pk}-*/rendition.mp4"))
        return bool(partial) and partial[0].stat().st_size > 50_000

    wait_for(transcoding, 90, "the transcode to be under way")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)

    item.refresh_from_db()
    assert item.state == ProcessingState.PROCESSING and item.attempts == 1
    assert item.rendition_name == ""
    assert not item_folder.exists() or list(item_folder.iterdir()) == [], "nothing in storage"

    # Once the dead worker's lease has run out, the next worker picks the job up again.
    time.sleep(LEASE_SECONDS + 0.5)
    start_worker()

    wait_for(lambda: MediaItem.objects.get(pk=item.pk).state == ProcessingState.READY, 120, "ready")
    item.refresh_from_db()
    assert item.attempts == 2
    assert sorted(p.name for p in item_folder.iterdir()) == [
        "poster.jpg",
        "rendition.mp4",
        "thumbnail.jpg",
    ]
    # The worker removes its scratch folder once the outcome is committed (and a queued
    # transcript job may be using one of its own): wait for it, do not race it.
    wait_for(lambda: list(work_root.iterdir()) == [], 60, "scratch folders cleaned up")
    # It was the new worker's start-up sweep that found the job, not a later periodic one.
    assert (
        "media sweep at worker start-up: {'requeued': 1" in (tmp_path / "worker-1.log").read_text()
    )
    rendition = probe_file(item_folder / "rendition.mp4")
    assert rendition.duration == pytest.approx(8.0, rel=0.02)
