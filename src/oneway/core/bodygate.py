"""Slow request bodies cannot take the web server's threads (WSGI middleware).

Under WSGI a request body is read in one of the server's few worker threads, and a read
blocks until the bytes arrive: a client trickling a byte every few seconds holds a thread
for as long as it likes, and a handful of them stop the whole site. This gate, wrapped
around the WSGI application (``oneway.wsgi``), bounds that:

- At most ``BODY_SLOTS`` requests per process read a body at once. When all are taken by
  bodies that began arriving less than ``FAST_HOLD`` seconds ago (a burst of fast uploads:
  each slot is free again in milliseconds), up to ``FAST_WAITERS`` more requests wait up to
  ``SLOT_WAIT`` seconds for one, rather than be refused and send their chunk again. When a
  slot is held by a slower body, only one request waits, and the rest are answered ``503``
  with ``Retry-After`` at once (tus clients retry): clients trickling their bodies hold at
  most the slots and one waiter, so the server's other threads stay free for requests
  without a body, such as pages. A slot is free again as soon as the application has
  read the whole body (writing a chunk to disk and the database does not wait on the
  client, so it does not hold a slot).
- Body bytes are read by a helper thread, in pieces sized to the client's pace (``CHUNK``
  for a new or slow client, up to ``MAX_PIECE`` for fast ones; an upload's next request
  starts at the pace its last one ended with); when no piece arrives for
  ``BODY_IDLE_SECONDS`` (a minimum rate of CHUNK bytes per that many seconds) the read
  fails. An upload keeps what arrived (as for a dropped connection), and its next request
  starts again at CHUNK; any other request is answered ``408`` before Django sees it. Its
  slot is free again either way.
- A helper thread stuck on a client that never sends another byte ends when the client
  goes away; at most ``MAX_STUCK_READERS`` of them exist, beyond that new bodies wait
  (503) as above.

Bodies other than uploads (forms) are read whole before Django runs, up to
``BUFFERED_BODY_MAX`` bytes, as a buffering reverse proxy would do.
"""

from __future__ import annotations

import contextlib
import io
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.conf import settings

CHUNK = 16 * 1024
# A client's pieces grow to what it sends in PIECE_SECONDS, up to MAX_PIECE, and an upload's
# next chunk starts at that size: a fast client's chunk (at most the recorder's 512 KiB)
# takes one read (each takes the GIL again on a busy server), not twenty, while a piece
# still takes a slow client a fraction of the idle time.
MAX_PIECE = 512 * 1024
PIECE_SECONDS = 0.25
# Bytes read ahead of the application (bounds the memory a slow consumer costs).
READ_AHEAD = 2 * MAX_PIECE
# Uploads whose pace is remembered (the oldest is forgotten first).
PACES_KEPT = 4096
MAX_STUCK_READERS = 64
BUFFERED_BODY_MAX = 16 * 1024 * 1024
# Requests that may wait for a body slot at once, and for how long: one while a slow body
# holds a slot, FAST_WAITERS while every slot was taken less than FAST_HOLD seconds ago.
SLOT_WAITERS = 1
FAST_WAITERS = 8
FAST_HOLD = 1.0
SLOT_WAIT = 0.5
UPLOADS_PREFIX = "/uploads/"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class BodyTimeout(OSError):
    """The client sent no body bytes for BODY_IDLE_SECONDS."""


class _Stuck:
    """Helper threads still blocked on a client after their request was answered."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0

    def add(self, n: int) -> None:
        with self.lock:
            self.count += n


class _Readers:
    """Helper threads for reading bodies, kept for the next body once done: starting a
    thread for each chunk costs more than reading it. Threads idle for ``IDLE_EXIT``
    seconds end; a thread stuck on a silent client is simply not idle (MAX_STUCK_READERS
    bounds those)."""

    IDLE_EXIT = 60.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.idle = 0

    def run(self, job: Callable[[], None]) -> None:
        with self.lock:
            if self.idle:
                self.idle -= 1
                self.jobs.put(job)
                return
        threading.Thread(target=self._work, args=(job,), name="body-reader", daemon=True).start()

    def _work(self, job: Callable[[], None]) -> None:
        while True:
            job()
            with self.lock:
                self.idle += 1
            try:
                job = self.jobs.get(timeout=self.IDLE_EXIT)
            except queue.Empty:
                with self.lock:
                    try:  # handed a job just as the wait ended
                        job = self.jobs.get_nowait()
                    except queue.Empty:
                        self.idle -= 1
                        return


_readers = _Readers()


class _Paces:
    """The piece size each upload's last body ended with, for its next body to start at:
    a recording's chunks come from one client a few seconds apart, so a fast client's
    next chunk is read in one piece instead of growing from CHUNK again. Keeps the last
    PACES_KEPT uploads (a dict's single operations need no lock under the GIL)."""

    def __init__(self) -> None:
        self.sizes: OrderedDict[str, int] = OrderedDict()

    def first_piece(self, key: str) -> int:
        return self.sizes.get(key, CHUNK)

    def remember(self, key: str, size: int) -> None:
        self.sizes.pop(key, None)  # a remembered upload goes to the end: the last forgotten
        if size <= CHUNK:
            return
        self.sizes[key] = size
        if len(self.sizes) > PACES_KEPT:
            with contextlib.suppress(KeyError):  # emptied by another thread meanwhile
                self.sizes.popitem(last=False)


class TimedBody:
    """A ``wsgi.input`` whose reads fail after ``idle`` seconds without a byte.

    A helper thread reads the client into one buffer, in pieces sized to the client's
    pace; a reader waits until the buffer holds what it asked for (or the body ended, or
    failed) and is woken once for that, not once per piece: a fast 350 KB chunk costs two
    reads (one when its upload's pace is known, ``first_piece``) and one or two thread
    hand-offs, not twenty of each (each may wait for the GIL on a busy server). The idle
    clock restarts with every piece.
    """

    def __init__(
        self,
        raw: Any,
        length: int | None,
        idle: float,
        stuck: _Stuck,
        on_complete: Callable[[], None] | None = None,
        first_piece: int = CHUNK,
        on_pace: Callable[[int], None] | None = None,
    ) -> None:
        self._raw = raw
        # The first piece's size (the client's pace, when known), and who is told the pace
        # the body ended with (CHUNK when it failed).
        self._first_piece = first_piece
        self._on_pace = on_pace
        self._left = length  # None: chunked, read to the end
        self._unread = length  # bytes the application has not read yet
        self._on_complete = on_complete
        self._idle = idle
        self._stuck = stuck
        self._cond = threading.Condition(threading.Lock())
        # Read from the client, not yet by the application: the pieces as the server gave
        # them (an application reading a piece whole gets it without a copy).
        self._pieces: deque[bytes] = deque()
        self._buffered = 0
        self._wanted = 0  # what a waiting reader needs in the buffer (0: nobody waits)
        self._ended = False  # the helper has read the whole body
        self._error: BaseException | None = None
        self._progress = 0.0  # monotonic time of the last piece
        self._done = False  # the application has read the whole body
        # Plain flags, not Events (two fewer locks per body): ``_abandoned`` is only ever
        # set, and read without a lock; ``_finished`` is read and written under the stuck
        # counter's lock.
        self._abandoned = False
        self._started = False
        self._finished = False

    def _pump(self) -> None:
        size = self._first_piece
        try:
            while not self._abandoned:
                want = size if self._left is None else min(size, self._left)
                piece = b""
                if want > 0:
                    asked = time.monotonic()
                    try:
                        piece = self._raw.read(want)
                    except BaseException as exc:  # the client went away
                        size = CHUNK
                        with self._cond:
                            self._error = exc
                            self._cond.notify_all()
                        return
                    took = time.monotonic() - asked
                    rate = len(piece) / took if took > 0 else float(MAX_PIECE / PIECE_SECONDS)
                    size = max(CHUNK, min(MAX_PIECE, int(rate * PIECE_SECONDS)))
                if self._left is not None:
                    self._left -= len(piece)
                with self._cond:
                    if piece:
                        self._pieces.append(piece)
                        self._buffered += len(piece)
                    self._progress = time.monotonic()
                    self._ended = not piece or self._left == 0
                    if self._ended or self._buffered >= self._wanted > 0:
                        self._cond.notify_all()
                    if self._ended:
                        return
                    # Read ahead at most READ_AHEAD bytes (or what a reader waits for).
                    while self._buffered >= max(READ_AHEAD, self._wanted) and not self._abandoned:
                        self._cond.wait(0.5)
        finally:
            if self._on_pace is not None:
                self._on_pace(size)
            with self._stuck.lock:
                if self._abandoned and not self._finished:
                    self._stuck.count -= 1
                self._finished = True

    def _fill(self, size: int | None) -> None:
        """Wait until the buffer holds ``size`` bytes (a read-ahead's worth when None), the
        body ended, or it failed; BodyTimeout after ``idle`` seconds without a piece."""
        with self._cond:
            if not self._started:
                self._begin()
            while True:
                if self._buffered >= (READ_AHEAD if size is None else size):
                    break
                if self._ended:
                    self._done = True
                    break
                if self._error is not None:
                    raise OSError("request body read failed") from self._error
                left = self._progress + self._idle - time.monotonic()
                if left <= 0:
                    if self._on_pace is not None:
                        self._on_pace(CHUNK)  # its next body starts small again
                    raise BodyTimeout(f"no request body bytes for {self._idle:g} s")
                self._wanted = READ_AHEAD if size is None else size
                self._cond.notify_all()  # the helper may be waiting for room
                self._cond.wait(left)
            self._wanted = 0
            self._cond.notify_all()

    def start(self) -> None:
        """Begin reading the client now, before the application asks: an upload's body
        arrives while the application gets ready for it (the chunk lane's header checks,
        the uploads lane's middleware and policy), and is there when it is wanted."""
        with self._cond:
            if not self._started:
                self._begin()

    def _begin(self) -> None:
        # With self._cond held.
        self._progress = time.monotonic()
        self._started = True
        _readers.run(self._pump)

    def _take_pieces(self, size: int) -> list[bytes]:
        """The first ``size`` buffered bytes as the pieces they arrived in (only a piece
        cut in two is copied)."""
        taken = []
        with self._cond:
            while size > 0 and self._pieces:
                piece = self._pieces[0]
                if len(piece) <= size:
                    taken.append(self._pieces.popleft())
                else:
                    taken.append(piece[:size])
                    self._pieces[0] = piece[size:]
                size -= len(taken[-1])
                self._buffered -= len(taken[-1])
            self._cond.notify_all()  # room for the helper to read ahead
        return taken

    def _take(self, size: int) -> bytes:
        pieces = self._take_pieces(size)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def _consumed(self, count: int) -> None:
        """Once the application has the whole body, its slot is free for another reader:
        the thread no longer waits on the client."""
        if self._unread is not None:
            self._unread -= count
        if self._on_complete is not None and (self._done or self._unread == 0):
            self._on_complete()
            self._on_complete = None

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (all when -1/None), fewer only at the end of the body."""
        if size is None or size < 0:
            chunks = []
            while not self._done:
                self._fill(None)
                chunks.extend(self._take_pieces(self._buffered))
            chunks.extend(self._take_pieces(self._buffered))
            data = b"".join(chunks)
        else:
            self._fill(size)
            data = self._take(size)
        self._consumed(len(data))
        return data

    def read_pieces(self, size: int) -> list[bytes]:
        """Up to ``size`` bytes as a list of pieces (empty at the end of the body): what
        ``read`` gives, without joining the pieces into one copy."""
        self._fill(size)
        pieces = self._take_pieces(size)
        self._consumed(sum(map(len, pieces)))
        return pieces

    def readline(self, size: int | None = -1) -> bytes:
        while True:
            with self._cond:
                end = self._line_end()
                have = self._buffered
            if end or self._done or (size is not None and 0 <= size <= have):
                break
            self._fill(have + 1)
        if not end:
            end = have
        if size is not None and size >= 0:
            end = min(end, size)
        data = self._take(end)
        self._consumed(len(data))
        return data

    def _line_end(self) -> int:
        """With self._cond held: how many buffered bytes make the first line (0: no
        newline yet)."""
        seen = 0
        for piece in self._pieces:
            found = piece.find(b"\n")
            if found >= 0:
                return seen + found + 1
            seen += len(piece)
        return 0

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def abandon(self) -> None:
        """The request is answered: a helper thread still reading counts as stuck."""
        with self._stuck.lock:
            started = self._started and not self._finished
            if started and not self._abandoned:
                self._stuck.count += 1
            self._abandoned = True
        with self._cond:
            self._cond.notify_all()


def _body_length(environ: dict[str, Any]) -> int | None:
    """0 without a body, None for a chunked body, else the Content-Length."""
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return None
    try:
        return max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django answers an invalid Content-Length itself


def _plain(
    start_response: Callable[..., Any], status: str, text: str, **headers: str
) -> list[bytes]:
    body = text.encode()
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
            *headers.items(),
        ],
    )
    return [body]


class BodyGate:
    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.idle = float(getattr(settings, "BODY_IDLE_SECONDS", 10))
        self.stuck = _Stuck()
        # The slots: a count and their holders under one lock (a semaphore beside it cost
        # two more lock round trips per body), and a condition for the waiters.
        self.lock = threading.Lock()
        self.freed = threading.Condition(self.lock)
        self.free = int(getattr(settings, "BODY_SLOTS", 4))
        self.held: dict[int, float] = {}  # slot holder -> when its body began to be read
        self.waiting = 0
        self.paces = _Paces()  # per upload path

    def _take_slot(self, key: int) -> bool:
        if self.stuck.count >= MAX_STUCK_READERS:
            return False
        with self.lock:
            now = time.monotonic()
            if not self.free:
                oldest = min(self.held.values(), default=now)
                fast = now - oldest < FAST_HOLD
                if self.waiting >= (FAST_WAITERS if fast else SLOT_WAITERS):
                    return False
                self.waiting += 1
                try:
                    deadline = now + SLOT_WAIT
                    while not self.free:
                        left = deadline - time.monotonic()
                        if left <= 0 or not self.freed.wait(left) and not self.free:
                            return False
                finally:
                    self.waiting -= 1
                now = time.monotonic()
            self.free -= 1
            self.held[key] = now
        return True

    def _give_back(self, key: int) -> None:
        with self.lock:
            if self.held.pop(key, None) is not None:
                self.free += 1
                self.freed.notify()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = _body_length(environ)
        if length == 0:
            return self.app(environ, start_response)
        key = id(environ)
        if not self._take_slot(key):
            return _plain(
                start_response,
                "503 Service Unavailable",
                "The server is busy receiving other requests; try again in a few seconds.",
                **{"Retry-After": "5"},
            )
        released = False

        def release() -> None:
            # Called by the thread that runs the application (when it has read the whole
            # body, and when it is done), never by two threads at once.
            nonlocal released
            if not released:
                released = True
                self._give_back(key)

        path = environ.get("PATH_INFO", "")
        is_upload = path.startswith(UPLOADS_PREFIX)
        first_piece, on_pace = CHUNK, None
        if is_upload and environ.get("REQUEST_METHOD") == "PATCH":  # one upload's chunks
            first_piece, on_pace = self.paces.first_piece(path), partial(self.paces.remember, path)
        body = TimedBody(
            environ["wsgi.input"], length, self.idle, self.stuck, release, first_piece, on_pace
        )
        try:
            if not is_upload and length is not None and length <= BUFFERED_BODY_MAX:
                try:
                    data = body.read(length)
                except OSError:
                    return _plain(
                        start_response,
                        "408 Request Timeout",
                        "The request body arrived too slowly.",
                    )
                environ["wsgi.input"] = io.BytesIO(data)
            else:
                environ["wsgi.input"] = body
                if is_upload:
                    body.start()
            # The application has read what it needs once it returns (Django and the upload
            # views read bodies before answering).
            return self.app(environ, start_response)
        finally:
            body.abandon()
            release()
