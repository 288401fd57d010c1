"""Crash safety: the production server is SIGKILLed at random moments while 30 clients
upload, twenty times. Clients resume (HEAD, then PATCH) after each restart. The server
never forgets a byte it acknowledged, and every completed file is exactly its source."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import encode_metadata
from django.db import connection
from django.utils import timezone
from tus_server import GranianServer, database_url
from tus_test_policy import PURPOSE, SECRET_HEADER

from oneway.uploads.models import Upload
from oneway.uploads.sweep import uploads_sweep

CLIENTS = 30
KILLS = 20
TIMEOUT = 5


@dataclass
class Stats:
    completed: list[tuple[str, str]] = field(default_factory=list)  # (upload id, sha256)
    errors: list[str] = field(default_factory=list)
    resumes: int = 0
    acknowledged_bytes: int = 0


class CandidateClient(threading.Thread):
    """Uploads one recording after another, pacing its PATCHes like a recorder."""

    def __init__(self, n: int, base_url: str, stats: Stats, stop: threading.Event):
        super().__init__(daemon=True)
        self.rng = random.Random(n)
        self.base_url = base_url
        self.stats = stats
        self.stop = stop
        self.lock = threading.Lock()
        self.headers = {"Tus-Resumable": "1.0.0", SECRET_HEADER: f"client-{n}"}
        self.session = requests.Session()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.upload_one()
        except Exception as exc:  # surfaced by the test
            self.stats.errors.append(f"{self.name}: {exc!r}")

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response | None:
        try:
            return self.session.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException:
            # The server is down (or was killed mid-request): back off a little.
            time.sleep(0.2)
            return None

    def upload_one(self) -> None:
        source = os.urandom(self.rng.randint(64 * 1024, 1024 * 1024))
        deferred = self.rng.random() < 0.3
        meta = encode_metadata(purpose=PURPOSE, filename="take.webm")
        creation = {**self.headers, "Upload-Metadata": meta}
        if deferred:
            creation["Upload-Defer-Length"] = "1"
        else:
            creation["Upload-Length"] = str(len(source))
        url = None
        while url is None:
            response = self.request("POST", f"{self.base_url}/uploads/", headers=creation)
            if response is not None:
                assert response.status_code == 201, response.text
                url = response.headers["Location"]
        acknowledged = offset = 0
        while True:
            data = source[offset : offset + self.rng.randint(8 * 1024, 96 * 1024)]
            headers = {
                **self.headers,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            }
            if deferred and offset + len(data) == len(source):
                headers["Upload-Length"] = str(len(source))
            if self.rng.random() < 0.5:
                digest = base64.b64encode(hashlib.sha1(data).digest()).decode()
                headers["Upload-Checksum"] = f"sha1 {digest}"
            response = self.request("PATCH", url, data=data, headers=headers)
            if response is not None and response.status_code == 204:
                offset = int(response.headers["Upload-Offset"])
                assert offset == int(headers["Upload-Offset"]) + len(data)
                with self.lock:
                    self.stats.acknowledged_bytes += len(data)
                acknowledged = offset
                if offset == len(source):
                    break
                time.sleep(self.rng.uniform(0.05, 0.25))
                continue
            if response is not None and response.status_code == 503:
                # Busy receiving other bodies (oneway.core.bodygate): tus clients retry.
                time.sleep(float(response.headers.get("Retry-After", "1")) / 10)
                continue
            if response is not None and response.status_code != 409:
                raise AssertionError(f"PATCH answered {response.status_code}: {response.text}")
            # A lost connection (or a conflict): ask the server where it is.
            self.stats.resumes += 1
            head = None
            while head is None:
                head = self.request("HEAD", url, headers=self.headers)
            assert head.status_code == 200, head.text
            offset = int(head.headers["Upload-Offset"])
            # The promise under test: nothing acknowledged is ever lost.
            assert offset >= acknowledged, (url, offset, acknowledged)
            acknowledged = offset
            if offset == len(source) and head.headers.get("Upload-Length") == str(len(source)):
                break
        self.stats.completed.append((url.rsplit("/", 1)[1], hashlib.sha256(source).hexdigest()))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sigkill_during_30_concurrent_uploads_loses_nothing(tmp_path: Path) -> None:
    media = tmp_path / "media"
    # One worker restarts twice as fast as two on this 2-core machine; its threads race
    # for the same row locks as several processes would (each has its own connection).
    server = GranianServer(
        workers=1,
        env={
            "DATABASE_URL": database_url(connection.settings_dict),
            "ONEWAY_DATA_DIR": str(tmp_path / "data"),
            "ONEWAY_UPLOAD_DIR": str(tmp_path / "incoming"),
            "ONEWAY_MEDIA_ROOT": str(media),
            "ONEWAY_LOG_LEVEL": "WARNING",
        },
        log=tmp_path / "granian.log",
    )
    rng = random.Random(20)
    stats = Stats()
    stop = threading.Event()
    clients = [CandidateClient(n, server.url, stats, stop) for n in range(CLIENTS)]
    server.start()
    started = time.monotonic()
    try:
        for client in clients:
            client.start()
        restarts = 0.0
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.1, 0.8))
            server.kill()
            restart_began = time.monotonic()
            server.start()
            restarts += time.monotonic() - restart_began
        killing = time.monotonic() - started
        stop.set()
        for client in clients:
            client.join(timeout=60)
        assert not any(client.is_alive() for client in clients), "clients did not finish"
    finally:
        stop.set()
        server.stop()
    elapsed = time.monotonic() - started

    assert stats.errors == []
    assert len(stats.completed) >= CLIENTS
    assert stats.resumes >= KILLS  # the kills really interrupted uploads
    for upload_id, expected in stats.completed:
        upload = Upload.objects.get(pk=upload_id)
        assert upload.is_complete
        digest = hashlib.sha256((media / upload.storage_name).read_bytes()).hexdigest()
        assert digest == expected, upload_id
    # Completions whose notification a kill interrupted are delivered by the sweep.
    uploads_sweep(now=timezone.now() + timedelta(minutes=5))
    assert not Upload.objects.filter(completed_at__isnull=False, notified_at__isnull=True).exists()
    print(
        f"\n{KILLS} kills, {len(stats.completed)} uploads completed, {stats.resumes} resumes, "
        f"{stats.acknowledged_bytes / 1e6:.1f} MB acknowledged in {elapsed:.0f}s "
        f"({killing:.0f}s killing, of which {restarts:.0f}s restarting)"
    )
