"""The body gate frees a request's slot once the application has the whole body."""

import io
import threading
from typing import Any

import pytest
from django.test import override_settings

from oneway.core.bodygate import BodyGate


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
