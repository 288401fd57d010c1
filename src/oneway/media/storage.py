"""Media files through Django's storage API (a local folder, or S3 with django-storages).

Processing works on local files in a scratch folder; this module fetches originals from
storage and puts finished outputs into place so that a final name never holds a partial
file: on a local folder the bytes go to ``<name>.part-<token>`` and are renamed into place
(an atomic rename); on object storage a PUT only becomes visible once complete.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage

Progress = Callable[[], None]
CHUNK = 1024 * 1024
PART_MARKER = ".part-"


def media_storage() -> Storage:
    return default_storage


def local_path(name: str, storage: Storage | None = None) -> Path | None:
    """The file's path when the storage is a local folder, else None."""
    storage = storage or media_storage()
    try:
        return Path(storage.path(name))
    except NotImplementedError:
        return None


def is_local(storage: Storage | None = None) -> bool:
    storage = storage or media_storage()
    try:
        storage.path("x")
    except NotImplementedError:
        return False
    return True


def item_prefix(organisation_id: int, item_id: int) -> str:
    return f"media/{organisation_id}/{item_id}/"


def work_dir_root() -> Path:
    root = Path(getattr(settings, "MEDIA_WORK_DIR", Path(settings.DATA_DIR) / "media-work"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def fetch(name: str, workdir: Path, *, progress: Progress | None = None) -> Path:
    """A local path holding the stored file ``name`` (downloaded into ``workdir`` when the
    storage is not a local folder)."""
    storage = media_storage()
    path = local_path(name, storage)
    if path is not None:
        if not path.exists():
            raise FileNotFoundError(name)
        return path
    target = workdir / ("original" + Path(name).suffix[:10])
    with storage.open(name, "rb") as source, open(target, "wb") as out:
        _copy(source, out, progress)
    return target


def _copy(source: IO[Any], out: IO[bytes], progress: Progress | None) -> None:
    while True:
        chunk = source.read(CHUNK)
        if not chunk:
            break
        out.write(chunk)
        if progress is not None:
            progress()


class _ProgressReader:
    """A file wrapper that reports progress while storage backends read it."""

    def __init__(self, fh: IO[bytes], progress: Progress | None) -> None:
        self.fh = fh
        self.progress = progress

    def read(self, size: int = -1) -> bytes:
        if self.progress is not None:
            self.progress()
        return self.fh.read(size)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.fh, attr)


def put(local: Path, name: str, *, progress: Progress | None = None) -> str:
    """Store the local file under exactly ``name``, replacing what is there."""
    storage = media_storage()
    target = local_path(name, storage)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}{PART_MARKER}{secrets.token_hex(6)}")
        try:
            with open(local, "rb") as source, open(partial, "wb") as out:
                _copy(source, out, progress)
                out.flush()
                os.fsync(out.fileno())
            mode = getattr(settings, "FILE_UPLOAD_PERMISSIONS", None)
            if mode is not None:
                os.chmod(partial, mode)
            os.replace(partial, target)
        finally:
            if partial.exists():
                partial.unlink()
        return name
    if not getattr(storage, "file_overwrite", False) and storage.exists(name):
        storage.delete(name)
    with open(local, "rb") as fh:
        saved = storage.save(
            name, File(cast(IO[Any], _ProgressReader(fh, progress)), name=Path(name).name)
        )
    if saved != name:
        raise RuntimeError(f"storage saved {name!r} as {saved!r}")
    return name


def put_bytes(data: bytes, name: str, workdir: Path) -> str:
    local = workdir / f"upload-{secrets.token_hex(4)}"
    local.write_bytes(data)
    try:
        return put(local, name)
    finally:
        local.unlink(missing_ok=True)


def delete(name: str) -> None:
    if name:
        media_storage().delete(name)


def remove_partials(prefix: str) -> int:
    """Delete ``.part-`` leftovers of a worker killed while moving files into place."""
    storage = media_storage()
    folder = local_path(prefix, storage)
    if folder is None or not folder.is_dir():
        return 0
    removed = 0
    for entry in folder.iterdir():
        if PART_MARKER in entry.name:
            entry.unlink(missing_ok=True)
            removed += 1
    return removed


def remove_stale_work_dirs(older_than_seconds: float) -> int:
    """Scratch folders of jobs that died without cleaning up."""
    root = work_dir_root()
    cutoff = time.time() - older_than_seconds
    removed = 0
    for entry in root.iterdir():
        try:
            if entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
        except FileNotFoundError:
            continue
    return removed
