"""Housekeeping for uploads: expired and abandoned ones, orphaned data, lost notifications.

Safe to run at any time, concurrently with uploads and with itself: every change to an
upload happens under its row lock, and files are only removed when no row needs them.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from oneway.core.audit import log_action
from oneway.uploads import conf
from oneway.uploads.backends import (
    TAIL_PREFIX,
    S3Backend,
    backend_for,
    default_storage_is_s3,
)
from oneway.uploads.models import Upload
from oneway.uploads.services import upload_discard_data, upload_notify_completed

logger = logging.getLogger(__name__)

# Files younger than this are left alone: their upload may be being created right now.
ORPHAN_AGE = timedelta(hours=1)
# A completion whose notification did not follow within this long was interrupted.
NOTIFY_GRACE = timedelta(minutes=2)
_TEMP_NAME = re.compile(r"(?P<id>[0-9a-f]{32})\.(?:part|(?P<start>[0-9]+)\.tail)\Z")


@dataclass
class SweepReport:
    expired: int = 0
    notified: int = 0
    repaired: int = 0
    orphan_files: int = 0
    orphan_s3_uploads: int = 0
    orphan_s3_objects: int = 0


def uploads_sweep(*, now: datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    report.expired = _sweep_expired(now)
    report.notified = _renotify(now)
    report.repaired = uploads_repair()
    report.orphan_files = _sweep_orphan_files(now)
    report.orphan_s3_uploads = _sweep_orphan_s3_uploads(now)
    report.orphan_s3_objects = _sweep_orphan_s3_tail_objects(now)
    if any(vars(report).values()):
        logger.info("upload sweep: %s", report)
    return report


def _sweep_expired(now: datetime) -> int:
    count = 0
    expired = Upload.objects.filter(completed_at__isnull=True, expires_at__lte=now)
    for upload_id in expired.values_list("id", flat=True).iterator():
        with transaction.atomic():
            upload = (
                Upload.objects.select_for_update(skip_locked=True)
                .filter(pk=upload_id, completed_at__isnull=True, expires_at__lte=now)
                .first()
            )
            if upload is None:
                continue
            log_action(
                "upload.expired",
                organisation=None,
                actor_label="system",
                obj=upload,
                data={"purpose": upload.purpose, "owner": upload.owner, "offset": upload.offset},
            )
            Upload.objects.filter(pk=upload.pk).delete()
            transaction.on_commit(partial(upload_discard_data, upload=upload))
            count += 1
    return count


def _renotify(now: datetime) -> int:
    pending = Upload.objects.filter(
        completed_at__lte=now - NOTIFY_GRACE, notified_at__isnull=True
    ).values_list("id", flat=True)
    return sum(upload_notify_completed(upload_id=upload_id) for upload_id in pending)


def uploads_repair() -> int:
    """Cut in-progress data past the committed offset (what a killed request left)."""
    count = 0
    in_progress = Upload.objects.filter(completed_at__isnull=True).values_list("id", flat=True)
    for upload_id in in_progress.iterator():
        with transaction.atomic():
            upload = (
                Upload.objects.select_for_update(skip_locked=True)
                .filter(pk=upload_id, completed_at__isnull=True)
                .first()
            )
            if upload is None:
                continue
            try:
                count += backend_for(upload).repair(upload)
            except OSError:
                logger.warning("could not repair upload %s", upload.id, exc_info=True)
    return count


def _sweep_orphan_files(now: datetime) -> int:
    directory = conf.temp_dir()
    if not directory.is_dir():
        return 0
    cutoff = (now - ORPHAN_AGE).timestamp()
    candidates: dict[str, list[tuple[str, int | None]]] = {}
    for path in directory.iterdir():
        match = _TEMP_NAME.match(path.name)
        if not match:
            continue
        start = match.group("start")
        candidates.setdefault(match.group("id"), []).append(
            (path.name, int(start) if start is not None else None)
        )
    count = 0
    for hex_id, files in candidates.items():
        upload = Upload.objects.filter(pk=hex_id).first()
        for name, start in files:
            path = directory / name
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime > cutoff:
                    continue
                needed = (
                    upload is not None
                    and not upload.is_complete
                    and (start is None or start == upload.s3_parts_size)
                )
                if not needed:
                    path.unlink()
                    count += 1
    return count


def _sweep_orphan_s3_uploads(now: datetime) -> int:
    """Abort S3 multipart uploads under ``uploads/`` that no upload row knows."""
    if not default_storage_is_s3():
        return 0
    from botocore.exceptions import BotoCoreError, ClientError

    backend = S3Backend()
    known = set(Upload.objects.exclude(s3_upload_id="").values_list("s3_upload_id", flat=True))
    count = 0
    try:
        client = backend._client()
        paginator = client.get_paginator("list_multipart_uploads")
        prefix = backend._key("uploads/")
        for page in paginator.paginate(Bucket=backend._bucket(), Prefix=prefix):
            for item in page.get("Uploads", []):
                if item["UploadId"] in known or item["Initiated"] > now - ORPHAN_AGE:
                    continue
                backend._abort(item["UploadId"], item["Key"])
                count += 1
    except (BotoCoreError, ClientError):
        logger.warning("could not list or abort orphaned S3 multipart uploads", exc_info=True)
    return count


def _sweep_orphan_s3_tail_objects(now: datetime) -> int:
    """Delete tail objects no upload in progress lists: those of uploads gone or complete
    (a crash before their removal), flushed into a part, or written by a request that
    died before committing. Objects younger than ORPHAN_AGE are left alone."""
    if not default_storage_is_s3():
        return 0
    from botocore.exceptions import BotoCoreError, ClientError

    backend = S3Backend()
    count = 0
    try:
        client = backend._client()
        paginator = client.get_paginator("list_objects_v2")
        root = backend._key(TAIL_PREFIX)
        by_upload: dict[str, list[str]] = {}
        for page in paginator.paginate(Bucket=backend._bucket(), Prefix=root):
            for item in page.get("Contents", []):
                if item["LastModified"] > now - ORPHAN_AGE:
                    continue
                hex_id = item["Key"][len(root) :].split("/", 1)[0]
                by_upload.setdefault(hex_id, []).append(item["Key"])
        for hex_id, keys in by_upload.items():
            upload = Upload.objects.filter(pk=hex_id, completed_at__isnull=True).first()
            listed = (
                {backend.tail_key(upload, start) for start, _ in upload.s3_tail}
                if upload is not None
                else set()
            )
            orphans = [key for key in keys if key not in listed]
            backend._delete_keys(orphans)
            count += len(orphans)
    except (BotoCoreError, ClientError, ValueError):
        logger.warning("could not sweep orphaned S3 tail objects", exc_info=True)
    return count
