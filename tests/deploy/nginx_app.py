"""granian factory for the nginx test: Oneway's WSGI app, the test upload policy, and one
test-only path that answers like a media view does for local files (X-Accel-Redirect)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote


def make_app() -> Any:
    from tus_server import make_app as make_oneway

    oneway = make_oneway()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/_test/accel":
            name = parse_qs(environ.get("QUERY_STRING", "")).get("name", [""])[0]
            start_response(
                "200 OK",
                [
                    ("Content-Type", "video/mp4"),
                    ("Content-Disposition", 'inline; filename="answer.mp4"'),
                    ("X-Accel-Redirect", "/_protected_media/" + quote(name)),
                    ("Content-Length", "0"),
                ],
            )
            return [b""]
        return oneway(environ, start_response)

    return app
