"""Durable file operations: what was acknowledged must survive a crash."""

import errno
import os
from pathlib import Path
from typing import IO

# Errors meaning "the disk (or a quota) is full": answered 507, never a lost byte.
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class StorageFull(Exception):
    pass


class DataLost(Exception):
    """In-progress data the database says exists is missing or short (a different
    machine's UPLOAD_TEMP_DIR, or a disk that lied about fsync)."""


def flush(fd: int) -> None:
    """Wait until the file's data is on disk (a function of its own for the profiler)."""
    os.fsync(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_dir(path: Path) -> None:
    """Create ``path`` (and parents) so that its existence survives a crash."""
    if path.is_dir():
        return
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    path.mkdir(parents=True, exist_ok=True)
    for created in reversed(missing):
        fsync_dir(created.parent)


def create_empty(path: Path, mode: int) -> None:
    """Create an empty file durably (the file and its directory entry)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        os.fchmod(fd, mode)
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)


def copy_into(source: IO[bytes], count: int, target_fd: int, target_offset: int) -> None:
    """Copy the first ``count`` bytes of ``source`` into ``target_fd`` at ``target_offset``
    (in the kernel where it can), then fsync the target."""
    source_fd = source.fileno()
    copied = 0
    try:
        try:
            while copied < count:
                n = os.copy_file_range(
                    source_fd, target_fd, count - copied, copied, target_offset + copied
                )
                if n == 0:
                    break
                copied += n
        except OSError as exc:
            if exc.errno in DISK_FULL_ERRNOS:
                raise
            # Filesystems without copy_file_range: copy through user space.
            while copied < count:
                block = os.pread(source_fd, min(1024 * 1024, count - copied), copied)
                if not block:
                    break
                copied += os.pwrite(target_fd, block, target_offset + copied)
        if copied != count:
            raise OSError(errno.EIO, f"short copy: {copied} of {count} bytes")
        flush(target_fd)
    except OSError as exc:
        if exc.errno in DISK_FULL_ERRNOS:
            raise StorageFull(str(exc)) from exc
        raise


def truncate_to(fd: int, size: int) -> None:
    os.ftruncate(fd, size)
    os.fsync(fd)
