"""The chunk lane (oneway.uploads.chunklane): middle chunks answered below Django, with
every rule of the uploads lane, and everything else left to it.

Requests go through ``oneway.wsgi.application``, as in production. The lane needs
PostgreSQL; on SQLite every request takes the uploads lane, which these tests check too.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import encode_metadata
from django.db import connection, connections
from django.utils import timezone
from wsgi_call import call

from oneway.core.bodygate import BodyGate
from oneway.core.metrics import REQUESTS
from oneway.uploads import chunklane, rows
from oneway.uploads.lane import UploadsHandler, UploadsRouter
from oneway.uploads.models import Upload
from oneway.uploads.policy import (
    Grant,
    UploadDenied,
    UploadPolicy,
    register_policy,
    unregister_policy,
)
from oneway.wsgi import application

pytestmark = pytest.mark.django_db(transaction=True)

PURPOSE = "chunk-lane"
OWNER_HEADER = "X-Test-Owner"
POSTGRES = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the chunk lane needs PostgreSQL"
)


class CapabilityPolicy(UploadPolicy):
    """Grants a capability, like the candidate policy; without it, the X-Test-Owner header
    authorises (and a wrong one is refused), so that falling back to the policy shows."""

    def authorize_create(self, request: Any, metadata: dict[str, str]) -> Grant:
        hours = float(metadata.get("capability_hours", "1"))
        return Grant(
            owner=request.headers.get(OWNER_HEADER, "someone"),
            capability_until=timezone.now() + timedelta(hours=hours),
            max_size=int(metadata["max_size"]) if "max_size" in metadata else None,
        )

    def authorize(self, request: Any, upload: Upload) -> None:
        if request.headers.get(OWNER_HEADER) != upload.owner:
            raise UploadDenied(403, "not yours")

    def validate_prefix(self, upload: Upload, prefix: bytes) -> None:
        upload.metadata["prefix"] = prefix[:4].hex()


@pytest.fixture(autouse=True)
def policy() -> Iterator[None]:
    register_policy(PURPOSE, CapabilityPolicy())
    yield
    unregister_policy(PURPOSE)


@pytest.fixture
def lane_commits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The chunks the chunk lane stored (its commits; the real ones still run). A request
    the lane hands to the uploads lane after reading the row is not among them."""
    calls: list[str] = []
    real = rows.ChunkLock.commit

    def counting(lock: rows.ChunkLock, upload_id: Any, new_offset: int) -> None:
        real(lock, upload_id, new_offset)
        calls.append(str(upload_id))

    monkeypatch.setattr(rows.ChunkLock, "commit", counting)
    return calls


class Recording:
    """A deferred-length upload with a capability, its first bytes already checked."""

    def __init__(self, **meta: str) -> None:
        headers = {
            "Tus-Resumable": "1.0.0",
            "Upload-Defer-Length": "1",
            "Upload-Metadata": encode_metadata(purpose=PURPOSE, **meta),
            OWNER_HEADER: "owner-1",
        }
        status, answer, body = call("POST", "/uploads/", headers)
        assert status == 201, body
        self.path = "/uploads/" + answer["Location"].rsplit("/", 1)[1]
        self.token = answer["X-Upload-Token"]
        self.sent = b""
        first = b"\x1a\x45\xdf\xa3" + b"h" * 96  # past the 64-byte prefix check
        status, _, body = self.patch(first)
        assert status == 204, body

    @property
    def upload(self) -> Upload:
        return Upload.objects.get(pk=self.path.rsplit("/", 1)[1])

    def part(self, dirs: Path) -> bytes:
        return (dirs / "incoming" / f"{self.upload.id.hex}.part").read_bytes()

    def patch(
        self,
        data: bytes,
        offset: int | None = None,
        stream: Any = None,
        app: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        sent = {
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": str(len(self.sent) if offset is None else offset),
            "Content-Type": "application/offset+octet-stream",
            "X-Upload-Token": self.token,
            **(headers or {}),
        }
        status, answer, body = call("PATCH", self.path, sent, data, stream, app)
        if status == 204 and offset is None:
            self.sent += data[: int(answer["Upload-Offset"]) - len(self.sent)]
        return status, answer, body


@POSTGRES
def test_middle_chunks_take_the_lane_and_land_durably(
    upload_dirs: Path, lane_commits: list[str]
) -> None:
    rec = Recording()
    assert lane_commits == []  # the first chunk (prefix check) took the uploads lane
    for n in range(5):
        status, headers, body = rec.patch(bytes([65 + n]) * 30_000)
        assert (status, body) == (204, b"")
        assert headers["Upload-Offset"] == str(len(rec.sent))
        assert headers["Upload-Defer-Length"] == "1"
    assert len(lane_commits) == 5
    assert rec.part(upload_dirs) == rec.sent
    upload = rec.upload
    assert upload.offset == len(rec.sent)
    assert upload.metadata["prefix"] == "1a45dfa3"  # the row's other columns untouched
    assert upload.updated_at > upload.created_at
    # The last chunk declares the length and completes: the uploads lane.
    status, _, body = rec.patch(b"end", headers={"Upload-Length": str(len(rec.sent) + 3)})
    assert status == 204, body
    assert len(lane_commits) == 5
    assert rec.upload.is_complete


@POSTGRES
def test_the_answer_is_the_uploads_lanes(
    upload_dirs: Path, monkeypatch: pytest.MonkeyPatch, lane_commits: list[str]
) -> None:
    """The same chunk, answered by each lane: the same status, headers and body (but for
    the request id and the offset)."""
    answers = []
    for available in (True, False):
        monkeypatch.setattr(chunklane, "can_lock_in_two_trips", lambda db, a=available: a)
        rec = Recording()
        status, headers, body = rec.patch(
            b"x" * 1000, headers={"Origin": "https://careers.example"}
        )
        assert status == 204, body
        answers.append((status, headers, body))
    assert len(lane_commits) == 1
    (s1, h1, b1), (s2, h2, b2) = answers
    assert h1.pop("X-Request-ID") != h2.pop("X-Request-ID")
    h1.pop("Upload-Expires")
    h2.pop("Upload-Expires")
    assert (s1, h1, b1) == (s2, h2, b2)
    assert h1["X-Content-Type-Options"] == "nosniff"
    assert h1["X-Frame-Options"] == "DENY"
    assert h1["Tus-Resumable"] == "1.0.0"


@POSTGRES
def test_the_answer_keeps_hsts_and_cors_behind_a_tls_proxy(
    upload_dirs: Path, settings: Any, lane_commits: list[str]
) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    settings.UPLOAD_CORS_ORIGINS = ["https://careers.example"]
    # The uploads lane's middleware reads the settings when it is built: one built now.
    uploads_lane = BodyGate(UploadsRouter(application, UploadsHandler()))
    answers = []
    for app in (application, uploads_lane):
        rec = Recording()
        secure = {"X-Forwarded-Proto": "https", "Origin": "https://careers.example"}
        status, headers, body = rec.patch(b"y" * 500, app=app, headers=secure)
        assert status == 204, body
        headers.pop("X-Request-ID")
        headers.pop("Upload-Expires")
        answers.append(headers)
    assert len(lane_commits) == 1
    assert answers[0] == answers[1]
    assert answers[0]["Strict-Transport-Security"] == "max-age=3600"
    assert answers[0]["Access-Control-Allow-Origin"] == "https://careers.example"
    # Over plain HTTP the redirect to HTTPS comes first (the uploads lane's).
    rec = Recording()
    status, headers, _ = rec.patch(b"z" * 10, app=uploads_lane)
    assert status == 301
    assert headers["Location"].startswith("https://")
    assert len(lane_commits) == 1


def test_whatever_is_not_a_middle_chunk_takes_the_uploads_lane(
    upload_dirs: Path, lane_commits: list[str]
) -> None:
    rec = Recording(max_size="200000")
    start = len(rec.sent)
    # No capability: the policy decides (a stranger is refused, the owner accepted).
    headers = {"X-Upload-Token": "", OWNER_HEADER: "stranger"}
    assert rec.patch(b"a" * 10, headers=headers)[0] == 403
    assert rec.patch(b"a" * 10, headers={**headers, OWNER_HEADER: "owner-1"})[0] == 204
    # A wrong capability is no capability.
    assert rec.patch(b"b" * 10, headers={"X-Upload-Token": "forged" * 8})[0] == 403
    # A stale offset: 409 with the real one, nothing written.
    status, answer, _ = rec.patch(b"c" * 10, offset=start)
    assert status == 409
    assert answer["Upload-Offset"] == str(len(rec.sent))
    # A checksum (checked by the uploads lane: a mismatch is 460).
    assert rec.patch(b"d" * 10, headers={"Upload-Checksum": "sha1 " + "A" * 27 + "="})[0] == 460
    # Past the upload's size limit: 413.
    assert rec.patch(b"e" * 200_000)[0] == 413
    # An unsupported method override, a wrong tus version: the uploads lane's answers.
    assert rec.patch(b"f", headers={"X-HTTP-Method-Override": "PUT"})[0] == 400
    assert rec.patch(b"f", headers={"Tus-Resumable": "0.2.2"})[0] == 412
    assert rec.upload.offset == len(rec.sent)
    assert rec.part(upload_dirs) == rec.sent
    assert lane_commits == []


@POSTGRES
def test_an_expired_capability_or_upload_leaves_it_to_the_uploads_lane(
    upload_dirs: Path, lane_commits: list[str]
) -> None:
    rec = Recording()
    Upload.objects.filter(pk=rec.upload.pk).update(
        capability_until=timezone.now() - timedelta(seconds=1)
    )
    assert rec.patch(b"a" * 10)[0] == 403  # the policy decides again, and refuses
    assert rec.patch(b"a" * 10, headers={OWNER_HEADER: "owner-1"})[0] == 204
    Upload.objects.filter(pk=rec.upload.pk).update(
        capability_until=timezone.now() + timedelta(hours=1),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert rec.patch(b"b" * 10)[0] == 410
    assert lane_commits == []
    assert rec.part(upload_dirs) == rec.sent


class RacingBody(io.BytesIO):
    """A body during which another request changes the upload (run once, at the first
    read). The lane reads the row, locked, only once it has the whole body: the change
    comes first, and no lock of this request's stands in its way."""

    def __init__(self, data: bytes, during: Callable[[], None]) -> None:
        super().__init__(data)
        self.during: Callable[[], None] | None = during

    def read(self, size: int | None = -1) -> bytes:
        if self.during is not None:
            during, self.during = self.during, None
            try:
                during()
            finally:
                # The body gate reads on a helper thread: its connection ends here.
                connections.close_all()
        return super().read(size)


@POSTGRES
def test_a_change_while_the_body_arrives_gets_the_uploads_lanes_answer(
    upload_dirs: Path, lane_commits: list[str]
) -> None:
    rec = Recording()
    size = len(rec.sent)

    def another_request_appends() -> None:
        assert rec.patch(b"o" * 10)[0] == 204

    data = b"r" * 1000
    status, answer, _ = rec.patch(
        data, offset=size, stream=RacingBody(data, another_request_appends)
    )
    assert status == 409
    assert answer["Upload-Offset"] == str(size + 10)
    assert rec.part(upload_dirs) == rec.sent  # nothing of the loser written
    assert rec.upload.offset == len(rec.sent)

    # The length is declared (by an empty PATCH) while a chunk that now ends the upload
    # arrives: the uploads lane takes it, with the body the chunk lane read, and completes
    # the upload.
    end = len(rec.sent) + 1000

    def declare() -> None:
        assert rec.patch(b"", headers={"Upload-Length": str(end)})[0] == 204

    data = b"t" * 1000
    status, answer, body = rec.patch(data, stream=RacingBody(data, declare))
    assert status == 204, body
    assert answer["Upload-Offset"] == str(end)
    assert rec.upload.is_complete
    assert rec.sent.endswith(data)
    assert len(lane_commits) == 1  # the first winner's


@POSTGRES
def test_refused_chunks_get_the_uploads_lanes_answer_and_a_handed_over_body_lands_whole(
    upload_dirs: Path, lane_commits: list[str]
) -> None:
    """Chunks that look like middle chunks but are not (found under the lock) go to the
    uploads lane with the body the chunk lane read: its answer, and its bytes intact."""
    rec = Recording()
    assert rec.patch(b"a" * 2000)[0] == 204
    # A stale offset, a forged capability, another upload's capability: the uploads lane's
    # answers, nothing written.
    status, answer, _ = rec.patch(b"b" * 10, offset=3)
    assert (status, answer["Upload-Offset"]) == (409, str(len(rec.sent)))
    assert rec.patch(b"b" * 10, headers={"X-Upload-Token": "forged" * 8})[0] == 403
    other = Recording()
    assert rec.patch(b"b" * 10, headers={"X-Upload-Token": other.token})[0] == 403
    # The capability expired, the owner's session (here, its header) still may: the
    # uploads lane stores the body handed over, as sent.
    Upload.objects.filter(pk=rec.upload.pk).update(
        capability_until=timezone.now() - timedelta(seconds=1)
    )
    data = bytes(range(256)) * 40
    assert rec.patch(data, headers={OWNER_HEADER: "owner-1"})[0] == 204
    assert rec.part(upload_dirs) == rec.sent
    assert rec.sent.endswith(data)
    assert len(lane_commits) == 1


@POSTGRES
def test_a_chunk_larger_than_the_memory_buffer_takes_the_uploads_lane(
    upload_dirs: Path, settings: Any, lane_commits: list[str]
) -> None:
    settings.UPLOAD_MEMORY_BUFFER = 4096
    rec = Recording()
    assert rec.patch(b"s" * 4096)[0] == 204
    assert len(lane_commits) == 1
    data = b"l" * 4097  # spooled to a scratch file: the uploads lane streams it
    assert rec.patch(data)[0] == 204
    assert len(lane_commits) == 1
    assert rec.part(upload_dirs) == rec.sent
    assert rec.sent.endswith(data)


class CutBody(io.BytesIO):
    """A client that goes away after ``keep`` bytes."""

    def __init__(self, data: bytes, keep: int) -> None:
        super().__init__(data[:keep])


@POSTGRES
def test_a_body_cut_short_keeps_what_arrived(upload_dirs: Path, lane_commits: list[str]) -> None:
    rec = Recording()
    data = b"k" * 5000
    status, answer, _ = rec.patch(data, stream=CutBody(data, 3000))
    assert status == 204
    assert answer["Upload-Offset"] == str(len(rec.sent))
    assert rec.sent.endswith(b"k" * 3000)
    assert rec.part(upload_dirs) == rec.sent
    assert len(lane_commits) == 1


def _terminate_backend(pid: int) -> None:
    """End a backend and wait (up to 10 s) until it has exited: pg_terminate_backend
    without a timeout only signals it, and a query sent before the signal is handled
    would still be answered."""
    settings = connection.settings_dict
    dsn = f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
    dsn += f"user={settings['USER'] or 'postgres'} dbname={settings['NAME']}"
    with psycopg.connect(dsn, autocommit=True) as other:
        ended = other.execute("SELECT pg_terminate_backend(%s, 10000)", [pid]).fetchone()
    assert ended == (True,)


@POSTGRES
def test_a_lost_database_answers_503_and_the_next_chunk_recovers(
    upload_dirs: Path,
    lane_commits: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    rec = Recording()
    assert rec.patch(b"a" * 100)[0] == 204
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    data = b"b" * 100
    with caplog.at_level(logging.ERROR):
        status, answer, body = rec.patch(
            data, stream=RacingBody(data, lambda: _terminate_backend(pid))
        )
    assert status == 503
    assert answer["Retry-After"] == "5"
    assert answer["Content-Type"] == "application/problem+json"
    assert json.loads(body)["status"] == 503
    assert "database unavailable" in caplog.text
    # Nothing committed; the client sends the chunk again and it lands.
    assert rec.upload.offset == len(rec.sent)
    assert rec.patch(data)[0] == 204
    assert rec.part(upload_dirs) == rec.sent
    assert len(lane_commits) == 2


@POSTGRES
def test_metrics_and_access_lines_as_on_the_uploads_lane(
    upload_dirs: Path, settings: Any, caplog: pytest.LogCaptureFixture, lane_commits: list[str]
) -> None:
    settings.LOG_FORMAT = "json"
    rec = Recording()
    counted = REQUESTS.labels("uploads:resource", "PATCH", "204")
    before = counted._value.get()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="oneway.access"):
        status, answer, _ = rec.patch(b"m" * 100, headers={"X-Request-ID": "req-12345678"})
    assert status == 204
    assert answer["X-Request-ID"] == "req-12345678"
    assert counted._value.get() == before + 1
    lines = [r for r in caplog.records if r.name == "oneway.access"]
    assert len(lines) == 1
    access = lines[0].access  # type: ignore[attr-defined]
    assert access["route"] == "/uploads/<uuid:upload_id>"
    assert access["view"] == "uploads:resource"
    assert access["status"] == 204
    # Never the path (the upload's id) nor the token.
    assert rec.token not in caplog.text
    assert rec.upload.id.hex not in caplog.text.replace("-", "")
    assert len(lane_commits) == 1
