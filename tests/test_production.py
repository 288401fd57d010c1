"""The README's "Running it for real" steps, run as an operator would: production settings
on PostgreSQL, ``check --deploy``, ``migrate``, ``collectstatic`` (manifest storage), then
granian on the production WSGI application, answering the login page, a candidate page and
a static file."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests

pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]

HOST = "jobs.example.com"
# The TLS-terminating proxy the README asks for sends these.
PROXY_HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def production_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The README's environment, with a database of its own (created and dropped here)."""
    name = f"oneway_prod_{os.getpid()}_{secrets.token_hex(3)}"
    admin = "postgres://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    key = tmp_path / "oneway_key"
    key.write_text(secrets.token_urlsafe(64))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ONEWAY_", "DATABASE_URL", "EMAIL_", "DJANGO_"))
    }
    env.update(
        {
            "ONEWAY_PRODUCTION": "true",
            "ONEWAY_SECRET_KEY_FILE": str(key),
            "ONEWAY_BASE_URL": f"https://{HOST}",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
            "ONEWAY_DATA_DIR": str(tmp_path / "data"),
            "ONEWAY_PROXY_COUNT": "1",
            "EMAIL_URL": "console://",
            "DJANGO_SETTINGS_MODULE": "oneway.settings",
        }
    )
    try:
        yield env
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _oneway(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "oneway", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_readme_production_steps(production_env: dict[str, str], tmp_path: Path) -> None:
    env = production_env
    check = _oneway(env, "check", "--deploy", "--fail-level", "WARNING")
    assert "no issues" in check
    _oneway(env, "migrate", "--noinput")
    _oneway(env, "createcachetable")
    _oneway(env, "collectstatic", "--noinput")
    _oneway(
        env,
        "create_organisation",
        "Acme Hiring",
        "owner@acme.example",
        "--timezone",
        "Europe/Berlin",
    )
    seeded = _oneway(env, "seed_demo", "--force")
    candidate_path = re.search(rf"https://{HOST}(/c/[^/\s]+/)", seeded)
    assert candidate_path, seeded

    port = _free_port()
    log = tmp_path / "granian.log"
    with open(log, "wb") as output:
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "wsgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "oneway.wsgi:application",
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        session = requests.Session()
        session.headers.update(PROXY_HEADERS)
        deadline = time.monotonic() + 60
        while True:
            assert web.poll() is None, log.read_text()
            try:
                login = session.get(f"{base}/accounts/login/", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        assert login.status_code == 200, log.read_text()[-3000:]
        assert "Sign in" in login.text
        assert login.headers["Strict-Transport-Security"].startswith("max-age=")

        # The page's static files are the hashed, compressed ones collectstatic wrote.
        css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', login.text)
        assert css, login.text
        static = session.get(f"{base}{css.group(1)}", timeout=5)
        assert static.status_code == 200
        assert static.headers["Content-Type"].startswith("text/css")
        manifest = json.loads(
            (Path(env["ONEWAY_DATA_DIR"]) / "static/staticfiles.json").read_text()
        )
        tus = manifest["paths"]["candidate/vendor/tus.min.js"]
        assert session.get(f"{base}/static/{tus}", timeout=5).status_code == 200

        # The link moves its token into the (Secure) session cookie and redirects; the proxy
        # speaks HTTPS to the browser, so the cookie is sent back here by hand.
        link = session.get(f"{base}{candidate_path.group(1)}", timeout=5, allow_redirects=False)
        assert link.status_code == 302, log.read_text()[-3000:]
        cookie = f"sessionid={link.cookies['sessionid']}"
        candidate = session.get(f"{base}{link.headers['Location']}", headers={"Cookie": cookie})
        assert candidate.status_code == 200, log.read_text()[-3000:]
        assert "Customer support specialist" in candidate.text
        assert "Recorded interview" in candidate.text
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(web.pid, signal.SIGTERM)
        try:
            web.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(web.pid, signal.SIGKILL)
            web.wait(timeout=10)
