"""The production server (granian, WSGI) in a subprocess, with the test upload policy.

``make_app`` is the granian factory; ``GranianServer`` starts, waits for and kills it.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def make_app() -> Any:
    """granian --factory target: the Oneway WSGI app with the test policy registered."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneway.settings")
    # The production WSGI application (uploads lane included); it sets Django up, so the
    # test policy, which imports models, comes after it.
    from oneway.wsgi import application

    importlib.import_module("tus_test_policy").register()

    def with_worker_pid(environ: dict[str, Any], start_response: Any) -> Any:
        """Tell the tests which worker process answered."""

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("X-Test-Worker", str(os.getpid()))], exc_info)

        return application(environ, start)

    return with_worker_pid


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL for the database the test process is using (the test database)."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


class GranianServer:
    def __init__(
        self,
        *,
        env: dict[str, str],
        workers: int = 2,
        log: Path | None = None,
        target: str = "tus_server:make_app",
        pythonpath: tuple[Path, ...] = (),
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "oneway.settings",
            "PYTHONPATH": os.pathsep.join(
                [str(HERE), *map(str, pythonpath), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
            **env,
        }
        self.workers = workers
        self.target = target
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        command = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--blocking-threads",
            "8",
            "--no-ws",
            "--log-level",
            "warning",
            self.target,
        ]
        with open(self.log or os.devnull, "ab") as output:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=HERE,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        import requests

        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"granian exited with {self.process.returncode}{self._log_tail()}"
                )
            try:
                if requests.options(f"{self.url}/uploads/", timeout=1).status_code == 204:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"granian did not answer within {timeout}s{self._log_tail()}")

    def _log_tail(self) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return ":\n" + self.log.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """SIGKILL the server and its workers: no cleanup of any kind runs."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        self.process = None
