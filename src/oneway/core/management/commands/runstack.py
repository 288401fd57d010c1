"""Start the web server (granian) and the Huey worker together; Ctrl-C stops both."""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the web server and the background worker together (development and small installs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2"))
        )

    def handle(self, *args: Any, host: str, port: int, web_workers: int, **options: Any) -> None:
        web = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(web_workers),
            # Measured by bench/ingest.py on 2 cores: more threads per worker only add
            # GIL hand-offs to CPU-bound requests.
            "--blocking-threads",
            "6",
            "--no-ws",
            "oneway.wsgi:application",
        ]
        worker = [sys.executable, "-m", "oneway", "run_huey", "--quiet"]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "oneway.settings"}
        processes = [
            subprocess.Popen(web, env=env, start_new_session=True),
            subprocess.Popen(worker, env=env, start_new_session=True),
        ]
        self.stdout.write(self.style.SUCCESS(f"Oneway is running at {settings.BASE_URL}/"))
        self.stdout.write("Press Ctrl-C to stop the web server and the worker.")

        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(p.poll() is None for p in processes):
                time.sleep(0.3)
        finally:
            for process in processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            for process in processes:
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        failed = [p.args for p in processes if p.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            raise SystemExit(f"A process stopped unexpectedly: {failed[0]!r}")
        self.stdout.write("Stopped.")
