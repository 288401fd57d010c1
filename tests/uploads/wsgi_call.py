"""One request through the production WSGI callable (``oneway.wsgi.application``), as
granian would make it, rather than through Django's test client (which always takes the
full stack)."""

from __future__ import annotations

import io
import sys
from typing import Any

from oneway.wsgi import application


def call(
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes = b"",
    stream: Any = None,
    app: Any = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request through the production WSGI callable (or ``app``); ``stream``, if
    given, is the body's ``wsgi.input`` (``body`` still gives its Content-Length)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body) if stream is None else stream,
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    started: dict[str, Any] = {}

    def start_response(
        status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
    ) -> None:
        started["status"] = int(status.split(" ", 1)[0])
        started["headers"] = dict(response_headers)

    result = (app or application)(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return started["status"], started["headers"], content
