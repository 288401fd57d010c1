"""Conformance from an independent tus client (tuspy) against a real HTTP server, with
local storage and with S3 storage (a real S3 server: weed mini)."""

from __future__ import annotations

import io
import os
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.core.files.storage import default_storage
from tus_test_policy import PURPOSE, SECRET_HEADER
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError
from tusclient.uploader import Uploader

from oneway.uploads.conf import MIN_S3_PART_SIZE
from oneway.uploads.models import Upload
from oneway.uploads.signals import upload_completed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def storage_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return str(request.param)


@pytest.fixture
def completions() -> Any:
    received: list[str] = []

    def receiver(sender: object, upload: Upload, **kwargs: object) -> None:
        received.append(str(upload.id))

    upload_completed.connect(receiver)
    yield received
    upload_completed.disconnect(receiver)


def _client(live_server: Any, secret: str = "tuspy-secret") -> TusClient:
    return TusClient(f"{live_server.url}/uploads/", headers={SECRET_HEADER: secret})


def _stored_bytes(url: str) -> bytes:
    upload = Upload.objects.get(pk=url.rsplit("/", 1)[1])
    assert upload.is_complete
    with default_storage.open(upload.storage_name) as f:
        return f.read()


class DeferredLengthUploader(Uploader):
    """tuspy with creation-defer-length: the size is not known when the upload starts."""

    def get_url_creation_headers(self) -> dict[str, str]:
        headers: dict[str, str] = super().get_url_creation_headers()
        headers.pop("upload-length")
        headers["Upload-Defer-Length"] = "1"
        return headers


def test_tuspy_uploads_a_known_length_file_in_several_patches(
    live_server: Any, storage_kind: str, completions: list[str]
) -> None:
    # More than one S3 part, so that the multipart path is exercised.
    data = os.urandom(MIN_S3_PART_SIZE + 123_457)
    uploader = _client(live_server).uploader(
        file_stream=io.BytesIO(data),
        chunk_size=1024 * 1024,
        metadata={"purpose": PURPOSE, "filename": "answer.webm", "filetype": "video/webm"},
        upload_checksum=True,
    )
    uploader.upload()
    assert uploader.offset == len(data)
    assert _stored_bytes(uploader.url) == data
    upload = Upload.objects.get(pk=uploader.url.rsplit("/", 1)[1])
    assert upload.storage_name.endswith(".webm")
    assert completions == [str(upload.id)]
    if storage_kind == "s3":
        sizes = [size for _, _, size in upload.s3_parts]
        assert len(sizes) == 2
        assert all(size >= MIN_S3_PART_SIZE for size in sizes[:-1])
        assert sum(sizes) == len(data)


def test_tuspy_uploads_with_deferred_length(
    live_server: Any, storage_kind: str, completions: list[str]
) -> None:
    recorded = os.urandom(MIN_S3_PART_SIZE + 300_000)
    client = _client(live_server)
    uploader = DeferredLengthUploader(
        file_stream=io.BytesIO(recorded),
        client=client,
        chunk_size=300_000,
        metadata={"purpose": PURPOSE, "filename": "take.webm"},
    )
    # While "recording": everything but the last chunk, length unknown.
    uploader.upload(stop_at=len(recorded) - 300_000)
    head = requests.head(uploader.url, headers=uploader.get_headers(), timeout=10)
    assert head.headers["Upload-Defer-Length"] == "1"
    assert completions == []
    # The recording stopped: the last chunk declares the length.
    client.set_headers({"Upload-Length": str(len(recorded))})
    uploader.upload()
    assert _stored_bytes(uploader.url) == recorded
    assert len(completions) == 1


def test_tuspy_resumes_after_a_dropped_connection(
    live_server: Any, storage_kind: str, completions: list[str]
) -> None:
    data = os.urandom(900_000)
    client = _client(live_server)
    first = client.uploader(
        file_stream=io.BytesIO(data), chunk_size=200_000, metadata={"purpose": PURPOSE}
    )
    first.upload(stop_at=400_000)
    url = first.url
    assert first.offset == 400_000

    # The phone loses its connection half-way through a 300 kB PATCH.
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        head = (
            f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Tus-Resumable: 1.0.0\r\nUpload-Offset: 400000\r\n"
            f"{SECRET_HEADER}: tuspy-secret\r\n"
            "Content-Type: application/offset+octet-stream\r\nContent-Length: 300000\r\n\r\n"
        )
        sock.sendall(head.encode() + data[400_000:520_000])
    # The server keeps what arrived intact (no checksum was promised): resume from there.
    for _ in range(50):
        offset = int(
            requests.head(url, headers=first.get_headers(), timeout=10).headers["Upload-Offset"]
        )
        if offset > 400_000:
            break
        time.sleep(0.1)
    assert 400_000 <= offset <= 520_000

    resumed = client.uploader(
        file_stream=io.BytesIO(data), url=url, chunk_size=200_000, metadata={"purpose": PURPOSE}
    )
    assert resumed.offset == offset  # tuspy asked with HEAD
    resumed.upload()
    assert _stored_bytes(url) == data
    assert len(completions) == 1


def test_tuspy_terminates_an_upload(live_server: Any, storage_kind: str) -> None:
    data = os.urandom(MIN_S3_PART_SIZE + 10)
    uploader = _client(live_server).uploader(
        file_stream=io.BytesIO(data), chunk_size=MIN_S3_PART_SIZE, metadata={"purpose": PURPOSE}
    )
    uploader.upload(stop_at=MIN_S3_PART_SIZE)
    response = requests.delete(uploader.url, headers=uploader.get_headers(), timeout=10)
    assert response.status_code == 204
    assert not Upload.objects.exists()
    with pytest.raises(TusCommunicationError):
        uploader.get_offset()


def test_tuspy_with_a_strangers_secret_is_refused(live_server: Any) -> None:
    data = b"x" * 1000
    uploader = _client(live_server).uploader(
        file_stream=io.BytesIO(data), chunk_size=100, metadata={"purpose": PURPOSE}
    )
    uploader.upload(stop_at=500)
    stranger = _client(live_server, secret="not mine")
    with pytest.raises(TusCommunicationError):
        stranger.uploader(file_stream=io.BytesIO(data), url=uploader.url)
