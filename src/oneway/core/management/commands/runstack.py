"""Start the web server (granian) and the Huey worker together; Ctrl-C stops both.

A crash heals itself: granian respawns a web worker that dies (``--respawn-failed-workers``),
and this command restarts the web server or the job worker if either exits unexpectedly,
waiting a little longer after each quick failure (backoff). Nothing is lost by a restart:
uploads resume where the server acknowledged them, queued jobs stay queued, and a media
job a killed worker held is queued again once its lease expires (``oneway.media.jobs``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

# After an unexpected exit, wait FIRST_DELAY, doubling up to MAX_DELAY while the process
# keeps failing within STABLE seconds of starting; a process that ran longer starts over.
FIRST_DELAY = 0.5
MAX_DELAY = 30.0
STABLE = 30.0
# granian waits this long before starting a replacement for a dead web worker.
WEB_RESPAWN_SECONDS = "1"


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    delay: float = FIRST_DELAY
    restart_at: float | None = None
    restarts: int = field(default=0)

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, env=self.env, start_new_session=True)
        self.started_at = time.monotonic()
        self.restart_at = None

    def exited(self) -> int | None:
        """The exit status if the process has ended (and not been handled yet)."""
        if self.process is None or self.restart_at is not None:
            return None
        return self.process.poll()

    def schedule_restart(self, now: float) -> float:
        if now - self.started_at >= STABLE:
            self.delay = FIRST_DELAY
        wait = self.delay
        self.delay = min(self.delay * 2, MAX_DELAY)
        self.restart_at = now + wait
        self.restarts += 1
        return wait

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.signal_group(sig)

    def signal_group(self, sig: int) -> None:
        """Signal the process and whatever it started (its own process group)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)


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
            "--respawn-failed-workers",
            "--respawn-interval",
            WEB_RESPAWN_SECONDS,
            "oneway.wsgi:application",
        ]
        worker = [sys.executable, "-m", "oneway", "run_huey", "--quiet"]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "oneway.settings"}
        children = [Child("web server", web, env), Child("job worker", worker, env)]
        for child in children:
            child.start()
        self.stdout.write(self.style.SUCCESS(f"Oneway is running at {settings.BASE_URL}/"))
        self.stdout.write("Press Ctrl-C to stop the web server and the worker.")

        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                self._supervise(children)
                time.sleep(0.2)
        finally:
            for child in children:
                child.stop()
            deadline = time.monotonic() + 10
            for child in children:
                if child.process is None:
                    continue
                try:
                    child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.stop(signal.SIGKILL)
        self.stdout.write("Stopped.")

    def _supervise(self, children: list[Child]) -> None:
        now = time.monotonic()
        for child in children:
            status = child.exited()
            if status is not None:
                # Its process group may hold orphans (a web worker whose server died).
                child.signal_group(signal.SIGKILL)
                wait = child.schedule_restart(now)
                self.stderr.write(
                    f"The {child.name} stopped unexpectedly (exit status {status}); "
                    f"restarting it in {wait:g} s."
                )
            elif child.restart_at is not None and now >= child.restart_at:
                child.start()
                self.stderr.write(f"The {child.name} is running again.")
