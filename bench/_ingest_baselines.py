"""Baselines for bench/ingest.py: the same load against servers that do less than Oneway.

They are yardsticks measured in the same run, on the same machine, through the same
granian and load generator, never part of the product:

``bare``
    Reads the body and answers 204 with the new offset: no disk, no database. What
    granian, the loopback network and the load generator cost by themselves.

``durable``
    The least a durable tus PATCH must do, written straight against psycopg and the OS
    with no Django request handling, no policy object, no checks beyond the upload's
    capability (its token's hash and expiry, from the row) and the offset: read the row,
    read the body, then in one transaction lock the row, write and fsync the
    bytes and commit the new offset (the same three round trips and the same fsync as
    Oneway's middle-chunk path). Anything else (creating, completing) goes to Oneway's own
    application. What a Python server cannot do with less work per chunk.

``gated``
    ``durable`` behind the body gate (``oneway.core.bodygate``), as Oneway's lanes are:
    ``durable`` and ``gated`` measured in the same run tell the gate's cost from the rest.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import uuid
from collections.abc import Callable, Iterable
from typing import Any

READ = 256 * 1024

StartResponse = Callable[..., Any]


def bare_app() -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "POST":
            location = f"http://{environ['HTTP_HOST']}/uploads/{uuid.uuid4()}"
            start_response("201 Created", [("Location", location), ("Upload-Offset", "0")])
            return [b""]
        size = _drain(environ)
        offset = int(environ.get("HTTP_UPLOAD_OFFSET", "0")) + size
        start_response("204 No Content", [("Upload-Offset", str(offset))])
        return [b""]

    return app


def _drain(environ: dict[str, Any]) -> int:
    remaining = int(environ.get("CONTENT_LENGTH") or 0)
    stream = environ["wsgi.input"]
    received = 0
    while received < remaining:
        block = stream.read(min(READ, remaining - received))
        if not block:
            break
        received += len(block)
    return received


def durable_app(
    oneway: Callable[[dict[str, Any], StartResponse], Iterable[bytes]], token_header: str
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    import psycopg
    from django.conf import settings
    from django.db import connections

    directory = str(settings.UPLOAD_TEMP_DIR)
    token_key = "HTTP_" + token_header.upper().replace("-", "_")

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "PATCH" or "HTTP_UPLOAD_LENGTH" in environ:
            return oneway(environ, start_response)
        upload_id = uuid.UUID(environ["PATH_INFO"].rsplit("/", 1)[1])
        offset = int(environ["HTTP_UPLOAD_OFFSET"])
        db = connections["default"]
        db.ensure_connection()
        raw = db.connection
        with psycopg.Cursor(raw) as cursor:
            cursor.execute(
                'SELECT "capability_hash", "offset", "prefix_checked", "capability_until"'
                " FROM uploads_upload WHERE id = %s",
                [upload_id],
            )
            row = cursor.fetchone()
        if row is None or not row[2]:
            return oneway(environ, start_response)  # first chunks: Oneway's own path
        token = environ.get(token_key, "").encode()
        if (
            row[0] != hashlib.sha256(token).hexdigest()
            or row[3] < datetime.datetime.now(datetime.UTC)
            or row[1] != offset
        ):
            start_response("409 Conflict", [])
            return [b""]
        blocks = []
        remaining = int(environ.get("CONTENT_LENGTH") or 0)
        while remaining > 0:
            block = environ["wsgi.input"].read(min(READ, remaining))
            if not block:
                break
            blocks.append(block)
            remaining -= len(block)
        with psycopg.ClientCursor(raw) as cursor:
            cursor.execute(
                'BEGIN; SELECT "offset" FROM uploads_upload WHERE id = %s FOR UPDATE',
                [upload_id],
            )
            cursor.nextset()
            locked = cursor.fetchone()
            if locked is None or locked[0] != offset:
                raw.rollback()
                start_response("409 Conflict", [])
                return [b""]
            fd = os.open(os.path.join(directory, f"{upload_id.hex}.part"), os.O_RDWR)
            try:
                position = offset
                for block in blocks:
                    position += os.pwrite(fd, block, position)
                os.fsync(fd)
            finally:
                os.close(fd)
            cursor.execute(
                'UPDATE uploads_upload SET "offset" = %s, "updated_at" = now() WHERE id = %s;'
                " COMMIT",
                [position, upload_id],
            )
        start_response("204 No Content", [("Upload-Offset", str(position))])
        return [b""]

    return app
