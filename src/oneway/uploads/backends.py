"""Where in-progress upload data lives, and how a completed upload reaches the storage.

Every method that changes data runs while the caller holds the upload's row lock, before
the new state is committed. The invariants:

- Local: ``<UPLOAD_TEMP_DIR>/<id>.part`` holds at least ``offset`` bytes; bytes past the
  committed offset are left-overs of a failed or killed request and are cut off first.
- S3: parts 1..n of the multipart upload hold ``s3_parts_size`` bytes (each >= 5 MiB);
  ``<UPLOAD_TEMP_DIR>/<id>.<s3_parts_size>.tail`` holds the next ``offset - s3_parts_size``
  bytes. A part that was uploaded but not committed is simply uploaded again under the
  same number; a tail file named after an old ``s3_parts_size`` is stale.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.files import File
from django.core.files.storage import default_storage

from oneway.uploads import conf
from oneway.uploads.fsio import (
    DISK_FULL_ERRNOS,
    DataLost,
    Spool,
    StorageFull,
    create_empty,
    ensure_dir,
    fsync_dir,
    truncate_to,
)

if TYPE_CHECKING:
    from oneway.uploads.models import Upload

logger = logging.getLogger(__name__)


class StorageUnavailable(Exception):
    """The object store did not answer or refused: the client should retry later."""


def default_storage_is_s3() -> bool:
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover (django-storages is a dependency)
        return False
    return isinstance(default_storage, S3Storage)


class Backend:
    name = ""

    def create(self, upload: Upload) -> None:
        raise NotImplementedError

    def append(self, upload: Upload, source: Spool, count: int) -> None:
        """Cut left-overs past the committed offset, add ``count`` bytes of ``source`` at
        the offset and flush them to disk."""
        raise NotImplementedError

    def read_prefix(self, upload: Upload, size: int) -> bytes:
        raise NotImplementedError

    def store_parts(self, upload: Upload, *, completing: bool) -> None:
        """After ``upload.offset`` was advanced (not yet committed): move what is due to
        the object store. Nothing to do for local data."""

    def finish(self, upload: Upload) -> str:
        """Put the completed file into the default storage; return its storage name.
        Safe to repeat after a crash."""
        raise NotImplementedError

    def forget_stale(self, upload: Upload) -> None:
        """After commit: remove local data that the committed state no longer needs."""

    def discard(self, upload: Upload) -> None:
        """Remove every trace of in-progress data (termination, expiry). Idempotent."""
        raise NotImplementedError

    def discard_final(self, upload: Upload, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            default_storage.delete(name)

    def temp_files(self, upload: Upload) -> list[Path]:
        raise NotImplementedError

    def repair(self, upload: Upload) -> bool:
        """Cut data past the committed offset (call under the row lock). True if it did."""
        raise NotImplementedError


def _open_for_append(path: Path, committed: int, *, create: bool) -> int:
    """Open the data file and make it exactly ``committed`` bytes long."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        if committed != 0 or not create:
            raise DataLost(f"{path.name} is missing ({committed} bytes committed)") from None
        ensure_dir(path.parent)
        create_empty(path, conf.file_mode())
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        if size < committed:
            raise DataLost(f"{path.name} has {size} bytes, {committed} committed")
        if size > committed:
            # A request that died between writing and committing: not acknowledged.
            truncate_to(fd, committed)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _append(path: Path, committed: int, source: Spool, count: int) -> None:
    fd = _open_for_append(path, committed, create=True)
    try:
        try:
            source.copy_into(count, fd, committed)
        except BaseException:
            # Leave nothing past the committed offset behind (best effort: the next request
            # cuts it anyway).
            with contextlib.suppress(OSError):
                os.ftruncate(fd, committed)
            raise
    finally:
        os.close(fd)


def _repair(path: Path, committed: int) -> bool:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        if os.fstat(fd).st_size > committed:
            truncate_to(fd, committed)
            return True
        return False
    finally:
        os.close(fd)


class LocalBackend(Backend):
    name = "local"

    def path(self, upload: Upload) -> Path:
        return conf.temp_dir() / f"{upload.id.hex}.part"

    def create(self, upload: Upload) -> None:
        path = self.path(upload)
        ensure_dir(path.parent)
        try:
            create_empty(path, conf.file_mode())
        except OSError as exc:
            if exc.errno in DISK_FULL_ERRNOS:
                raise StorageFull(str(exc)) from exc
            raise

    def append(self, upload: Upload, source: Spool, count: int) -> None:
        _append(self.path(upload), upload.offset, source, count)

    def read_prefix(self, upload: Upload, size: int) -> bytes:
        with open(self.path(upload), "rb") as f:
            return f.read(size)

    def finish(self, upload: Upload) -> str:
        name = upload.target_name()
        source = self.path(upload)
        try:
            final = Path(default_storage.path(name))
        except NotImplementedError:
            # A storage without local paths: hand it the file.
            if default_storage.exists(name):
                default_storage.delete(name)
            with open(source, "rb") as f:
                return default_storage.save(name, File(f, name=os.path.basename(name)))
        ensure_dir(final.parent)
        incoming = final.with_name(final.name + ".incoming")
        with contextlib.suppress(FileNotFoundError):
            incoming.unlink()
        try:
            # A second name for the same bytes: no copy, and the upload file stays intact
            # until the completion is committed.
            os.link(source, incoming)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
            with open(source, "rb") as src, open(incoming, "wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
                dst.flush()
                os.fsync(dst.fileno())
            os.chmod(incoming, conf.file_mode())
        os.replace(incoming, final)
        fsync_dir(final.parent)
        return name

    def forget_stale(self, upload: Upload) -> None:
        if upload.is_complete:
            with contextlib.suppress(FileNotFoundError):
                self.path(upload).unlink()

    def discard(self, upload: Upload) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(upload).unlink()

    def temp_files(self, upload: Upload) -> list[Path]:
        return [self.path(upload)]

    def repair(self, upload: Upload) -> bool:
        return _repair(self.path(upload), upload.offset)


class S3Backend(Backend):
    name = "s3"

    def tail_path(self, upload: Upload, start: int | None = None) -> Path:
        start = upload.s3_parts_size if start is None else start
        return conf.temp_dir() / f"{upload.id.hex}.{start}.tail"

    # django-storages keeps one boto3 resource per thread; its client signs for the bucket.
    def _client(self) -> Any:
        return default_storage.connection.meta.client  # type: ignore[attr-defined]

    def _bucket(self) -> str:
        return str(default_storage.bucket_name)  # type: ignore[attr-defined]

    def _key(self, name: str) -> str:
        # S3Storage's own mapping of a storage name to a key (adds its "location" prefix).
        return str(default_storage._normalize_name(name))  # type: ignore[attr-defined]

    def create(self, upload: Upload) -> None:
        path = self.tail_path(upload, 0)
        ensure_dir(path.parent)
        try:
            create_empty(path, conf.file_mode())
        except OSError as exc:
            if exc.errno in DISK_FULL_ERRNOS:
                raise StorageFull(str(exc)) from exc
            raise

    def append(self, upload: Upload, source: Spool, count: int) -> None:
        self._drop_stale_tails(upload)
        _append(self.tail_path(upload), upload.offset - upload.s3_parts_size, source, count)

    def read_prefix(self, upload: Upload, size: int) -> bytes:
        if upload.s3_parts_size:
            raise DataLost("the first bytes are already in S3")
        with open(self.tail_path(upload), "rb") as f:
            return f.read(size)

    def store_parts(self, upload: Upload, *, completing: bool) -> None:
        tail_size = upload.offset - upload.s3_parts_size
        due = tail_size >= conf.s3_part_size() or (completing and tail_size > 0)
        if not due:
            return
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._client()
        key = self._key(upload.target_name())
        try:
            if not upload.s3_upload_id:
                # An S3 upload created here but never committed (crash) is aborted by the
                # sweep, which knows every id the database holds.
                response = client.create_multipart_upload(Bucket=self._bucket(), Key=key)
                upload.s3_upload_id = response["UploadId"]
            number = len(upload.s3_parts) + 1
            with open(self.tail_path(upload), "rb") as body:
                response = client.upload_part(
                    Bucket=self._bucket(),
                    Key=key,
                    UploadId=upload.s3_upload_id,
                    PartNumber=number,
                    Body=body,
                    ContentLength=tail_size,
                )
        except ClientError as exc:
            if completing and self._completed_earlier(upload, exc, key):
                return
            raise StorageUnavailable(str(exc)) from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(str(exc)) from exc
        upload.s3_parts = [*upload.s3_parts, [number, response["ETag"], tail_size]]
        upload.s3_parts_size += tail_size

    def _completed_earlier(self, upload: Upload, exc: Any, key: str) -> bool:
        """Did an attempt that died before committing already complete the S3 upload?"""
        from botocore.exceptions import ClientError

        if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
            return False
        try:
            head = self._client().head_object(Bucket=self._bucket(), Key=key)
        except ClientError:
            return False
        if int(head["ContentLength"]) != upload.offset:
            return False
        upload._s3_completed_earlier = True  # type: ignore[attr-defined]
        return True

    def finish(self, upload: Upload) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        name = upload.target_name()
        key = self._key(name)
        client = self._client()
        if getattr(upload, "_s3_completed_earlier", False):
            return name
        try:
            if not upload.s3_parts:
                # Nothing was ever sent: an empty object (S3 has no empty multipart upload).
                client.put_object(Bucket=self._bucket(), Key=key, Body=b"")
                if upload.s3_upload_id:
                    self._abort(upload.s3_upload_id, key)
                return name
            try:
                client.complete_multipart_upload(
                    Bucket=self._bucket(),
                    Key=key,
                    UploadId=upload.s3_upload_id,
                    MultipartUpload={
                        "Parts": [{"PartNumber": n, "ETag": etag} for n, etag, _ in upload.s3_parts]
                    },
                )
            except ClientError as exc:
                if not self._completed_earlier(upload, exc, key):
                    raise
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(str(exc)) from exc
        return name

    def _abort(self, s3_upload_id: str, key: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self._client().abort_multipart_upload(
                Bucket=self._bucket(), Key=key, UploadId=s3_upload_id
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
                raise

    def _drop_stale_tails(self, upload: Upload, *, keep_current: bool = True) -> None:
        current = self.tail_path(upload).name
        for path in conf.temp_dir().glob(f"{upload.id.hex}.*.tail"):
            if not keep_current or path.name != current:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def forget_stale(self, upload: Upload) -> None:
        self._drop_stale_tails(upload, keep_current=not upload.is_complete)

    def discard(self, upload: Upload) -> None:
        self._drop_stale_tails(upload, keep_current=False)
        if upload.s3_upload_id:
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                self._abort(upload.s3_upload_id, self._key(upload.target_name()))
            except (BotoCoreError, ClientError) as exc:
                raise StorageUnavailable(str(exc)) from exc

    def temp_files(self, upload: Upload) -> list[Path]:
        return sorted(conf.temp_dir().glob(f"{upload.id.hex}.*.tail"))

    def repair(self, upload: Upload) -> bool:
        self._drop_stale_tails(upload)
        return _repair(self.tail_path(upload), upload.offset - upload.s3_parts_size)


_BACKENDS: dict[str, Backend] = {"local": LocalBackend(), "s3": S3Backend()}


def backend_for(upload: Upload) -> Backend:
    return _BACKENDS[upload.backend]


def backend_name_for_new_upload() -> str:
    choice = conf.backend_setting()
    if choice in _BACKENDS:
        return choice
    return "s3" if default_storage_is_s3() else "local"
