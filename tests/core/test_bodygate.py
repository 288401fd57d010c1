"""The body gate frees a request's slot once the application has the whole body."""

import io
import threading
import time
from typing import Any

import pytest
from django.test import override_settings
from waiting import wait_until

from oneway.core import bodygate
from oneway.core.bodygate import (
    CHUNK,
    FAST_HOLD,
    MAX_PIECE,
    SLOT_WAIT,
    BodyGate,
    BodyTimeout,
    TimedBody,
    _Stuck,
)


def _environ(path: str, body: bytes) -> dict[str, Any]:
    return {
        "PATH_INFO": path,
        "REQUEST_METHOD": "PATCH",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }


@override_settings(BODY_SLOTS=1)
def test_a_slot_is_free_again_once_the_body_is_read() -> None:
    """An upload that has read its body and is busy writing it (disk, database) holds no
    slot: a second upload is let in instead of being answered 503."""
    body_read = threading.Event()
    finish = threading.Event()
    statuses: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        if environ.get("HTTP_X_FIRST"):
            body_read.set()
            finish.wait(10)  # "writing the chunk"
        start_response("204 No Content", [])
        return []

    gate = BodyGate(app)

    def first() -> None:
        gate({**_environ("/uploads/a", b"x" * 100_000), "HTTP_X_FIRST": "1"}, lambda *a: None)

    worker = threading.Thread(target=first)
    worker.start()
    try:
        assert body_read.wait(10)
        gate(_environ("/uploads/b", b"y" * 1000), lambda status, headers: statuses.append(status))
    finally:
        finish.set()
        worker.join(10)
    assert statuses == ["204 No Content"]


@override_settings(BODY_SLOTS=1)
@pytest.mark.parametrize("read", [False, True])
def test_a_slot_is_held_while_the_body_is_still_arriving(read: bool) -> None:
    """Until the whole body is in, the request keeps its slot (the bound on readers)."""
    inside = threading.Event()
    finish = threading.Event()
    statuses: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ.get("HTTP_X_FIRST"):
            if read:
                environ["wsgi.input"].read(10)  # part of the body only
            inside.set()
            finish.wait(10)
        start_response("204 No Content", [])
        return []

    gate = BodyGate(app)
    worker = threading.Thread(
        target=lambda: gate(
            {**_environ("/uploads/a", b"x" * 100_000), "HTTP_X_FIRST": "1"}, lambda *a: None
        )
    )
    worker.start()
    try:
        assert inside.wait(10)
        gate(_environ("/uploads/b", b"y" * 1000), lambda status, headers: statuses.append(status))
    finally:
        finish.set()
        worker.join(10)
    assert statuses == ["503 Service Unavailable"]


class _Paced(io.RawIOBase):
    """A client body arriving ``piece`` bytes at a time, ``pause`` seconds apart; a read
    waits for all it asks for, as granian's does."""

    def __init__(self, data: bytes, piece: int, pause: float) -> None:
        self.data, self.piece, self.pause, self.at = data, piece, pause, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size is None or size < 0 else min(len(self.data), self.at + size)
        block = b""
        while self.at < end:
            if self.pause:
                time.sleep(self.pause)
            n = min(self.piece, end - self.at)
            block += self.data[self.at : self.at + n]
            self.at += n
        return block


def _body(raw: Any, length: int | None, idle: float = 5) -> TimedBody:
    return TimedBody(raw, length, idle, _Stuck())


@pytest.mark.parametrize("length_known", [True, False])
def test_reads_of_any_size_give_back_the_body_exactly(length_known: bool) -> None:
    """Bodies larger than the read-ahead, read whole, in odd sizes and by lines."""
    data = bytes(range(256)) * 5000 + b"\nlast line\nend"  # 1.28 MB, lines at the end
    whole = _body(io.BytesIO(data), len(data) if length_known else None)
    assert whole.read() == data
    assert whole.read() == b""
    parts = _body(io.BytesIO(data), len(data) if length_known else None)
    got = b""
    while block := parts.read(100_003):
        got += block
    assert got == data
    lines = _body(io.BytesIO(b"a\nbb\n" + data), None if length_known else len(data) + 5)
    assert lines.readline() == b"a\n"
    assert lines.readline(1) == b"b"
    assert lines.readline() == b"b\n"
    assert b"".join(iter(lines.readline, b"")) == data


def test_pieces_come_as_read_from_the_client_and_only_a_cut_one_is_copied() -> None:
    """``read_pieces`` hands over what the helper read without joining it; a piece longer
    than asked for is cut, and the rest comes next."""
    data = bytes(range(256)) * 2000  # 512,000 bytes
    body = _body(io.BytesIO(data), len(data))
    pieces = body.read_pieces(len(data) - 10)
    assert b"".join(pieces) == data[:-10]
    assert len(pieces) > 1 and pieces[0] == data[:CHUNK]  # the helper's first piece
    assert body.read_pieces(100) == [data[-10:]]
    assert body.read_pieces(100) == []
    # A piece taken whole is the very object the client's read returned: no copy.
    sent = bytes(1000)

    class Once:
        def read(self, size: int) -> bytes:
            return sent

    assert _body(Once(), 1000).read(1000) is sent


def test_a_steady_body_may_take_longer_than_the_idle_time() -> None:
    """The idle clock restarts with every piece, even while the reader waits for more."""
    data = b"x" * (8 * CHUNK)
    body = _body(_Paced(data, CHUNK, 0.15), len(data), idle=0.5)
    started = time.monotonic()
    assert body.read(len(data)) == data
    assert time.monotonic() - started > 0.5


def test_a_stalled_body_fails_after_the_idle_time() -> None:
    data = b"x" * (4 * CHUNK)
    body = _body(_Paced(data, CHUNK, 3), len(data), idle=0.5)
    with pytest.raises(BodyTimeout):
        body.read(len(data))
    body.abandon()


def test_a_client_that_goes_away_fails_the_read() -> None:
    class Gone(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            raise ConnectionResetError("gone")

    with pytest.raises(OSError, match="request body read failed"):
        _body(Gone(), 1000).read(1000)


def test_pieces_follow_the_clients_pace() -> None:
    """A fast client's chunk is read in a few large pieces (each read takes the GIL again on
    a busy server); a slow client's stay small, so a piece never needs the idle time."""

    class Counted(_Paced):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.asked: list[int] = []

        def read(self, size: int = -1) -> bytes:
            self.asked.append(size)
            return super().read(size)

    data = b"x" * 350_000
    fast = Counted(data, len(data), 0)
    assert _body(fast, len(data)).read(len(data)) == data
    assert fast.asked == [CHUNK, len(data) - CHUNK]
    big = Counted(b"x" * 3 * MAX_PIECE, 3 * MAX_PIECE, 0)
    assert _body(big, 3 * MAX_PIECE).read(3 * MAX_PIECE) == big.data
    assert max(big.asked) == MAX_PIECE
    slow = Counted(data[: 6 * CHUNK], CHUNK // 4, 0.05)  # 80 KB/s: 20 KB in 0.25 s
    assert _body(slow, 6 * CHUNK).read(6 * CHUNK) == data[: 6 * CHUNK]
    assert max(slow.asked) <= 2 * CHUNK


def test_an_uploads_next_chunk_starts_at_the_pace_its_last_one_ended_with() -> None:
    """A fast client's next chunk is read in one piece; after a chunk that stalled, the
    upload starts small again, and other uploads and other requests start small."""
    asked: dict[str, list[int]] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        try:
            environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
            start_response("204 No Content", [])
        except OSError:
            start_response("408 Request Timeout", [])
        return []

    class Recorded(_Paced):
        def __init__(self, name: str, *args: Any) -> None:
            super().__init__(*args)
            self.name = name

        def read(self, size: int = -1) -> bytes:
            asked.setdefault(self.name, []).append(size)
            return super().read(size)

    def send(name: str, path: str, raw: _Paced, method: str = "PATCH") -> str:
        statuses: list[str] = []
        environ = {**_environ(path, raw.data), "REQUEST_METHOD": method, "wsgi.input": raw}
        gate(environ, lambda status, headers: statuses.append(status))
        return statuses[0]

    data = b"x" * 300_000
    with override_settings(BODY_IDLE_SECONDS=0.3):
        gate = BodyGate(app)
    assert send("first", "/uploads/a", Recorded("first", data, len(data), 0)).startswith("204")
    assert asked["first"] == [CHUNK, len(data) - CHUNK]
    wait_until(lambda: "/uploads/a" in gate.paces.sizes, 5)  # told as the helper ends
    assert send("next", "/uploads/a", Recorded("next", data, len(data), 0)).startswith("204")
    assert asked["next"] == [len(data)]  # one read
    assert send("other", "/uploads/b", Recorded("other", data, len(data), 0)).startswith("204")
    assert asked["other"][0] == CHUNK
    send("post", "/uploads/", Recorded("post", data, len(data), 0), method="POST")
    assert "/uploads/" not in gate.paces.sizes  # creations come from every client
    # A stalled chunk (nothing in the idle time): the next one starts small again.
    stalled = Recorded("stall", data[: 2 * CHUNK], CHUNK, 1.0)
    assert send("stall", "/uploads/a", stalled).startswith("408")
    assert "/uploads/a" not in gate.paces.sizes
    assert send("after", "/uploads/a", Recorded("after", data, len(data), 0)).startswith("204")
    assert asked["after"][0] == CHUNK


def test_paces_forget_the_upload_heard_from_longest_ago(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bodygate, "PACES_KEPT", 2)
    paces = bodygate._Paces()
    paces.remember("/uploads/a", MAX_PIECE)
    paces.remember("/uploads/b", MAX_PIECE)
    paces.remember("/uploads/a", MAX_PIECE // 2)  # a chunk of a again
    paces.remember("/uploads/c", MAX_PIECE)
    assert list(paces.sizes) == ["/uploads/a", "/uploads/c"]
    assert paces.first_piece("/uploads/a") == MAX_PIECE // 2
    assert paces.first_piece("/uploads/b") == CHUNK


def _holding_gate(hold: float) -> tuple[BodyGate, threading.Event, threading.Thread]:
    """A one-slot gate whose slot is taken by an upload whose body began ``hold`` s ago and
    is still arriving; set the event to let it finish."""
    inside, finish = threading.Event(), threading.Event()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ.get("HTTP_X_FIRST"):
            inside.set()
            finish.wait(10)
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("204 No Content", [])
        return []

    with override_settings(BODY_SLOTS=1):
        gate = BodyGate(app)
    first = threading.Thread(
        target=gate,
        args=({**_environ("/uploads/a", b"x" * 1000), "HTTP_X_FIRST": "1"}, lambda *a: None),
    )
    first.start()
    assert inside.wait(10)
    with gate.lock:
        gate.held = {k: time.monotonic() - hold for k in gate.held}
    return gate, finish, first


def _try(gate: BodyGate, results: list[tuple[str, float]]) -> None:
    started = time.monotonic()
    gate(
        _environ("/uploads/b", b"y" * 1000),
        lambda status, headers: results.append((status, time.monotonic() - started)),
    )


def test_a_burst_of_fast_uploads_waits_for_a_slot_instead_of_a_503() -> None:
    """While every slot was taken a moment ago, several requests wait for one (it is free
    again in milliseconds) rather than be refused and send their chunk again."""
    gate, finish, first = _holding_gate(hold=0)
    results: list[tuple[str, float]] = []
    waiting = [threading.Thread(target=_try, args=(gate, results)) for _ in range(3)]
    for thread in waiting:
        thread.start()
    time.sleep(0.1)
    finish.set()
    for thread in [first, *waiting]:
        thread.join(10)
    assert [status for status, _ in results] == ["204 No Content"] * 3


def test_behind_a_slow_body_one_request_waits_and_the_rest_are_refused_at_once() -> None:
    gate, finish, first = _holding_gate(hold=FAST_HOLD + 1)
    results: list[tuple[str, float]] = []
    try:
        waiting = [threading.Thread(target=_try, args=(gate, results)) for _ in range(3)]
        for thread in waiting:
            thread.start()
        for thread in waiting:
            thread.join(10)
    finally:
        finish.set()
        first.join(10)
    statuses = sorted(status for status, _ in results)
    assert statuses == ["503 Service Unavailable"] * 3
    quick = [took for _, took in results if took < SLOT_WAIT / 2]
    assert len(quick) == 2  # only one waited for the slot


def test_reader_threads_are_used_again() -> None:
    """Bodies read one after another are read by one helper thread, not a new one each."""
    readers: set[int] = set()

    class Noted(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            readers.add(threading.get_native_id())  # kernel thread ids are not reused soon
            return super().read(size)

    for _ in range(20):
        data = b"z" * 50_000
        assert _body(Noted(data), len(data)).read(len(data)) == data
    assert len(readers) == 1
