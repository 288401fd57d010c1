"""``python -m oneway metrics_exporter``: /metrics for a host that runs no web server.

A worker host's job consumer writes its metrics (jobs, media processing, emails) to
ONEWAY_METRICS_DIR like a web host's processes do; this small server exposes them (and
the queue depth) for Prometheus. Bind it to a private address; when ONEWAY_METRICS_TOKEN
is set it asks for the same bearer token as the web server's /metrics.
"""

from __future__ import annotations

import hmac
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from oneway.core.metrics import exposition


class MetricsHandler(BaseHTTPRequestHandler):
    server_version = "oneway-metrics"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path.split("?", 1)[0] != "/metrics":
            self._answer(404, b"Not found.\n", "text/plain")
            return
        token = settings.METRICS_TOKEN
        given = self.headers.get("Authorization", "")
        if token and not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            self._answer(401, b"Unauthorized.\n", "text/plain")
            return
        body, content_type = exposition()
        self._answer(200, body, content_type)

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per scrape is noise


def parse_bind(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise CommandError(f"--bind must be HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port)


class Command(BaseCommand):
    help = "Serve this host's metrics (job consumer, queue depth) at /metrics for Prometheus."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:9108", help="HOST:PORT to listen on.")

    def handle(self, *args: Any, bind: str, **options: Any) -> None:
        server = ThreadingHTTPServer(parse_bind(bind), MetricsHandler)
        self.stdout.write(f"Serving metrics at http://{bind}/metrics")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
