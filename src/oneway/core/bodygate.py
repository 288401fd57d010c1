"""Slow request bodies cannot take the web server's threads (WSGI middleware).

Under WSGI a request body is read in one of the server's few worker threads, and a read
blocks until the bytes arrive: a client trickling a byte every few seconds holds a thread
for as long as it likes, and a handful of them stop the whole site. This gate, wrapped
around the WSGI application (``oneway.wsgi``), bounds that:

- At most ``BODY_SLOTS`` requests per process read a body at once; one more may wait up
  to ``SLOT_WAIT`` seconds for a slot (bursts of fast uploads), the rest are answered
  ``503`` with ``Retry-After`` at once (tus clients retry). So the server's other threads
  are always free for requests without a body, such as pages. A slot is free again as
  soon as the application has read the whole body (writing a chunk to disk and the
  database does not wait on the client, so it does not hold a slot).
- Body bytes are read by a helper thread, in ``CHUNK`` pieces; when no piece arrives for
  ``BODY_IDLE_SECONDS`` (a minimum rate of CHUNK bytes per that many seconds) the read
  fails. An upload keeps what arrived (as for a dropped connection); any other request is
  answered ``408`` before Django sees it. Its slot is free again either way.
- A helper thread stuck on a client that never sends another byte ends when the client
  goes away; at most ``MAX_STUCK_READERS`` of them exist, beyond that new bodies wait
  (503) as above.

Bodies other than uploads (forms) are read whole before Django runs, up to
``BUFFERED_BODY_MAX`` bytes, as a buffering reverse proxy would do.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

CHUNK = 16 * 1024
# Pieces read ahead of the application (bounds the memory a slow consumer costs).
READ_AHEAD = 16
MAX_STUCK_READERS = 64
BUFFERED_BODY_MAX = 16 * 1024 * 1024
# Requests that may wait for a body slot at once, and for how long.
SLOT_WAITERS = 1
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


class TimedBody:
    """A ``wsgi.input`` whose reads fail after ``idle`` seconds without a byte."""

    def __init__(
        self,
        raw: Any,
        length: int | None,
        idle: float,
        stuck: _Stuck,
        on_complete: Callable[[], None] | None = None,
    ) -> None:
        self._raw = raw
        self._left = length  # None: chunked, read to the end
        self._unread = length  # bytes the application has not read yet
        self._on_complete = on_complete
        self._idle = idle
        self._stuck = stuck
        self._pieces: queue.Queue[bytes | BaseException] = queue.Queue(READ_AHEAD)
        self._buffer = b""
        self._done = False
        self._abandoned = threading.Event()
        self._thread: threading.Thread | None = None
        self._finished = threading.Event()

    def _pump(self) -> None:
        try:
            while not self._abandoned.is_set():
                want = CHUNK if self._left is None else min(CHUNK, self._left)
                if want <= 0:
                    self._put(b"")
                    return
                try:
                    piece = self._raw.read(want)
                except BaseException as exc:  # the client went away
                    self._put(exc)
                    return
                if self._left is not None:
                    self._left -= len(piece)
                self._put(piece)
                if not piece:
                    return
        finally:
            with self._stuck.lock:
                if self._abandoned.is_set() and not self._finished.is_set():
                    self._stuck.count -= 1
                self._finished.set()

    def _put(self, item: bytes | BaseException) -> None:
        while not self._abandoned.is_set():
            try:
                self._pieces.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def _next_piece(self) -> bytes:
        if self._thread is None:
            self._thread = threading.Thread(target=self._pump, name="body-reader", daemon=True)
            self._thread.start()
        try:
            item = self._pieces.get(timeout=self._idle)
        except queue.Empty:
            raise BodyTimeout(f"no request body bytes for {self._idle:g} s") from None
        if isinstance(item, BaseException):
            raise OSError("request body read failed") from item
        if not item:
            self._done = True
        return item

    def _consumed(self, data: bytes) -> bytes:
        """Once the application has the whole body, its slot is free for another reader:
        the thread no longer waits on the client."""
        if self._unread is not None:
            self._unread -= len(data)
        if self._on_complete is not None and (self._done or self._unread == 0):
            self._on_complete()
            self._on_complete = None
        return data

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (all when -1/None), fewer only at the end of the body."""
        while not self._done and (size is None or size < 0 or len(self._buffer) < size):
            self._buffer += self._next_piece()
        if size is None or size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return self._consumed(data)

    def readline(self, size: int | None = -1) -> bytes:
        while not self._done and b"\n" not in self._buffer:
            if size is not None and 0 <= size <= len(self._buffer):
                break
            self._buffer += self._next_piece()
        end = self._buffer.find(b"\n") + 1 or len(self._buffer)
        if size is not None and size >= 0:
            end = min(end, size)
        data, self._buffer = self._buffer[:end], self._buffer[end:]
        return self._consumed(data)

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def abandon(self) -> None:
        """The request is answered: a helper thread still reading counts as stuck."""
        with self._stuck.lock:
            started = self._thread is not None and not self._finished.is_set()
            if started and not self._abandoned.is_set():
                self._stuck.count += 1
            self._abandoned.set()


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
        self.slots = threading.BoundedSemaphore(int(getattr(settings, "BODY_SLOTS", 4)))
        self.idle = float(getattr(settings, "BODY_IDLE_SECONDS", 10))
        self.stuck = _Stuck()
        self.waiters = threading.BoundedSemaphore(SLOT_WAITERS)

    def _take_slot(self) -> bool:
        if self.stuck.count >= MAX_STUCK_READERS:
            return False
        if self.slots.acquire(blocking=False):
            return True
        if not self.waiters.acquire(blocking=False):
            return False
        try:
            return self.slots.acquire(timeout=SLOT_WAIT)
        finally:
            self.waiters.release()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = _body_length(environ)
        if length == 0:
            return self.app(environ, start_response)
        if not self._take_slot():
            return _plain(
                start_response,
                "503 Service Unavailable",
                "The server is busy receiving other requests; try again in a few seconds.",
                **{"Retry-After": "5"},
            )
        released = threading.Event()

        def release() -> None:
            if not released.is_set():
                released.set()
                self.slots.release()

        body = TimedBody(environ["wsgi.input"], length, self.idle, self.stuck, release)
        try:
            is_upload = environ.get("PATH_INFO", "").startswith(UPLOADS_PREFIX)
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
            # The application has read what it needs once it returns (Django and the upload
            # views read bodies before answering).
            return self.app(environ, start_response)
        finally:
            body.abandon()
            release()
