"""Backups of what Oneway keeps, and restoring them: the database and the media.

A backup is a folder: ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or
``database.sqlite3`` (SQLite's online backup), ``media/`` (every file of the media
storage, local or S3, under its storage name; uploads still in progress are left out)
and ``manifest.json``. Secrets are never in it: the secret key and the keys of S3, the
mail server and the database live in the environment (``*_FILE``) and are kept apart.

``backup_sync`` copies only media files that are new or changed since the previous
backup into the same folder. ``restore`` loads the database into the one configured
(an empty database, or it is replaced), puts the media back, and runs ``RESTORE_HOOKS``:
what must be re-applied to data restored from the past. The erasure ledger (issue 12) is
read before the database is replaced, from the database's rows and from its copy in the
media storage (``services/erasure_ledger.py``: one entry per erased candidate, which a
lost database does not take with it), and applied again after the restore, so that
candidates erased after the backup stay erased, also when the restore goes onto an empty
database after the old one was lost.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connections

# Left out of backups: chunks of unfinished uploads (S3) and unfinished local uploads.
SKIPPED_PREFIXES = ("uploads-in-progress/", "doctor/")
# Called after a restore, in order, with the restored backup's manifest.
RESTORE_HOOKS: list[Callable[[dict[str, object]], None]] = []


class BackupError(Exception):
    pass


@dataclass
class BackupReport:
    database: str
    media_copied: int
    media_unchanged: int


def _database() -> dict[str, object]:
    return connections["default"].settings_dict


def _pg_env_and_url() -> tuple[dict[str, str], str]:
    db = _database()
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])  # never on the command line
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    user = db.get("USER") or "postgres"
    return env, f"postgresql://{user}@{host}:{port}/{db['NAME']}"


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _is_postgres() -> bool:
    return connections["default"].vendor == "postgresql"


def dump_database(folder: Path) -> str:
    if _is_postgres():
        env, url = _pg_env_and_url()
        target = folder / "database.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", url], env)
        return target.name
    target = folder / "database.sqlite3"
    source = sqlite3.connect(str(_database()["NAME"]))
    try:
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    return target.name


def _media_names(directory: str = "") -> Iterator[str]:
    """Every file of the media storage, by storage name."""
    folders, files = default_storage.listdir(directory)
    for name in files:
        path = f"{directory}/{name}" if directory else name
        if not path.startswith(SKIPPED_PREFIXES):
            yield path
    for folder in folders:
        path = f"{directory}/{folder}" if directory else folder
        if not f"{path}/".startswith(SKIPPED_PREFIXES):
            yield from _media_names(path)


def backup_sync(folder: Path) -> BackupReport:
    """Write a backup into ``folder`` (made if missing; media already there is kept and
    only new or changed files are copied)."""
    folder.mkdir(parents=True, exist_ok=True)
    media = folder / "media"
    database = dump_database(folder)
    copied = unchanged = 0
    names = []
    for name in _media_names():
        names.append(name)
        target = media / name
        size = default_storage.size(name)
        if target.is_file() and target.stat().st_size == size:
            unchanged += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with default_storage.open(name, "rb") as source, open(partial, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        os.replace(partial, target)
        copied += 1
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "database": database,
        "vendor": connections["default"].vendor,
        "media_files": len(names),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return BackupReport(database=database, media_copied=copied, media_unchanged=unchanged)


def restore(folder: Path) -> dict[str, object]:
    """Load ``folder``'s database into the configured database and its media into the
    media storage, then run RESTORE_HOOKS. Returns the manifest."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError(f"{folder} holds no backup (manifest.json is missing)")
    manifest: dict[str, object] = json.loads(manifest_path.read_text())
    if manifest.get("vendor") != connections["default"].vendor:
        raise BackupError(
            f"the backup is of a {manifest.get('vendor')} database; DATABASE_URL is "
            f"{connections['default'].vendor}"
        )
    from oneway.core.services.erasure import erasure_ledger_snapshot, erasures_reapply

    # Candidates erased since the backup was made must stay erased: the ledger is read
    # from the database the restore replaces and from the media storage, and applied
    # again afterwards.
    ledger = erasure_ledger_snapshot()
    connections.close_all()
    if _is_postgres():
        env, url = _pg_env_and_url()
        _run(
            [
                "pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error",
                f"--dbname={url}", str(folder / "database.dump"),
            ],
            env,
        )  # fmt: skip
    else:
        target = Path(str(_database()["NAME"]))
        source = sqlite3.connect(str(folder / "database.sqlite3"))
        try:
            live = sqlite3.connect(str(target))
            try:
                source.backup(live)
            finally:
                live.close()
        finally:
            source.close()
    media = folder / "media"
    if media.is_dir():
        for path in sorted(p for p in media.rglob("*") if p.is_file()):
            name = path.relative_to(media).as_posix()
            if name.endswith(".partial"):
                continue
            if default_storage.exists(name):
                default_storage.delete(name)
            with open(path, "rb") as f:
                saved = default_storage.save(name, File(f, name=path.name))
            if saved != name:
                raise BackupError(f"media file {name} was stored as {saved}")
    manifest["erasures_reapplied"] = erasures_reapply(ledger)
    for hook in RESTORE_HOOKS:
        hook(manifest)
    return manifest
