"""Where in-progress upload data lives, and how a completed upload reaches the storage.

Every method that changes data runs while the caller holds the upload's row lock, before
the new state is committed. The invariants:

- Local: ``<UPLOAD_TEMP_DIR>/<id>.part`` holds at least ``offset`` bytes; bytes past the
  committed offset are left-overs of a failed or killed request and are cut off first.
- S3: parts 1..n of the multipart upload hold ``s3_parts_size`` bytes (each >= 5 MiB);
  the objects listed in ``s3_tail`` hold the next ``offset - s3_parts_size`` bytes, one
  object per chunk. Nothing is on a web host's disk between requests. A part that was
  uploaded but not committed is simply uploaded again under the same number.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import shutil
import tempfile
import uuid
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


def local_part_path(upload_id: uuid.UUID) -> Path:
    """Where a local upload's data is while it is in progress."""
    return conf.temp_dir() / f"{upload_id.hex}.part"


def local_append(upload_id: uuid.UUID, committed: int, source: Spool, count: int) -> None:
    """``LocalBackend.append`` by id and committed offset (the chunk lane has no Upload)."""
    _append(local_part_path(upload_id), committed, source, count)


class LocalBackend(Backend):
    name = "local"

    def path(self, upload: Upload) -> Path:
        return local_part_path(upload.id)

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
        local_append(upload.id, upload.offset, source, count)

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


TAIL_PREFIX = "uploads-in-progress/"


class S3Backend(Backend):
    """In-progress data entirely in the object store: any web host can take the next chunk.

    Each acknowledged chunk below a part's worth is stored as an object of its own,
    ``uploads-in-progress/<id>/<start>``, and listed in ``s3_tail``; when the tail adds
    up to ``UPLOAD_S3_PART_SIZE`` (or the upload completes) it becomes the next multipart
    part (copied inside S3 when it is one object, else read back and sent as one part)
    and its objects are deleted after the commit. A chunk object written by a request
    that died before committing is overwritten by the retry (same start) or removed with
    the upload; nothing the database does not list is ever read.
    """

    name = "s3"

    # django-storages keeps one boto3 resource per thread; its client signs for the bucket.
    def _client(self) -> Any:
        return default_storage.connection.meta.client  # type: ignore[attr-defined]

    def _bucket(self) -> str:
        return str(default_storage.bucket_name)  # type: ignore[attr-defined]

    def _key(self, name: str) -> str:
        # S3Storage's own mapping of a storage name to a key (adds its "location" prefix).
        return str(default_storage._normalize_name(name))  # type: ignore[attr-defined]

    def tail_prefix(self, upload: Upload) -> str:
        return self._key(f"{TAIL_PREFIX}{upload.id.hex}/")

    def tail_key(self, upload: Upload, start: int) -> str:
        return f"{self.tail_prefix(upload)}{start:015d}"

    def create(self, upload: Upload) -> None:
        """Nothing to prepare: the first chunk makes the first object."""

    def legacy_tail_path(self, upload: Upload) -> Path:
        """Where versions before issue 14 kept the tail: on the web host's disk."""
        return conf.temp_dir() / f"{upload.id.hex}.{upload.s3_parts_size}.tail"

    def _adopt_legacy_tail(self, upload: Upload) -> None:
        """An upload begun before the tail moved to S3: its local tail becomes the first
        tail object (committed with the request that does this)."""
        missing = upload.offset - upload.s3_parts_size - sum(size for _, size in upload.s3_tail)
        if missing <= 0 or upload.s3_tail:
            return
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            with open(self.legacy_tail_path(upload), "rb") as f:
                data = f.read(missing)
        except FileNotFoundError:
            raise DataLost(f"the tail of upload {upload.id} is not on this host") from None
        if len(data) < missing:
            raise DataLost(f"the local tail of upload {upload.id} is short")
        try:
            self._client().put_object(
                Bucket=self._bucket(),
                Key=self.tail_key(upload, upload.s3_parts_size),
                Body=data,
                ContentLength=missing,
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(str(exc)) from exc
        upload.s3_tail = [[upload.s3_parts_size, missing]]
        upload._s3_adopted_legacy = self.legacy_tail_path(upload)  # type: ignore[attr-defined]

    def _drop_legacy_tails(self, upload: Upload) -> None:
        with contextlib.suppress(OSError):
            for path in conf.temp_dir().glob(f"{upload.id.hex}.*.tail"):
                path.unlink()

    def append(self, upload: Upload, source: Spool, count: int) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        assert count == source.size, "a chunk object holds the whole body"
        self._adopt_legacy_tail(upload)
        start = upload.offset
        try:
            self._client().put_object(
                Bucket=self._bucket(),
                Key=self.tail_key(upload, start),
                Body=source.as_file(),
                ContentLength=count,
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(str(exc)) from exc
        upload.s3_tail = [*upload.s3_tail, [start, count]]

    def _read_tail(self, upload: Upload, target: Any, limit: int | None = None) -> int:
        """Copy the tail's objects, in order, into ``target`` (up to ``limit`` bytes)."""
        from botocore.exceptions import BotoCoreError, ClientError

        copied = 0
        try:
            for start, size in upload.s3_tail:
                want = size if limit is None else min(size, limit - copied)
                if want <= 0:
                    break
                response = self._client().get_object(
                    Bucket=self._bucket(),
                    Key=self.tail_key(upload, start),
                    Range=f"bytes=0-{want - 1}",
                )
                body = response["Body"]
                while block := body.read(conf.READ_SIZE):
                    target.write(block)
                    copied += len(block)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise DataLost(f"a tail object of upload {upload.id} is missing") from exc
            raise StorageUnavailable(str(exc)) from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(str(exc)) from exc
        return copied

    def read_prefix(self, upload: Upload, size: int) -> bytes:
        if upload.s3_parts_size:
            raise DataLost("the first bytes are already in S3 parts")
        self._adopt_legacy_tail(upload)
        buffer = io.BytesIO()
        self._read_tail(upload, buffer, size)
        return buffer.getvalue()[:size]

    def store_parts(self, upload: Upload, *, completing: bool) -> None:
        self._adopt_legacy_tail(upload)
        tail_size = upload.offset - upload.s3_parts_size
        due = tail_size >= conf.s3_part_size() or (completing and tail_size > 0)
        if not due:
            return
        if sum(size for _, size in upload.s3_tail) != tail_size:
            raise DataLost(f"the tail of upload {upload.id} does not add up to its offset")
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
            etag = self._store_part(upload, key, number, tail_size)
        except ClientError as exc:
            if completing and self._completed_earlier(upload, exc, key):
                self._tail_flushed(upload)
                return
            raise StorageUnavailable(str(exc)) from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(str(exc)) from exc
        upload.s3_parts = [*upload.s3_parts, [number, etag, tail_size]]
        upload.s3_parts_size += tail_size
        self._tail_flushed(upload)

    def _store_part(self, upload: Upload, key: str, number: int, tail_size: int) -> str:
        client = self._client()
        common = {"Bucket": self._bucket(), "Key": key, "UploadId": upload.s3_upload_id}
        if len(upload.s3_tail) == 1:
            # One object: S3 copies it into the part itself, nothing crosses this host.
            start = upload.s3_tail[0][0]
            source = {"Bucket": self._bucket(), "Key": self.tail_key(upload, start)}
            response = client.upload_part_copy(PartNumber=number, CopySource=source, **common)
            return str(response["CopyPartResult"]["ETag"])
        # Several chunk objects: read back in order (spilling to a scratch file past a
        # few MiB, gone when this request ends) and sent as one part.
        ensure_dir(conf.temp_dir())
        with tempfile.SpooledTemporaryFile(max_size=8 << 20, dir=str(conf.temp_dir())) as body:
            if self._read_tail(upload, body) != tail_size:
                raise DataLost(f"the tail of upload {upload.id} is shorter than recorded")
            body.seek(0)
            response = client.upload_part(
                PartNumber=number, Body=body, ContentLength=tail_size, **common
            )
        return str(response["ETag"])

    def _tail_flushed(self, upload: Upload) -> None:
        """The tail is in a part now: its objects go once that is committed."""
        upload._s3_flushed_tail = list(upload.s3_tail)  # type: ignore[attr-defined]
        upload.s3_tail = []

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

    def _delete_keys(self, keys: list[str]) -> None:
        for batch in range(0, len(keys), 1000):
            self._client().delete_objects(
                Bucket=self._bucket(),
                Delete={"Objects": [{"Key": k} for k in keys[batch : batch + 1000]], "Quiet": True},
            )

    def delete_tail_objects(self, upload: Upload) -> None:
        """Every object under the upload's tail prefix, listed or not (termination,
        expiry, completion)."""
        paginator = self._client().get_paginator("list_objects_v2")
        keys = [
            item["Key"]
            for page in paginator.paginate(Bucket=self._bucket(), Prefix=self.tail_prefix(upload))
            for item in page.get("Contents", [])
        ]
        self._delete_keys(keys)

    def forget_stale(self, upload: Upload) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        if getattr(upload, "_s3_adopted_legacy", None) is not None:
            self._drop_legacy_tails(upload)  # now in the bucket, committed
        try:
            if upload.is_complete:
                self.delete_tail_objects(upload)
                return
            flushed = getattr(upload, "_s3_flushed_tail", [])
            if flushed:
                self._delete_keys([self.tail_key(upload, start) for start, _ in flushed])
        except (BotoCoreError, ClientError):
            # Left for the sweep, which removes tail objects no upload lists.
            logger.warning("could not delete the tail objects of upload %s", upload.id)

    def discard(self, upload: Upload) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        self._drop_legacy_tails(upload)
        try:
            self.delete_tail_objects(upload)
            if upload.s3_upload_id:
                self._abort(upload.s3_upload_id, self._key(upload.target_name()))
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(str(exc)) from exc

    def temp_files(self, upload: Upload) -> list[Path]:
        return []

    def repair(self, upload: Upload) -> bool:
        # Nothing past the committed offset is ever read; a retry overwrites its object.
        return False


_BACKENDS: dict[str, Backend] = {"local": LocalBackend(), "s3": S3Backend()}


def backend_for(upload: Upload) -> Backend:
    return _BACKENDS[upload.backend]


def backend_name_for_new_upload() -> str:
    choice = conf.backend_setting()
    if choice in _BACKENDS:
        return choice
    return "s3" if default_storage_is_s3() else "local"
