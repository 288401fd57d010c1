"""``python -m oneway doctor``: is this deployment able to run, and if not, what to fix.

``CHECKS`` is the list of checks, run in order. Each is a function returning one
``Finding`` (or a list of them): what it found, whether that is fine, and when it is not,
what the operator should do. Other apps add their check function to ``CHECKS``.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from django.conf import settings

QUEUE_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    text: str
    fix: str = ""


Check = Callable[[], "Finding | list[Finding]"]


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:400]


def check_configuration() -> list[Finding]:
    from django.core import checks

    findings = []
    messages = checks.run_checks(include_deployment_checks=settings.PRODUCTION)
    serious = [
        m for m in messages if m.level >= (checks.WARNING if settings.PRODUCTION else checks.ERROR)
    ]
    if serious:
        for message in serious:
            findings.append(
                Finding("configuration", False, f"{message.id}: {message.msg}", message.hint or "")
            )
    else:
        mode = "production" if settings.PRODUCTION else "development (ONEWAY_PRODUCTION is off)"
        findings.append(Finding("configuration", True, f"Django's checks pass; {mode}"))
    if settings.PRODUCTION and not settings.BASE_URL.startswith("https://"):
        findings.append(
            Finding(
                "configuration",
                False,
                f"ONEWAY_BASE_URL is {settings.BASE_URL}, not an https:// address",
                "Set ONEWAY_BASE_URL to the public https:// address candidates open.",
            )
        )
    engine = settings.DATABASES["default"]["ENGINE"]
    if settings.REDIS_URL and engine.endswith("sqlite3"):
        findings.append(
            Finding(
                "configuration",
                False,
                "Redis is configured (several hosts) but the database is SQLite (one host)",
                "Set DATABASE_URL to PostgreSQL for a deployment of several hosts.",
            )
        )
    return findings


def check_database() -> Finding:
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        version = ".".join(str(part) for part in connection.get_database_version())
    except Exception as exc:
        return Finding(
            "database",
            False,
            _error(exc),
            "Check DATABASE_URL and that the database server runs and accepts this host.",
        )
    return Finding("database", True, f"{connection.vendor} {version} answers")


def check_migrations() -> list[Finding]:
    from django.core.cache import cache
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    findings = []
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return [Finding("migrations", False, _error(exc), "Fix the database connection first.")]
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        findings.append(
            Finding(
                "migrations",
                False,
                f"{len(plan)} not applied ({names}{' ...' if len(plan) > 5 else ''})",
                "Run: python -m oneway migrate",
            )
        )
    else:
        findings.append(Finding("migrations", True, "all applied"))
    if not settings.REDIS_URL:
        table = settings.CACHES["default"]["LOCATION"]
        if table not in connection.introspection.table_names():
            findings.append(
                Finding(
                    "migrations",
                    False,
                    f"the cache table {table} is missing (rate limits need it)",
                    "Run: python -m oneway createcachetable",
                )
            )
        else:
            try:
                cache.get("oneway:doctor")
            except Exception as exc:
                findings.append(Finding("migrations", False, f"cache: {_error(exc)}"))
    return findings


def _writable(name: str, folder: Path, fix: str) -> Finding:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-") as probe:
            probe.write(b"oneway doctor")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        return Finding(name, False, f"{folder}: {_error(exc)}", fix)
    return Finding(name, True, f"{folder} is writable")


def check_storage() -> list[Finding]:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from oneway.uploads.backends import default_storage_is_s3

    kind = (
        "S3 bucket " + settings.S3_BUCKET if default_storage_is_s3() else str(settings.MEDIA_ROOT)
    )
    fix = (
        "Check ONEWAY_S3_* (endpoint, bucket, keys) and that the keys may put, get and "
        "delete objects."
        if default_storage_is_s3()
        else "Create ONEWAY_MEDIA_ROOT and make it writable by the user Oneway runs as."
    )
    payload = secrets.token_bytes(64)
    name = f"doctor/{secrets.token_hex(8)}.bin"
    try:
        saved = default_storage.save(name, ContentFile(payload))
        try:
            with default_storage.open(saved, "rb") as f:
                read = f.read()
        finally:
            default_storage.delete(saved)
        if read != payload:
            return [Finding("storage", False, f"{kind}: read back different bytes", fix)]
        if default_storage.exists(saved):
            return [Finding("storage", False, f"{kind}: a deleted object is still there", fix)]
    except Exception as exc:
        return [Finding("storage", False, f"{kind}: {_error(exc)}", fix)]
    return [
        Finding("storage", True, f"{kind}: write, read and delete work"),
        _writable(
            "storage",
            Path(settings.UPLOAD_TEMP_DIR),
            "Create ONEWAY_UPLOAD_DIR and make it writable (request bodies over "
            "ONEWAY_UPLOAD_MEMORY_BUFFER wait there).",
        ),
        _writable(
            "storage",
            Path(settings.MEDIA_WORK_DIR),
            "Create ONEWAY_MEDIA_WORK_DIR and make it writable (media processing works there).",
        ),
    ]


def check_queue(timeout: float | None = None) -> Finding:
    """A job goes through the queue to a worker and its result comes back."""
    from huey.exceptions import HueyException

    from oneway.core.tasks import doctor_ping

    timeout = QUEUE_TIMEOUT_SECONDS if timeout is None else timeout
    nonce = secrets.token_hex(8)
    backend = "Redis" if settings.REDIS_URL else "SQLite"
    try:
        result = doctor_ping(nonce)
    except Exception as exc:
        return Finding(
            "queue",
            False,
            f"{backend}: could not queue a job: {_error(exc)}",
            "Check ONEWAY_REDIS_URL and that Redis runs." if settings.REDIS_URL else "",
        )
    try:
        value = result.get(blocking=True, timeout=timeout) if result is not None else nonce
    except HueyException:
        result.revoke()
        return Finding(
            "queue",
            False,
            f"{backend}: no worker ran a test job within {timeout:g} s",
            "Start the worker: python -m oneway run_huey (systemd: oneway-worker.service).",
        )
    except Exception as exc:
        return Finding("queue", False, f"{backend}: {_error(exc)}")
    if value != nonce:
        return Finding("queue", False, f"{backend}: the test job came back wrong ({value!r})")
    return Finding("queue", True, f"{backend}: a worker ran a test job")


def check_codecs() -> Finding:
    try:
        import av
    except ImportError as exc:
        return Finding("codecs", False, _error(exc), "Install the dependencies: pip install oneway")
    needed: list[tuple[str, Literal["r", "w"]]] = [
        ("libx264", "w"),
        ("aac", "w"),
        ("h264", "r"),
        ("vp8", "r"),
        ("vp9", "r"),
        ("opus", "r"),
    ]
    missing = []
    for name, mode in needed:
        try:
            av.codec.Codec(name, mode)
        except Exception:
            missing.append(f"{name} ({'encoder' if mode == 'w' else 'decoder'})")
    if missing:
        return Finding(
            "codecs",
            False,
            "PyAV lacks " + ", ".join(missing),
            "Install PyAV's binary wheel (pip install av), which bundles these codecs.",
        )
    return Finding("codecs", True, f"PyAV {av.__version__}: H.264/AAC out, H.264/VP8/VP9/Opus in")


def check_transcriber() -> Finding:
    from oneway.media import transcribe

    status = getattr(transcribe, "engine_status", None)
    if callable(status):
        ok, text = status()
        return Finding(
            "transcriber", bool(ok), str(text), "" if ok else "See ONEWAY_TRANSCRIBER in README."
        )
    configured = settings.TRANSCRIBER
    try:
        engine = transcribe.get_transcriber()
    except Exception as exc:
        return Finding(
            "transcriber",
            False,
            f"ONEWAY_TRANSCRIBER={configured}: {_error(exc)}",
            "Set ONEWAY_TRANSCRIBER to pocketsphinx, none, or an importable Transcriber class.",
        )
    return Finding("transcriber", True, f"configured engine: {engine.name}")


def check_email() -> Finding:
    from django.core.mail import get_connection

    backend = settings.EMAIL_DELIVERY_BACKEND
    if backend.endswith(("console.EmailBackend", "locmem.EmailBackend", "dummy.EmailBackend")):
        short = backend.rsplit(".", 2)[-2]
        text = f"emails are not sent, they go to the {short} backend"
        if settings.PRODUCTION:
            return Finding(
                "email", False, text, "Set EMAIL_URL (for example submission://user:pass@host)."
            )
        return Finding("email", True, text + " (fine for development)")
    try:
        connection = get_connection(backend, fail_silently=False)
        connection.open()
        connection.close()
    except Exception as exc:
        return Finding(
            "email",
            False,
            _error(exc),
            "Check EMAIL_URL (host, port, TLS, user and password) and that this host may "
            "reach the mail server.",
        )
    host = getattr(settings, "EMAIL_HOST", "")
    return Finding("email", True, f"the mail server {host}:{settings.EMAIL_PORT} accepts a session")


CHECKS: list[Check] = [
    check_configuration,
    check_database,
    check_migrations,
    check_storage,
    check_queue,
    check_codecs,
    check_transcriber,
    check_email,
]


def run_checks(checks: list[Check] | None = None) -> list[Finding]:
    findings: list[Finding] = []
    for check in CHECKS if checks is None else checks:
        try:
            found = check()
        except Exception as exc:
            name = check.__name__.removeprefix("check_")
            found = Finding(name, False, f"the check itself failed: {_error(exc)}")
        findings.extend(found if isinstance(found, list) else [found])
    return findings
