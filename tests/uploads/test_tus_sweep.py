"""The periodic sweep: expired uploads, orphaned files, interrupted notifications."""

from __future__ import annotations

import io
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import TusTestClient
from django.core.management import call_command
from django.utils import timezone

from oneway.core.models import AuditEntry
from oneway.uploads.models import Upload
from oneway.uploads.signals import upload_completed
from oneway.uploads.sweep import ORPHAN_AGE, uploads_sweep
from oneway.uploads.tasks import sweep_uploads


def _upload(url: str) -> Upload:
    return Upload.objects.get(pk=url.rsplit("/", 1)[1])


def _age(path: Path, by: timedelta) -> None:
    past = time.time() - by.total_seconds()
    os.utime(path, (past, past))


def test_expired_uploads_are_swept_and_sweeping_twice_is_safe(
    tus: TusTestClient, upload_dirs: Path, django_capture_on_commit_callbacks: Any
) -> None:
    expired_url = tus.new(10)
    assert tus.patch(expired_url, 0, b"abc").status_code == 204
    alive_url = tus.new(10)
    expired = _upload(expired_url)
    Upload.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    part = upload_dirs / "incoming" / f"{expired.id.hex}.part"
    assert part.exists()

    with django_capture_on_commit_callbacks(execute=True):
        report = uploads_sweep()
    assert report.expired == 1
    assert not Upload.objects.filter(pk=expired.pk).exists()
    assert not part.exists()
    assert _upload(alive_url)
    assert AuditEntry.objects.filter(action="upload.expired", object_id=str(expired.id)).exists()
    assert tus.head(expired_url).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        again = uploads_sweep()
    assert again.expired == 0
    assert again.orphan_files == 0


def test_completed_uploads_are_never_expired(tus: TusTestClient) -> None:
    url = tus.new(3)
    assert tus.patch(url, 0, b"abc").status_code == 204
    Upload.objects.filter(pk=_upload(url).pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert uploads_sweep().expired == 0
    assert tus.head(url).status_code == 200


def test_orphaned_files_are_removed_once_old(tus: TusTestClient, upload_dirs: Path) -> None:
    incoming = upload_dirs / "incoming"
    incoming.mkdir(exist_ok=True)
    old_orphan = incoming / f"{uuid.uuid4().hex}.part"
    young_orphan = incoming / f"{uuid.uuid4().hex}.part"
    old_tail = incoming / f"{uuid.uuid4().hex}.0.tail"
    unrelated = incoming / "README"
    for path in (old_orphan, young_orphan, old_tail, unrelated):
        path.write_bytes(b"x")
    in_progress = tus.new(10)
    in_progress_part = incoming / f"{_upload(in_progress).id.hex}.part"
    for path in (old_orphan, old_tail, unrelated, in_progress_part):
        _age(path, ORPHAN_AGE * 2)

    assert uploads_sweep().orphan_files == 2
    assert not old_orphan.exists()
    assert not old_tail.exists()
    assert young_orphan.exists()
    assert unrelated.exists()
    assert in_progress_part.exists()  # its upload still needs it


def test_left_over_data_of_a_completed_upload_is_removed(
    tus: TusTestClient, upload_dirs: Path
) -> None:
    url = tus.new(3)
    # Completed, but the process died before removing its in-progress file.
    assert tus.patch(url, 0, b"abc").status_code == 204
    part = upload_dirs / "incoming" / f"{_upload(url).id.hex}.part"
    part.write_bytes(b"abc")
    _age(part, ORPHAN_AGE * 2)
    assert uploads_sweep().orphan_files == 1
    assert not part.exists()
    stored = upload_dirs / "media" / _upload(url).storage_name
    assert stored.read_bytes() == b"abc"


def test_interrupted_notifications_are_delivered_once(tus: TusTestClient) -> None:
    received: list[uuid.UUID] = []

    def receiver(sender: object, upload: Upload, **kwargs: object) -> None:
        received.append(upload.id)

    url = tus.new(3)
    # Completed without its on-commit notification (the process was killed).
    assert tus.patch(url, 0, b"abc").status_code == 204
    upload = _upload(url)
    assert upload.notified_at is None
    upload_completed.connect(receiver)
    try:
        assert uploads_sweep().notified == 0  # too recent: its own callback may be running
        later = timezone.now() + timedelta(minutes=5)
        assert uploads_sweep(now=later).notified == 1
        assert uploads_sweep(now=later).notified == 0
    finally:
        upload_completed.disconnect(receiver)
    assert received == [upload.id]


def test_a_failing_receiver_is_retried_by_the_sweep(tus: TusTestClient) -> None:
    calls: list[uuid.UUID] = []

    def flaky(sender: object, upload: Upload, **kwargs: object) -> None:
        calls.append(upload.id)
        if len(calls) == 1:
            raise RuntimeError("the queue is down")

    url = tus.new(3)
    assert tus.patch(url, 0, b"abc").status_code == 204
    upload_completed.connect(flaky)
    later = timezone.now() + timedelta(minutes=5)
    try:
        assert uploads_sweep(now=later).notified == 0
        assert _upload(url).notified_at is None
        assert uploads_sweep(now=later).notified == 1
    finally:
        upload_completed.disconnect(flaky)
    assert _upload(url).notified_at is not None
    assert len(calls) == 2


def test_sweep_runs_as_a_periodic_task_and_a_command(tus: TusTestClient) -> None:
    url = tus.new(10)
    Upload.objects.filter(pk=_upload(url).pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    sweep_uploads.call_local()
    assert not Upload.objects.exists()
    out = io.StringIO()
    call_command("sweep_uploads", stdout=out)
    assert "expired 0" in out.getvalue()


@pytest.mark.s3
def test_sweep_aborts_s3_multipart_uploads_nobody_knows(
    s3_storage: Any, tus: TusTestClient, django_capture_on_commit_callbacks: Any
) -> None:
    from oneway.uploads.backends import S3Backend
    from oneway.uploads.conf import MIN_S3_PART_SIZE

    client = s3_storage.client()
    backend = S3Backend()
    orphan = client.create_multipart_upload(
        Bucket=s3_storage.bucket, Key=backend._key("uploads/ab/orphan")
    )["UploadId"]
    # An S3 upload in progress that the database knows, and one that expired.
    known_url = tus.new(2 * MIN_S3_PART_SIZE)
    assert tus.patch(known_url, 0, os.urandom(MIN_S3_PART_SIZE)).status_code == 204
    expired_url = tus.new(2 * MIN_S3_PART_SIZE)
    assert tus.patch(expired_url, 0, os.urandom(MIN_S3_PART_SIZE)).status_code == 204
    known, expired = _upload(known_url), _upload(expired_url)
    assert known.s3_upload_id and expired.s3_upload_id
    Upload.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        report = uploads_sweep()
    assert (report.expired, report.orphan_s3_uploads) == (1, 0)  # the orphan is too young
    assert uploads_sweep(now=timezone.now() + ORPHAN_AGE * 2).orphan_s3_uploads == 1
    listed = client.list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads", [])
    ids = {item["UploadId"] for item in listed}
    assert known.s3_upload_id in ids
    assert orphan not in ids
    assert expired.s3_upload_id not in ids
