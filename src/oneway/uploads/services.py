"""Every change to an upload: create, append (PATCH), terminate, notify, discard.

How a PATCH stays correct and durable without holding locks while a phone trickles its
body in:

1. The body is streamed in bounded reads into a spool: memory up to
   UPLOAD_MEMORY_BUFFER (a recorder's chunk), a private scratch file in UPLOAD_TEMP_DIR
   beyond that (see fsio.Spool). This is the slow part, and it runs outside any
   transaction or lock.
2. Then, in one short transaction holding the upload's row lock (``select_for_update``;
   on SQLite the IMMEDIATE write transaction serialises instead), the offset is checked
   again, left-overs past the committed offset are cut, the bytes are copied into the
   upload's file and fsynced, S3 parts are stored if due, and only then is the new offset
   committed. Two PATCHes racing for one offset: one wins, the other gets 409.

A crash at any point leaves the committed offset pointing at bytes that are on disk;
anything written past it is cut by the next request (or the sweep).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.core.audit import log_action
from oneway.core.metrics import UPLOAD_BYTES, UPLOAD_CHUNKS, UPLOADS
from oneway.core.tokens import hash_token, new_token
from oneway.uploads import conf
from oneway.uploads.backends import Backend, backend_for, backend_name_for_new_upload
from oneway.uploads.fsio import DISK_FULL_ERRNOS, Spool, StorageFull
from oneway.uploads.models import Upload, UploadBackend
from oneway.uploads.policy import Grant, UploadDenied, UploadPolicy, policy_for
from oneway.uploads.rows import (
    can_lock_in_two_trips,
    fetch_upload,
    row_lock_in_two_trips,
    save_upload_fields,
)
from oneway.uploads.signals import upload_completed

logger = logging.getLogger(__name__)

CHECKSUM_ALGORITHMS: dict[str, Callable[[], Any]] = {
    "sha1": hashlib.sha1,
    "md5": hashlib.md5,
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
}


class TusError(Exception):
    """A refusal answered with ``status``; nothing was changed."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes


@dataclass
class ReceivedBody:
    """A request body parked in a spool (memory, or a scratch file when large)."""

    spool: Spool
    # False when the client went away before sending everything it announced.
    whole: bool
    checksum_ok: bool

    @property
    def size(self) -> int:
        return self.spool.size

    def close(self) -> None:
        self.spool.close()


def upload_policy(upload_or_purpose: Upload | str) -> UploadPolicy:
    purpose = upload_or_purpose if isinstance(upload_or_purpose, str) else upload_or_purpose.purpose
    policy = policy_for(purpose)
    if policy is None:
        raise TusError(400, _("Unknown upload purpose."))
    return policy


def _actor_label(upload: Upload) -> str:
    return f"upload:{upload.owner}"[:200]


def capability_allows(upload: Upload, token: str, now: datetime | None = None) -> bool:
    """Whether ``token`` is this upload's capability and still valid (no query: the row
    is the one the request already read)."""
    return capability_matches(token, upload.capability_hash, upload.capability_until, now)


def capability_matches(
    token: str, digest: str, until: datetime | None, now: datetime | None = None
) -> bool:
    """Whether ``token`` is the capability stored as ``digest`` and ``until`` is not past
    (``capability_allows`` for the columns alone, as the chunk lane reads them)."""
    if not until or (now or timezone.now()) > until:
        return False
    return token_matches(token, digest)


def token_matches(token: str, digest: str) -> bool:
    """Whether ``token`` is the capability stored as ``digest`` (compared in constant
    time); ``capability_matches`` without the expiry, for a caller that has it checked."""
    return bool(token and digest) and hmac.compare_digest(hash_token(token), digest)


def upload_create(
    *,
    request: HttpRequest,
    metadata: dict[str, str],
    length: int | None,
) -> Upload:
    """Create an upload (tus creation). ``length`` None means deferred."""
    purpose = metadata.get("purpose", "")
    if not purpose:
        raise TusError(400, _("Upload-Metadata must name the upload's purpose."))
    policy = upload_policy(purpose)
    try:
        grant: Grant = policy.authorize_create(request, metadata)
    except UploadDenied as denied:
        raise TusError(denied.status, denied.message) from denied
    limit = min(conf.max_size(), grant.max_size or conf.max_size())
    if length is not None and length > limit:
        raise TusError(
            413, _("The upload is larger than the %(limit)d bytes allowed.") % {"limit": limit}
        )
    now = timezone.now()
    upload = Upload(
        id=uuid.uuid4(),
        purpose=purpose,
        owner=grant.owner,
        metadata=metadata,
        length=length,
        max_size=limit,
        backend=backend_name_for_new_upload(),
        created_at=now,
        expires_at=grant.expires_at or now + timedelta(hours=conf.expiry_hours()),
    )
    if grant.capability_until is not None:
        upload.capability_token, upload.capability_hash = new_token()
        upload.capability_until = grant.capability_until
    # The empty data file first: a crash leaves an orphan file (swept), never a row
    # without its file.
    backend_for(upload).create(upload)
    with transaction.atomic():
        upload.save(force_insert=True)
        log_action(
            "upload.created",
            organisation=None,
            actor=getattr(request, "user", None),
            actor_label=_actor_label(upload),
            obj=upload,
            data={"purpose": purpose, "owner": upload.owner, "length": length},
            request=request,
        )
    UPLOADS.labels("created").inc()
    return upload


def count_acknowledged(size: int) -> None:
    """Count a chunk whose data is stored durably (metrics)."""
    if size:
        UPLOAD_CHUNKS.inc()
        UPLOAD_BYTES.inc(size)


def parse_checksum(header: str) -> Checksum | None:
    if not header:
        return None
    parts = header.split(" ")
    if len(parts) != 2:
        raise TusError(400, _("Upload-Checksum is an algorithm and a base64 digest."))
    algorithm, encoded = parts
    factory = CHECKSUM_ALGORITHMS.get(algorithm)
    if factory is None:
        raise TusError(400, _("Unsupported checksum algorithm."))
    import base64
    import binascii

    try:
        digest = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TusError(400, _("The Upload-Checksum digest is not valid base64.")) from exc
    if len(digest) != factory().digest_size:
        raise TusError(400, _("The Upload-Checksum digest has the wrong length."))
    return Checksum(algorithm, digest)


def receive_body(
    stream: BinaryIO,
    *,
    announced: int | None,
    limit: int,
    checksum: Checksum | None,
) -> ReceivedBody:
    """Stream a request body into a spool, never holding more than UPLOAD_MEMORY_BUFFER
    plus one read of READ_SIZE in memory.

    ``announced`` is the Content-Length (None for a chunked body). More than ``limit``
    bytes answers 413. A body cut short (the client went away) is kept: its bytes are
    genuine, and keeping them spares a phone on a bad connection from resending them.
    """
    memory = conf.memory_buffer()
    spool = Spool(conf.temp_dir(), memory)
    hasher = CHECKSUM_ALGORITHMS[checksum.algorithm]() if checksum else None
    # The body gate's stream hands over the pieces it read without joining them.
    read_pieces = getattr(stream, "read_pieces", None)
    size = 0
    whole = True
    try:
        while announced is None or size < announced:
            if announced is None:
                want = conf.READ_SIZE
            else:
                # A body that fits in memory is asked for at once (one wait for the body
                # gate), a larger one a READ_SIZE at a time.
                rest = announced - size
                want = rest if announced <= memory else min(conf.READ_SIZE, rest)
            try:
                blocks = read_pieces(want) if read_pieces else [stream.read(want)]
            except Exception:  # the server's input stream: any failure is a dropped client
                logger.info("upload body read interrupted after %d bytes", size, exc_info=True)
                whole = False
                break
            if not blocks or not blocks[0]:
                whole = announced is None
                break
            for block in blocks:
                size += len(block)
                if size > limit:
                    raise TusError(413, _("The request body is larger than allowed."))
                if hasher is not None:
                    hasher.update(block)
                spool.write(block)
    except OSError as exc:
        spool.close()
        if exc.errno in DISK_FULL_ERRNOS:
            raise StorageFull(str(exc)) from exc
        raise
    except BaseException:
        spool.close()
        raise
    checksum_ok = checksum is None or (
        whole and hasher is not None and hasher.digest() == checksum.digest
    )
    return ReceivedBody(spool=spool, whole=whole, checksum_ok=checksum_ok)


def check_patch_limits(upload: Upload, *, offset: int, size: int, length: int | None) -> None:
    """Refuse (413) data beyond the declared length or the allowed size."""
    final_length = upload.length if upload.length is not None else length
    if final_length is not None and offset + size > final_length:
        raise TusError(413, _("The data goes past the upload's declared length."))
    limit = upload.max_size or conf.max_size()
    if offset + size > limit:
        raise TusError(
            413, _("The upload is larger than the %(limit)d bytes allowed.") % {"limit": limit}
        )


def check_declared_length(upload: Upload, length: int | None) -> None:
    if length is None:
        return
    if upload.length is not None and upload.length != length:
        raise TusError(400, _("The upload's length is already set and cannot change."))
    if length < upload.offset:
        raise TusError(400, _("Upload-Length is smaller than what was already received."))
    limit = upload.max_size or conf.max_size()
    if length > limit:
        raise TusError(
            413, _("The upload is larger than the %(limit)d bytes allowed.") % {"limit": limit}
        )


def check_usable(upload: Upload, now: datetime | None = None) -> None:
    if upload.is_expired(now):
        raise TusError(410, _("This upload has expired."))


# An S3 upload's multipart state (stored parts).
_S3_FIELDS = ["s3_upload_id", "s3_parts", "s3_parts_size", "s3_tail"]
# What a PATCH can change (a short UPDATE: this runs for every chunk of every upload).
_CHANGING_FIELDS = [
    "length",
    "offset",
    "prefix_checked",
    "storage_name",
    *_S3_FIELDS,
    "completed_at",
    "updated_at",
]


def upload_append(
    *,
    upload_id: uuid.UUID,
    offset: int,
    body: ReceivedBody | None,
    length: int | None,
    request: HttpRequest | None = None,
    seen: Upload | None = None,
) -> Upload:
    """Append a received body at ``offset`` (tus PATCH) and commit the new offset.

    ``length`` declares a deferred length. ``seen`` is the upload as read before the body
    arrived, if it was: it tells whether this is a plain middle chunk (see
    ``_append_middle``). Raises TusError; on any error nothing changed.
    """
    size = body.size if body is not None else 0
    if body is not None and not body.checksum_ok:
        raise TusError(460, _("The checksum of the data does not match Upload-Checksum."))
    if (
        body is not None
        and _is_middle_chunk(seen, offset, size, length)
        and can_lock_in_two_trips()
    ):
        appended = _append_middle(upload_id, offset, body)
        if appended is not None:
            count_acknowledged(size)
            return appended
    refusal: TusError | None = None
    with transaction.atomic():
        upload = fetch_upload(upload_id, for_update=True)
        _check_locked(upload, offset)
        assert upload is not None
        if upload.is_complete:
            if size:
                raise TusError(413, _("The upload is already complete."))
            return upload
        check_declared_length(upload, length)
        check_patch_limits(upload, offset=offset, size=size, length=length)
        if length is not None:
            upload.length = length
        backend = backend_for(upload)
        if size:
            assert body is not None
            backend.append(upload, body.spool, size)
        new_offset = offset + size
        completing = upload.length is not None and new_offset == upload.length
        policy = upload_policy(upload)
        checked_before = upload.prefix_checked
        try:
            _validate_prefix(upload, backend, policy, new_offset, completing)
        except UploadDenied as denied:
            backend.repair(upload)
            raise TusError(denied.status, denied.message) from denied
        upload.offset = new_offset
        backend.store_parts(upload, completing=completing)
        if completing:
            refusal = _complete(upload, backend, policy, request)
        if refusal is not None:
            Upload.objects.filter(pk=upload.pk).delete()
            refused = upload
            transaction.on_commit(lambda: upload_discard_data(upload=refused))
        else:
            fields = list(_CHANGING_FIELDS)
            if completing or upload.prefix_checked != checked_before:
                # The policy's hooks ran: keep what they noted in the metadata.
                fields.append("metadata")
            save_upload_fields(upload, fields)
            cleanup = upload
            transaction.on_commit(lambda: _forget_stale(cleanup))
        if refusal is None and upload.is_complete:
            completed_id = upload.id
            transaction.on_commit(lambda: upload_notify_completed(upload_id=completed_id))
    if refusal is not None:
        UPLOADS.labels("refused").inc()
        raise refusal
    count_acknowledged(size)
    if completing:
        UPLOADS.labels("completed").inc()
    return upload


def check_offset(upload: Upload, offset: int) -> None:
    """409 with the upload's real offset unless ``offset`` is it."""
    if offset != upload.offset:
        raise TusError(
            409,
            _("Upload-Offset does not match the upload's offset."),
            {"Upload-Offset": str(upload.offset)},
        )


def _check_locked(upload: Upload | None, offset: int) -> None:
    """What the row, read under its lock, must allow before any data is written."""
    if upload is None:
        raise TusError(404, _("There is no such upload."))
    check_usable(upload)
    check_offset(upload, offset)


def _is_middle_chunk(upload: Upload | None, offset: int, size: int, length: int | None) -> bool:
    """A chunk that neither starts, declares, completes nor ends an upload: no policy hook
    runs and no one is notified, only data and offset change. Nearly every PATCH of a
    recording is one."""
    return (
        upload is not None
        and size > 0
        and length is None
        and upload.prefix_checked
        and not upload.is_complete
        and (upload.length is None or offset + size < upload.length)
    )


def _append_middle(upload_id: uuid.UUID, offset: int, body: ReceivedBody) -> Upload | None:
    """``upload_append`` for a middle chunk, in two database round trips (PostgreSQL).

    The same steps under the same row lock, in a transaction of its own: BEGIN and the
    locking SELECT sent together, check, write and fsync, then UPDATE and COMMIT sent
    together. None when the locked row turns out not to be a middle chunk's after all:
    the caller takes the general path.
    """
    with row_lock_in_two_trips(upload_id) as lock:
        upload = lock.upload
        _check_locked(upload, offset)
        assert upload is not None
        if not _is_middle_chunk(upload, offset, body.size, None):
            return None
        check_patch_limits(upload, offset=offset, size=body.size, length=None)
        backend = backend_for(upload)
        backend.append(upload, body.spool, body.size)
        upload.offset = offset + body.size
        backend.store_parts(upload, completing=False)
        # Only the offset changes, and with S3 the parts stored on the way.
        s3 = upload.backend == UploadBackend.S3
        lock.commit(["offset", "updated_at", *(_S3_FIELDS if s3 else [])])
    _forget_stale(upload)
    return upload


def _validate_prefix(
    upload: Upload, backend: Backend, policy: UploadPolicy, new_offset: int, completing: bool
) -> None:
    if upload.prefix_checked:
        return
    if new_offset >= conf.PREFIX_SIZE or completing:
        policy.validate_prefix(upload, backend.read_prefix(upload, conf.PREFIX_SIZE))
        upload.prefix_checked = True


def _complete(
    upload: Upload, backend: Backend, policy: UploadPolicy, request: HttpRequest | None
) -> TusError | None:
    """Move the finished file into the storage and let the policy look at it.

    Returns the refusal when the policy refuses the file: then the upload is discarded.
    """
    name = backend.finish(upload)
    upload.storage_name = name
    try:
        policy.validate_complete(upload)
    except UploadDenied as denied:
        backend.discard_final(upload, name)
        log_action(
            "upload.refused",
            organisation=None,
            actor_label=_actor_label(upload),
            obj=upload,
            data={"purpose": upload.purpose, "owner": upload.owner, "reason": denied.message},
            request=request,
        )
        return TusError(denied.status, denied.message)
    upload.completed_at = timezone.now()
    log_action(
        "upload.completed",
        organisation=None,
        actor_label=_actor_label(upload),
        obj=upload,
        data={
            "purpose": upload.purpose,
            "owner": upload.owner,
            "size": upload.offset,
            "storage_name": name,
        },
        request=request,
    )
    return None


def _forget_stale(upload: Upload) -> None:
    try:
        backend_for(upload).forget_stale(upload)
    except OSError:
        logger.warning("could not remove stale data of upload %s", upload.id, exc_info=True)


def upload_terminate(*, upload_id: uuid.UUID, request: HttpRequest | None = None) -> None:
    """tus termination: the upload and its in-progress data are gone."""
    with transaction.atomic():
        try:
            upload = Upload.objects.select_for_update().get(pk=upload_id)
        except Upload.DoesNotExist:
            raise TusError(404, _("There is no such upload.")) from None
        if upload.is_complete:
            raise TusError(
                409, _("A completed upload belongs to its owner and cannot be terminated.")
            )
        Upload.objects.filter(pk=upload.pk).delete()
        log_action(
            "upload.terminated",
            organisation=None,
            actor=getattr(request, "user", None) if request else None,
            actor_label=_actor_label(upload),
            obj=upload,
            data={"purpose": upload.purpose, "owner": upload.owner, "offset": upload.offset},
            request=request,
        )
        # The data goes once the row is gone for good; a crash in between leaves orphans
        # for the sweep, never a row whose data is missing.
        transaction.on_commit(lambda: upload_discard_data(upload=upload))


def upload_discard_data(*, upload: Upload) -> None:
    try:
        backend_for(upload).discard(upload)
    except Exception:
        logger.warning("could not discard the data of upload %s", upload.id, exc_info=True)


def upload_notify_completed(*, upload_id: uuid.UUID) -> bool:
    """Send ``upload_completed`` if it was not sent yet. True if sent now."""
    try:
        with transaction.atomic():
            upload = (
                Upload.objects.select_for_update()
                .filter(pk=upload_id, completed_at__isnull=False, notified_at__isnull=True)
                .first()
            )
            if upload is None:
                return False
            upload.notified_at = timezone.now()
            upload.save(update_fields=["notified_at", "updated_at"])
            upload_completed.send(sender=Upload, upload=upload)
        return True
    except Exception:
        # The upload is safely stored; the sweep delivers the notification later.
        logger.exception("upload_completed receiver failed for upload %s", upload_id)
        return False
