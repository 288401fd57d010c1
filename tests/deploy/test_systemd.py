"""deploy/systemd: the units are valid, and what they start runs and serves."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
VENV_PYTHON = "/opt/oneway/venv/bin/python"


def exec_start(unit: str) -> list[str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string((UNITS / unit).read_text().replace("\\\n", " "))
    command = shlex.split(parser["Service"]["ExecStart"])
    assert command[0] == VENV_PYTHON
    return [sys.executable, *command[1:]]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
@pytest.mark.parametrize(
    "unit", ["oneway-web.service", "oneway-worker.service", "oneway-metrics.service"]
)
def test_units_pass_systemd_analyze(unit: str, tmp_path: Path) -> None:
    text = (UNITS / unit).read_text().replace(VENV_PYTHON, sys.executable)
    (tmp_path / unit).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / unit)],
        capture_output=True,
        text=True,
    )
    assert result.stderr.strip() == "", result.stderr


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ONEWAY_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "oneway.settings",
        "ONEWAY_DATA_DIR": str(tmp_path),
        "ONEWAY_TRANSCRIBER": "none",
    }


@pytest.mark.slow
def test_the_web_and_worker_units_start_what_serves(tmp_path: Path) -> None:
    from tus_server import free_port

    env = _env(tmp_path)
    migrate = subprocess.run(
        [sys.executable, "-m", "oneway", "migrate", "--noinput"], env=env, capture_output=True
    )
    assert migrate.returncode == 0, migrate.stderr
    port = free_port()
    web_command = [part.replace("8000", str(port)) for part in exec_start("oneway-web.service")]
    web = subprocess.Popen(web_command, env=env, start_new_session=True)
    worker = subprocess.Popen(exec_start("oneway-worker.service"), env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert web.poll() is None, "the web server stopped"
            assert time.monotonic() < deadline, "the web server did not answer"
            time.sleep(0.2)
        doctor = subprocess.run(
            [sys.executable, "-m", "oneway", "doctor", "--queue-timeout", "30"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "ok   queue          SQLite: a worker ran a test job" in doctor.stdout, doctor.stdout
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        # The unit's KillSignal: the worker stops gracefully on SIGINT.
        os.killpg(worker.pid, signal.SIGINT)
        web.wait(timeout=30)
        assert worker.wait(timeout=60) == 0
