"""Configuration from the environment, in fresh processes (settings are read once)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({{k: str(getattr(settings, k, '')) for k in {keys!r}}}))"
)


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ONEWAY_", "EMAIL_"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the test suite for Playwright
    clean["DJANGO_SETTINGS_MODULE"] = "oneway.settings"
    return subprocess.run(
        [sys.executable, *args], env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def settings_in(env: dict[str, str], *keys: str) -> dict[str, str]:
    result = run(env, "-c", PROBE.format(keys=list(keys)))
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.fixture
def production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "ONEWAY_PRODUCTION": "true",
        "ONEWAY_SECRET_KEY": secrets.token_urlsafe(64),
        "ONEWAY_BASE_URL": "https://jobs.example.com",
        "ONEWAY_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }


def test_production_passes_the_deploy_check(production_env: dict[str, str]) -> None:
    result = run(production_env, "-m", "oneway", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_debug(production_env: dict[str, str]) -> None:
    result = run({**production_env, "ONEWAY_DEBUG": "true"}, "-m", "oneway", "check")
    assert result.returncode != 0
    assert "ONEWAY_DEBUG must be off" in result.stderr


def test_production_refuses_the_development_secret(production_env: dict[str, str]) -> None:
    env = {k: v for k, v in production_env.items() if k != "ONEWAY_SECRET_KEY"}
    result = run(env, "-m", "oneway", "check")
    assert result.returncode != 0
    assert "ONEWAY_SECRET_KEY" in result.stderr


def test_secret_from_a_file_and_email_from_a_url(
    production_env: dict[str, str], tmp_path: Path
) -> None:
    secret = secrets.token_urlsafe(64)
    (tmp_path / "secret").write_text(secret + "\n")
    env = {
        **{k: v for k, v in production_env.items() if k != "ONEWAY_SECRET_KEY"},
        "ONEWAY_SECRET_KEY_FILE": str(tmp_path / "secret"),
        "EMAIL_URL": "submission://mailer%40example.com:p%40ss@smtp.example.com",
        "ONEWAY_REDIS_URL": "redis://127.0.0.1:6379/3",
    }
    values = settings_in(
        env,
        "SECRET_KEY",
        "DEBUG",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
        "HUEY",
        "SESSION_COOKIE_SECURE",
        "ALLOWED_HOSTS",
    )
    assert values["SECRET_KEY"] == secret
    assert values["DEBUG"] == "False" and values["SESSION_COOKIE_SECURE"] == "True"
    assert values["EMAIL_HOST"] == "smtp.example.com" and values["EMAIL_PORT"] == "587"
    assert values["EMAIL_HOST_USER"] == "mailer@example.com"
    assert values["EMAIL_HOST_PASSWORD"] == "p@ss" and values["EMAIL_USE_TLS"] == "True"
    assert "RedisHuey" in values["HUEY"]
    assert values["ALLOWED_HOSTS"] == "['jobs.example.com']"


def test_development_defaults(tmp_path: Path) -> None:
    values = settings_in(
        {"ONEWAY_DATA_DIR": str(tmp_path), "PORT": "8123"},
        "DEBUG",
        "BASE_URL",
        "EMAIL_BACKEND",
        "EMAIL_DELIVERY_BACKEND",
        "DATABASES",
        "HUEY",
    )
    assert values["DEBUG"] == "True"
    assert values["BASE_URL"] == "http://127.0.0.1:8123"
    # Every message is counted on its way to the console (metrics, issue 14).
    assert values["EMAIL_BACKEND"] == "oneway.core.mailbackend.MeteredEmailBackend"
    assert values["EMAIL_DELIVERY_BACKEND"].endswith("console.EmailBackend")
    assert "sqlite3" in values["DATABASES"] and "SqliteHuey" in values["HUEY"]


def test_development_secret_is_random_private_and_kept(tmp_path: Path) -> None:
    from oneway.settings import DEVELOPMENT_SECRET_KEY

    first = settings_in({"ONEWAY_DATA_DIR": str(tmp_path / "a")}, "SECRET_KEY")["SECRET_KEY"]
    assert first != DEVELOPMENT_SECRET_KEY and len(first) >= 50
    key_file = tmp_path / "a" / "secret_key"
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o777 == 0o600
    # Kept across restarts; another install gets its own.
    assert (
        settings_in({"ONEWAY_DATA_DIR": str(tmp_path / "a")}, "SECRET_KEY")["SECRET_KEY"] == first
    )
    other = settings_in({"ONEWAY_DATA_DIR": str(tmp_path / "b")}, "SECRET_KEY")["SECRET_KEY"]
    assert other != first


def test_production_never_generates_a_secret(
    production_env: dict[str, str], tmp_path: Path
) -> None:
    env = {k: v for k, v in production_env.items() if k != "ONEWAY_SECRET_KEY"}
    (tmp_path / "secret_key").write_text(secrets.token_urlsafe(64))  # a development leftover
    assert run(env, "-m", "oneway", "check").returncode != 0
    insecure = {**env, "ONEWAY_SECRET_KEY": "django-insecure-" + secrets.token_urlsafe(64)}
    assert run(insecure, "-m", "oneway", "check").returncode != 0


def test_readme_documents_every_variable() -> None:
    import re

    root = Path(__file__).resolve().parent.parent
    settings_source = (root / "src" / "oneway" / "settings.py").read_text()
    names = set(re.findall(r'env(?:str|int|bool|secret|list)\("([A-Z0-9_]+)"', settings_source))
    readme = (root / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"add to the README configuration table: {missing}"
