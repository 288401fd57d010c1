"""The uploads lane (oneway.uploads.lane) and the two-round-trip middle chunk.

Requests go through ``oneway.wsgi.application`` itself, the WSGI callable production
serves, rather than Django's test client (which always takes the full stack).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from conftest import encode_metadata
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from tus_test_policy import PURPOSE, SECRET_HEADER
from wsgi_call import call

from oneway.uploads import rows, services
from oneway.uploads.chunklane import ChunkLane
from oneway.uploads.lane import UploadsHandler
from oneway.uploads.models import Upload
from oneway.uploads.policy import (
    Grant,
    UploadDenied,
    UploadPolicy,
    register_policy,
    unregister_policy,
)
from oneway.wsgi import application

# Real WSGI requests end with request_finished, which closes database connections:
# every test here commits for real.
pytestmark = pytest.mark.django_db(transaction=True)

SECRET = {SECRET_HEADER: "lane-secret"}


def tus(**extra: str) -> dict[str, str]:
    return {"Tus-Resumable": "1.0.0", **SECRET, **extra}


def create(length: int | None = None) -> str:
    sizing = {"Upload-Length": str(length)} if length is not None else {"Upload-Defer-Length": "1"}
    status, headers, body = call(
        "POST", "/uploads/", tus(**sizing, **{"Upload-Metadata": encode_metadata(purpose=PURPOSE)})
    )
    assert status == 201, body
    return "/uploads/" + headers["Location"].rsplit("/", 1)[1]


def patch(path: str, offset: int, data: bytes, **extra: str) -> tuple[int, dict[str, str], bytes]:
    headers = tus(
        **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}, **extra
    )
    return call("PATCH", path, headers, data)


def upload_of(path: str) -> Upload:
    return Upload.objects.get(pk=path.rsplit("/", 1)[1])


@pytest.fixture
def two_trip_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the transactions that took the two-round-trip path (the real one still runs)."""
    calls: list[str] = []
    real: Callable[..., AbstractContextManager[rows.TwoTripLock]] = rows.row_lock_in_two_trips

    def counting(upload_id: Any) -> AbstractContextManager[rows.TwoTripLock]:
        calls.append(str(upload_id))
        return real(upload_id)

    monkeypatch.setattr(services, "row_lock_in_two_trips", counting)
    return calls


def test_upload_paths_take_the_lane_and_the_rest_the_site() -> None:
    # Behind the slow-body gate (oneway.core.bodygate), the router of the two lanes.
    assert isinstance(application.app.uploads, ChunkLane)
    assert isinstance(application.app.uploads.lane, UploadsHandler)
    status, headers, _ = call("OPTIONS", "/uploads/", {})
    assert status == 204
    assert headers["Tus-Version"] == "1.0.0"
    # The lane keeps the security headers of every other response.
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    status, _, _ = call("GET", "/uploads/not-an-upload", {})
    assert status == 404
    status, headers, content = call("GET", "/accounts/login/", {})
    assert status == 200
    assert b"csrfmiddlewaretoken" in content


class SessionRecordingPolicy(UploadPolicy):
    """Allows the holder of a session with ``allowed`` set, like the candidate policy."""

    def authorize_create(self, request: Any, metadata: dict[str, str]) -> Grant:
        if not request.session.get("allowed"):
            raise UploadDenied(403, "no session")
        assert request.user.is_anonymous
        return Grant(owner=f"session:{request.session.session_key}")

    def authorize(self, request: Any, upload: Upload) -> None:
        if upload.owner != f"session:{request.session.session_key}":
            raise UploadDenied(403, "not yours")


@pytest.fixture
def session_policy() -> Iterator[str]:
    register_policy("lane-session", SessionRecordingPolicy())
    yield "lane-session"
    unregister_policy("lane-session")


def test_policies_see_the_session_and_user_in_the_lane(session_policy: str) -> None:
    session = SessionStore()
    session["allowed"] = True
    session.create()
    meta = {"Upload-Metadata": encode_metadata(purpose=session_policy), "Upload-Length": "4"}
    status, _, body = call("POST", "/uploads/", {"Tus-Resumable": "1.0.0", **meta})
    assert status == 403, body
    cookie = {"Cookie": f"sessionid={session.session_key}"}
    status, headers, body = call("POST", "/uploads/", {"Tus-Resumable": "1.0.0", **meta, **cookie})
    assert status == 201, body
    path = "/uploads/" + headers["Location"].rsplit("/", 1)[1]
    other = SessionStore()
    other.create()
    status, _, _ = call(
        "HEAD", path, {"Tus-Resumable": "1.0.0", "Cookie": f"sessionid={other.session_key}"}
    )
    assert status == 403
    status, headers, _ = call("HEAD", path, {"Tus-Resumable": "1.0.0", **cookie})
    assert status == 200
    assert headers["Upload-Offset"] == "0"


def test_middle_chunks_keep_every_rule(upload_dirs: Path, two_trip_calls: list[str]) -> None:
    path = create()
    chunks = [bytes([n]) * 1000 for n in range(1, 6)]
    offset = 0
    for chunk in chunks[:4]:
        status, headers, body = patch(path, offset, chunk)
        assert status == 204, body
        offset += len(chunk)
        assert headers["Upload-Offset"] == str(offset)
    part = upload_dirs / "incoming" / f"{upload_of(path).id.hex}.part"
    assert part.read_bytes() == b"".join(chunks[:4])
    # The first chunk had its prefix checked on the general path; the next three are
    # middle chunks, which on PostgreSQL take the two-round-trip transaction.
    expected = 3 if connection.vendor == "postgresql" else 0
    assert len(two_trip_calls) == expected

    # A stale offset: 409 with the real one, nothing written.
    status, headers, _ = patch(path, 1000, b"x" * 10)
    assert status == 409
    assert headers["Upload-Offset"] == str(offset)
    # Someone else's upload: 403, nothing written.
    status, _, _ = call(
        "PATCH",
        path,
        {
            **tus(),
            SECRET_HEADER: "other",
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        },
        b"y" * 10,
    )
    assert status == 403
    # A checksum mismatch: 460, nothing written.
    status, _, _ = patch(path, offset, b"z" * 10, **{"Upload-Checksum": "sha1 " + "A" * 27 + "="})
    assert status == 460
    assert part.read_bytes() == b"".join(chunks[:4])
    assert upload_of(path).offset == offset

    # The last chunk declares the length and completes: the general path.
    status, headers, body = patch(path, offset, chunks[4], **{"Upload-Length": str(offset + 1000)})
    assert status == 204, body
    upload = upload_of(path)
    assert upload.is_complete
    from django.core.files.storage import default_storage

    with default_storage.open(upload.storage_name) as f:
        assert f.read() == b"".join(chunks)


def test_a_chunk_that_turns_out_to_complete_takes_the_general_path(upload_dirs: Path) -> None:
    path = create(length=20)
    assert patch(path, 0, b"0123456789")[0] == 204
    # What a request saw before its body arrived, had the length not been declared.
    stale = upload_of(path)
    stale.length = None
    body = services.receive_body(io.BytesIO(b"abcdefghij"), announced=10, limit=100, checksum=None)
    try:
        upload = services.upload_append(
            upload_id=stale.id, offset=10, body=body, length=None, seen=stale
        )
    finally:
        body.close()
    assert upload.is_complete
    assert upload_of(path).completed_at is not None
    assert upload_of(path).notified_at is not None
