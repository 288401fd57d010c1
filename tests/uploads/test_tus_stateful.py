"""A Hypothesis state machine plays a confused, unlucky client: duplicate, out-of-order,
overlapping, truncated and corrupted PATCHes, deferred lengths. Whatever it does, the
stored data is exactly the prefix of the source that the server acknowledged, or the
request was refused and changed nothing."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from conftest import TusTestClient
from django.core.files.storage import default_storage
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from oneway.uploads.models import Upload


class UnluckyClient(RuleBasedStateMachine):
    tus: TusTestClient
    temp_dir: Path

    def __init__(self) -> None:
        super().__init__()
        self.url = ""
        self.source = b""
        self.deferred = False
        # The offset the server has committed, as the model predicts it.
        self.offset = 0
        self.last_ok: tuple[int, bytes] | None = None

    @initialize(
        source=st.binary(min_size=0, max_size=600),
        deferred=st.booleans(),
    )
    def create(self, source: bytes, deferred: bool) -> None:
        self.source = source
        self.deferred = deferred
        self.url = self.tus.new(None if deferred else len(source))

    # --- helpers ---------------------------------------------------------------------

    @property
    def complete(self) -> bool:
        return self.offset == len(self.source) and self._upload().is_complete

    def _upload(self) -> Upload:
        return Upload.objects.get(pk=self.url.rsplit("/", 1)[1])

    def _length_header(self, end: int, declare: bool) -> dict[str, str]:
        if self.deferred and declare and end == len(self.source):
            return {"HTTP_UPLOAD_LENGTH": str(len(self.source))}
        return {}

    def _expect_append(self, start: int, data: bytes, response: Any, declared: bool) -> None:
        length_known = not self.deferred or declared or self._upload().length is not None
        if start != self.offset:
            assert response.status_code == 409, response.content
        elif self.complete:
            assert response.status_code == (204 if not data else 413)
        elif start + len(data) > len(self.source) and length_known:
            assert response.status_code == 413
        else:
            assert response.status_code == 204, response.content
            self.offset = start + len(data)
            assert int(response["Upload-Offset"]) == self.offset
            self.last_ok = (start, data)

    # --- rules -----------------------------------------------------------------------

    @rule(
        shift=st.integers(min_value=-50, max_value=50),
        size=st.integers(min_value=0, max_value=200),
        declare=st.booleans(),
        checksum=st.booleans(),
    )
    def patch(self, shift: int, size: int, declare: bool, checksum: bool) -> None:
        """Often right, sometimes overlapping (shift < 0) or out of order (shift > 0)."""
        start = max(0, self.offset + (shift if abs(shift) < 25 else 0))
        data = self.source[start : start + size]
        extra = self._length_header(start + len(data), declare)
        if checksum:
            digest = base64.b64encode(hashlib.sha1(data).digest()).decode()
            extra["HTTP_UPLOAD_CHECKSUM"] = f"sha1 {digest}"
        response = self.tus.patch(self.url, start, data, **extra)
        self._expect_append(start, data, response, bool(extra.get("HTTP_UPLOAD_LENGTH")))

    @rule(extra_bytes=st.binary(min_size=1, max_size=50))
    def patch_beyond_the_end(self, extra_bytes: bytes) -> None:
        data = self.source[self.offset :] + extra_bytes
        response = self.tus.patch(self.url, self.offset, data)
        if self.complete:
            assert response.status_code == 413
        elif self.deferred and self._upload().length is None:
            # The server cannot know yet: it stores it, and the model's source grows.
            assert response.status_code == 204
            self.source = self.source + extra_bytes
            self.offset = len(self.source)
        else:
            assert response.status_code == 413

    @precondition(lambda self: self.last_ok is not None)
    @rule()
    def duplicate(self) -> None:
        """The response to the last PATCH was lost, and the client sends it again."""
        assert self.last_ok is not None
        start, data = self.last_ok
        response = self.tus.patch(self.url, start, data)
        if data or start != self.offset:
            assert response.status_code == 409
        else:
            assert response.status_code == 204

    @rule(
        size=st.integers(min_value=1, max_value=200),
        cut=st.floats(min_value=0, max_value=0.99),
        checksum=st.booleans(),
    )
    def truncated(self, size: int, cut: float, checksum: bool) -> None:
        """The connection drops part-way through the body; the client asks HEAD."""
        data = self.source[self.offset : self.offset + size]
        if not data:
            return
        sent = data[: int(len(data) * cut)]
        extra: dict[str, Any] = {
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(sent),
        }
        if checksum:
            digest = base64.b64encode(hashlib.sha1(data).digest()).decode()
            extra["HTTP_UPLOAD_CHECKSUM"] = f"sha1 {digest}"
        response = self.tus.patch(self.url, self.offset, sent, **extra)
        if checksum:
            assert response.status_code == 460
        else:
            # What arrived intact is kept.
            assert response.status_code == 204
        head = self.tus.head(self.url)
        new_offset = int(head["Upload-Offset"])
        assert new_offset == (self.offset if checksum else self.offset + len(sent))
        self.offset = new_offset

    @rule(flip=st.integers(min_value=0, max_value=199))
    def corrupted_with_checksum(self, flip: int) -> None:
        data = bytearray(self.source[self.offset : self.offset + 200])
        if not data:
            return
        digest = base64.b64encode(hashlib.sha1(bytes(data)).digest()).decode()
        data[flip % len(data)] ^= 0xFF
        response = self.tus.patch(
            self.url, self.offset, bytes(data), HTTP_UPLOAD_CHECKSUM=f"sha1 {digest}"
        )
        assert response.status_code == 460

    @precondition(lambda self: self.deferred)
    @rule()
    def declare_length_now(self) -> None:
        response = self.tus.patch(
            self.url, self.offset, b"", HTTP_UPLOAD_LENGTH=str(len(self.source))
        )
        assert response.status_code == 204, response.content

    # --- what must always hold -------------------------------------------------------

    @invariant()
    def stored_data_is_the_acknowledged_prefix(self) -> None:
        if not self.url:
            return
        upload = self._upload()
        assert upload.offset == self.offset
        assert int(self.tus.head(self.url)["Upload-Offset"]) == self.offset
        if upload.is_complete:
            with default_storage.open(upload.storage_name) as f:
                assert f.read() == self.source
        else:
            stored = (self.temp_dir / f"{upload.id.hex}.part").read_bytes()
            assert stored == self.source[: self.offset]


@pytest.mark.django_db
def test_unlucky_client_never_corrupts_an_upload(tus: TusTestClient, upload_dirs: Path) -> None:
    UnluckyClient.tus = tus
    UnluckyClient.temp_dir = upload_dirs / "incoming"
    machine = UnluckyClient.TestCase
    machine.settings = settings(
        max_examples=30,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )
    machine().runTest()
