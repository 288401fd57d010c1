"""Durability: full disks, left-overs of killed requests, racing PATCHes, huge chunks."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import TusTestClient, encode_metadata
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from tus_test_policy import PURPOSE, SECRET_HEADER

from oneway.uploads import fsio
from oneway.uploads.models import Upload
from oneway.uploads.sweep import uploads_repair


def _upload(url: str) -> Upload:
    return Upload.objects.get(pk=url.rsplit("/", 1)[1])


@pytest.fixture
def tiny_disk(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """UPLOAD_TEMP_DIR on a 512 KiB tmpfs (as root); else ENOSPC is simulated past 512 KiB.

    Yields which of the two it is.
    """
    mountpoint = tmp_path / "tiny"
    mountpoint.mkdir()
    mounted = False
    if os.geteuid() == 0:
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mountpoint)],
            capture_output=True,
        )
        mounted = result.returncode == 0
    settings.UPLOAD_TEMP_DIR = mountpoint
    if mounted:
        try:
            yield "tmpfs"
        finally:
            subprocess.run(["umount", "-l", str(mountpoint)], check=False)
        return

    # Simulation: writes that would take the directory past 512 KiB fail with ENOSPC.
    def used() -> int:
        return sum(p.stat().st_size for p in mountpoint.iterdir() if p.is_file())

    real_copy, real_write = os.copy_file_range, os.write

    def copy_file_range(src: int, dst: int, count: int, *args: Any) -> int:
        if used() + count > 512 * 1024:
            raise OSError(errno.ENOSPC, "No space left on device (simulated)")
        return real_copy(src, dst, count, *args)

    monkeypatch.setattr(fsio.os, "copy_file_range", copy_file_range)
    budget = {"left": 512 * 1024}

    def write(fd: int, data: Any) -> int:
        budget["left"] -= len(data)
        if budget["left"] < 0:
            raise OSError(errno.ENOSPC, "No space left on device (simulated)")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    yield "simulated"


def test_full_disk_answers_507_and_keeps_the_offset(
    tus: TusTestClient, tiny_disk: str, settings: Any
) -> None:
    url = tus.new(1_000_000)
    first = os.urandom(200 * 1024)
    assert tus.patch(url, 0, first).status_code == 204
    part = Path(django_settings.UPLOAD_TEMP_DIR) / f"{_upload(url).id.hex}.part"

    # The body (held in memory) is received, but appending it does not fit.
    response = tus.patch(url, len(first), os.urandom(400 * 1024))
    assert response.status_code == 507, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert _upload(url).offset == len(first)
    assert part.read_bytes() == first

    # A body bigger than the memory buffer goes to a scratch file, which does not fit.
    settings.UPLOAD_MEMORY_BUFFER = 64 * 1024
    response = tus.patch(url, len(first), os.urandom(400 * 1024))
    assert response.status_code == 507, response.content
    assert _upload(url).offset == len(first)
    assert part.read_bytes() == first

    # Smaller chunks still fit: the upload goes on where it was.
    small = os.urandom(50 * 1024)
    assert tus.patch(url, len(first), small).status_code == 204
    assert part.read_bytes() == first + small


def test_data_past_the_committed_offset_is_cut(tus: TusTestClient, upload_dirs: Path) -> None:
    url = tus.new(20)
    assert tus.patch(url, 0, b"0123456789").status_code == 204
    part = upload_dirs / "incoming" / f"{_upload(url).id.hex}.part"
    # A request killed after writing, before committing, left these bytes behind.
    with open(part, "ab") as f:
        f.write(b"GARBAGE")
    assert tus.head(url)["Upload-Offset"] == "10"
    assert tus.patch(url, 10, b"abcdefghij").status_code == 204
    upload = _upload(url)
    assert upload.is_complete
    with default_storage.open(upload.storage_name) as f:
        assert f.read() == b"0123456789abcdefghij"


def test_repair_cuts_left_overs_of_every_upload(tus: TusTestClient, upload_dirs: Path) -> None:
    url = tus.new(20)
    assert tus.patch(url, 0, b"01234").status_code == 204
    part = upload_dirs / "incoming" / f"{_upload(url).id.hex}.part"
    with open(part, "ab") as f:
        f.write(b"GARBAGE")
    assert uploads_repair() == 1
    assert part.read_bytes() == b"01234"
    assert uploads_repair() == 0


@pytest.mark.django_db(transaction=True)
def test_racing_patches_for_one_offset_one_wins(live_server: Any, upload_dirs: Path) -> None:
    headers = {"Tus-Resumable": "1.0.0", SECRET_HEADER: "racer"}
    created = requests.post(
        f"{live_server.url}/uploads/",
        headers={
            **headers,
            "Upload-Length": str(4 << 20),
            "Upload-Metadata": encode_metadata(purpose=PURPOSE),
        },
        timeout=10,
    )
    url = created.headers["Location"]
    bodies = [bytes([65 + i]) * (1 << 20) for i in range(6)]
    results: dict[int, int] = {}
    barrier = threading.Barrier(len(bodies))

    def send(i: int) -> None:
        barrier.wait()
        response = requests.patch(
            url,
            data=bodies[i],
            headers={
                **headers,
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
            },
            timeout=30,
        )
        results[i] = response.status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [i for i, status in results.items() if status == 204]
    assert len(winners) == 1, results
    assert sorted(results.values()) == [204] + [409] * (len(bodies) - 1)
    upload = _upload(url)
    assert upload.offset == 1 << 20
    part = upload_dirs / "incoming" / f"{upload.id.hex}.part"
    assert part.read_bytes() == bodies[winners[0]]


def test_huge_chunk_is_streamed_not_held_in_memory(tus: TusTestClient, settings: Any) -> None:
    size = 40 * 1024 * 1024
    url = tus.new(size)
    # The body comes from a stream made beforehand, as a server's socket would give it.
    stream = io.BytesIO(os.urandom(size))
    tracemalloc.start()
    try:
        response = tus.patch(url, 0, b"", CONTENT_LENGTH=str(size), **{"wsgi.input": stream})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 204
    assert _upload(url).is_complete
    assert peak < 8 * 1024 * 1024, peak


def test_huge_chunk_over_the_limit_answers_413(tus: TusTestClient, settings: Any) -> None:
    settings.UPLOAD_MAX_CHUNK_SIZE = 16 * 1024 * 1024
    url = tus.new(40 * 1024 * 1024)
    response = tus.patch(url, 0, os.urandom(40 * 1024 * 1024))
    assert response.status_code == 413
    assert _upload(url).offset == 0
