"""Durable file operations: what was acknowledged must survive a crash."""

import errno
import io
import os
import tempfile
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


class Spool:
    """A request body on its way into an upload: held in memory up to ``memory_limit``
    bytes, and as soon as it grows past that, streamed into a private scratch file in
    ``directory`` (an unnamed file that vanishes with the process).

    A typical recorder chunk (a few hundred KB) never touches the disk before it is
    written into its upload; a 40 MB chunk costs at most ``memory_limit`` of memory.
    """

    def __init__(self, directory: Path, memory_limit: int) -> None:
        self.directory = directory
        self.memory_limit = memory_limit
        self.size = 0
        self._blocks: list[bytes] = []
        self._file: IO[bytes] | None = None

    def write(self, block: bytes) -> None:
        if self._file is None and self.size + len(block) > self.memory_limit:
            self._spill()
        if self._file is None:
            self._blocks.append(block)
        else:
            _write_all(self._file, block)
        self.size += len(block)

    def _spill(self) -> None:
        ensure_dir(self.directory)
        try:
            self._file = tempfile.TemporaryFile(dir=self.directory, buffering=0)  # noqa: SIM115
            for block in self._blocks:
                _write_all(self._file, block)
        except OSError as exc:
            self.close()
            if exc.errno in DISK_FULL_ERRNOS:
                raise StorageFull(str(exc)) from exc
            raise
        self._blocks = []

    def copy_into(self, count: int, target_fd: int, target_offset: int) -> None:
        """Write the first ``count`` bytes into ``target_fd`` at ``target_offset`` and
        fsync the target: when this returns, the bytes are on disk."""
        try:
            if self._file is None:
                copied = _pwrite_blocks(self._blocks, count, target_fd, target_offset)
            else:
                copied = _copy_file(self._file.fileno(), count, target_fd, target_offset)
            if copied != count:
                raise OSError(errno.EIO, f"short copy: {copied} of {count} bytes")
            flush(target_fd)
        except OSError as exc:
            if exc.errno in DISK_FULL_ERRNOS:
                raise StorageFull(str(exc)) from exc
            raise

    def getvalue(self) -> bytes:
        """The whole body as bytes (for a body small enough to be held in memory)."""
        if self._file is None:
            return self._blocks[0] if len(self._blocks) == 1 else b"".join(self._blocks)
        self._file.seek(0)
        return self._file.read()

    def as_file(self) -> IO[bytes]:
        """The body as a file object positioned at its start (for an object store)."""
        if self._file is None:
            return io.BytesIO(self.getvalue())
        self._file.seek(0)
        return self._file

    def close(self) -> None:
        self._blocks = []
        if self._file is not None:
            self._file.close()
            self._file = None


def _write_all(file: IO[bytes], block: bytes) -> None:
    view = memoryview(block)
    while view:
        written = file.write(view)
        view = view[written or len(view) :]


def _pwrite_blocks(blocks: list[bytes], count: int, target_fd: int, target_offset: int) -> int:
    copied = 0
    for block in blocks:
        view = memoryview(block)[: count - copied]
        while view:
            written = os.pwrite(target_fd, view, target_offset + copied)
            if written == 0:
                return copied
            copied += written
            view = view[written:]
        if copied >= count:
            break
    return copied


def _copy_file(source_fd: int, count: int, target_fd: int, target_offset: int) -> int:
    """Copy in the kernel where the filesystem can, through user space where not."""
    copied = 0
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
        while copied < count:
            block = os.pread(source_fd, min(1024 * 1024, count - copied), copied)
            if not block:
                break
            copied += os.pwrite(target_fd, block, target_offset + copied)
    return copied


def truncate_to(fd: int, size: int) -> None:
    os.ftruncate(fd, size)
    os.fsync(fd)
