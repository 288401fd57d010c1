"""Against the production server (granian, two worker processes): what only a real server
shows. Chunked request bodies, bodies cut short by a dropped connection, and one upload
served by both processes in turn."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from conftest import encode_metadata
from django.db import connection
from tus_server import GranianServer, database_url
from tus_test_policy import PURPOSE, SECRET_HEADER

from oneway.uploads.models import Upload

HEADERS = {"Tus-Resumable": "1.0.0", SECRET_HEADER: "granian"}


@pytest.fixture
def server(transactional_db: None, tmp_path: Path) -> Iterator[GranianServer]:
    granian = GranianServer(
        env={
            "DATABASE_URL": database_url(connection.settings_dict),
            "ONEWAY_DATA_DIR": str(tmp_path / "data"),
            "ONEWAY_UPLOAD_DIR": str(tmp_path / "incoming"),
            "ONEWAY_MEDIA_ROOT": str(tmp_path / "media"),
        },
        log=tmp_path / "granian.log",
    )
    granian.start()
    yield granian
    granian.stop()


def _create(server: GranianServer, length: int | None) -> str:
    headers = {**HEADERS, "Upload-Metadata": encode_metadata(purpose=PURPOSE)}
    if length is None:
        headers["Upload-Defer-Length"] = "1"
    else:
        headers["Upload-Length"] = str(length)
    response = requests.post(f"{server.url}/uploads/", headers=headers, timeout=10)
    assert response.status_code == 201, response.text
    return str(response.headers["Location"])


def _patch(url: str, offset: int, data: Any, **extra: str) -> requests.Response:
    headers = {
        **HEADERS,
        "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
        **extra,
    }
    return requests.patch(url, data=data, headers=headers, timeout=30)


def test_granian_serves_chunked_cut_and_interleaved_bodies(
    server: GranianServer, tmp_path: Path
) -> None:
    source = os.urandom(3 * 1024 * 1024 + 17)
    url = _create(server, None)

    # A body of unknown length (Transfer-Encoding: chunked), as a streaming fetch sends.
    def pieces() -> Iterator[bytes]:
        for start in range(0, 1024 * 1024, 100_000):
            yield source[start : min(start + 100_000, 1024 * 1024)]

    response = _patch(url, 0, pieces())
    assert response.status_code == 204, response.text
    assert response.headers["Upload-Offset"] == str(1024 * 1024)

    # The connection drops 200 kB into a 1 MB request: what arrived is kept.
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        head = (
            f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Tus-Resumable: 1.0.0\r\n{SECRET_HEADER}: granian\r\n"
            f"Upload-Offset: {1024 * 1024}\r\n"
            "Content-Type: application/offset+octet-stream\r\nContent-Length: 1000000\r\n\r\n"
        )
        sock.sendall(head.encode() + source[1024 * 1024 : 1024 * 1024 + 200_000])
    offset = 0
    for _ in range(100):
        offset = int(requests.head(url, headers=HEADERS, timeout=10).headers["Upload-Offset"])
        if offset > 1024 * 1024:
            break
    assert offset == 1024 * 1024 + 200_000

    # Many small PATCHes on fresh connections: both worker processes take turns.
    workers = set()
    while offset < len(source):
        chunk = source[offset : offset + 64 * 1024]
        extra = {"Upload-Length": str(len(source))} if offset + len(chunk) == len(source) else {}
        with requests.Session() as session:
            response = session.patch(
                url,
                data=chunk,
                headers={
                    **HEADERS,
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                    **extra,
                },
                timeout=30,
            )
        assert response.status_code == 204, response.text
        offset = int(response.headers["Upload-Offset"])
        workers.add(response.headers["X-Test-Worker"])
    assert len(workers) == 2

    upload = Upload.objects.get(pk=url.rsplit("/", 1)[1])
    assert upload.is_complete
    stored = (tmp_path / "media" / upload.storage_name).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(source).hexdigest()
