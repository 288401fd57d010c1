"""Is this host able to serve? The checks behind ``/readyz`` (and some of ``doctor``'s).

Each check returns None when the dependency answers, or a short reason when it does not;
each runs on a thread of its own with a deadline, so a store that hangs (a dropped
connection, a firewall eating packets) makes the host "not ready" within seconds instead
of holding the probe until its own timeout.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

CHECK_SECONDS = 3.0


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str = ""


def check_database() -> str | None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def check_storage() -> str | None:
    """The media storage: the S3 bucket answers, or the media and upload folders are
    writable. (Writing a test object is ``doctor``'s job, not a probe's.)"""
    from django.core.files.storage import default_storage

    from oneway.uploads.backends import default_storage_is_s3

    if default_storage_is_s3():
        client = default_storage.connection.meta.client  # type: ignore[attr-defined]
        client.head_bucket(Bucket=default_storage.bucket_name)  # type: ignore[attr-defined]
    elif not _writable_folder(settings.MEDIA_ROOT):
        return f"the media folder {settings.MEDIA_ROOT} cannot be created or written"
    if not _writable_folder(settings.UPLOAD_TEMP_DIR):
        return f"the upload folder {settings.UPLOAD_TEMP_DIR} cannot be created or written"
    return None


def _writable_folder(path: os.PathLike[str] | str) -> bool:
    """The folder exists (it is made if missing, as the first upload would) and this
    process may write in it."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK)


def check_queue() -> str | None:
    from huey.contrib.djhuey import HUEY

    conn = getattr(HUEY.storage, "conn", None)
    if conn is not None and hasattr(conn, "ping"):
        conn.ping()  # Redis
    else:
        HUEY.pending_count()
    return None


def check_cache() -> str | None:
    from django.core.cache import cache

    cache.get("oneway:readyz")
    return None


def readiness_checks() -> list[tuple[str, Callable[[], str | None]]]:
    checks = [("database", check_database), ("storage", check_storage), ("queue", check_queue)]
    if getattr(settings, "REDIS_URL", ""):
        checks.append(("cache", check_cache))
    return checks


def run_check(name: str, check: Callable[[], str | None], timeout: float = CHECK_SECONDS) -> Result:
    outcome: list[Result] = []

    def target() -> None:
        try:
            problem = check()
        except Exception as exc:
            outcome.append(Result(name, False, f"{type(exc).__name__}: {exc}"[:300]))
        else:
            outcome.append(Result(name, problem is None, problem or ""))
        finally:
            # This thread's own database connection, if the check opened one.
            connections.close_all()

    thread = threading.Thread(target=target, name=f"readyz-{name}", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        return Result(name, False, f"no answer within {timeout:g} s")
    return outcome[0]


def readiness() -> list[Result]:
    """Every readiness check, run side by side."""
    results: dict[str, Result] = {}
    threads = []
    for name, check in readiness_checks():

        def run(name: str = name, check: Callable[[], str | None] = check) -> None:
            results[name] = run_check(name, check)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(CHECK_SECONDS + 1)
    return [results.get(name, Result(name, False, "no answer")) for name, _ in readiness_checks()]
