"""S3 multipart storage of uploads, and its recovery from requests that died half-way."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import TusTestClient
from django.core.files.storage import default_storage

from oneway.uploads import services
from oneway.uploads.backends import S3Backend
from oneway.uploads.conf import MIN_S3_PART_SIZE
from oneway.uploads.models import Upload

pytestmark = pytest.mark.s3

PART = MIN_S3_PART_SIZE


def _upload(url: str) -> Upload:
    return Upload.objects.get(pk=url.rsplit("/", 1)[1])


def _stored(upload: Upload) -> bytes:
    with default_storage.open(upload.storage_name) as f:
        return f.read()


class Killed(Exception):
    pass


@pytest.fixture
def kill_before_commit(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make the next upload save fail, as if the process died just before committing."""

    def arm() -> None:
        original = services.save_upload_fields

        def dying_save(*args: Any, **kwargs: Any) -> None:
            monkeypatch.setattr(services, "save_upload_fields", original)
            raise Killed()

        monkeypatch.setattr(services, "save_upload_fields", dying_save)

    return arm


def _tail_objects(s3: Any, upload: Upload) -> dict[str, bytes]:
    """The upload's tail objects in the bucket, by key."""
    client = s3.client()
    prefix = S3Backend().tail_prefix(upload)
    listed = client.list_objects_v2(Bucket=s3.bucket, Prefix=prefix).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=s3.bucket, Key=item["Key"])["Body"].read()
        for item in listed
    }


def _files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def test_in_progress_data_goes_to_s3_parts_of_at_least_5_mib(
    s3_storage: Any, tus: TusTestClient, upload_dirs: Path, django_capture_on_commit_callbacks: Any
) -> None:
    data = os.urandom(2 * PART + 1000)
    url = tus.new(len(data), filename="big.webm")
    offset = 0
    for size in (PART - 1, 2, 700_000, 300_000, len(data)):
        chunk = data[offset : offset + size]
        with django_capture_on_commit_callbacks(execute=True):
            assert tus.patch(url, offset, chunk).status_code == 204
        offset += len(chunk)
        upload = _upload(url)
        # What is not in parts is in the tail objects, and only that; nothing on disk.
        assert not _files(upload_dirs / "incoming")
        if not upload.is_complete:
            objects = _tail_objects(s3_storage, upload)
            held = b"".join(objects[key] for key in sorted(objects))
            assert held == data[upload.s3_parts_size : offset]
    assert offset == len(data)
    upload = _upload(url)
    assert upload.is_complete
    sizes = [size for _, _, size in upload.s3_parts]
    assert all(size >= PART for size in sizes[:-1])
    assert _stored(upload) == data
    assert upload.storage_name.endswith(".webm")
    assert _tail_objects(s3_storage, upload) == {}


def test_two_web_hosts_take_turns_with_one_upload(
    s3_storage: Any,
    tus: TusTestClient,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Any web host can take the next chunk: two hosts (each its own upload folder, as
    on separate machines) alternate, and neither keeps anything between requests."""
    hosts = [tmp_path / "host-a" / "uploads", tmp_path / "host-b" / "uploads"]
    data = os.urandom(2 * PART + 123_457)
    settings.UPLOAD_TEMP_DIR = hosts[0]
    url = tus.new(None, filename="answer.webm")
    offset, turn = 0, 0
    chunk_size = 700_001
    while offset < len(data):
        settings.UPLOAD_TEMP_DIR = hosts[turn % 2]
        chunk = data[offset : offset + chunk_size]
        last = offset + len(chunk) == len(data)
        extra = {"HTTP_UPLOAD_LENGTH": str(len(data))} if last else {}
        with django_capture_on_commit_callbacks(execute=True):
            response = tus.patch(url, offset, chunk, **extra)
        assert response.status_code == 204, response.content
        offset += len(chunk)
        turn += 1
        for host in hosts:
            assert not _files(host), f"{host} keeps {_files(host)}"
        # The other host sees the same offset.
        settings.UPLOAD_TEMP_DIR = hosts[turn % 2]
        assert tus.head(url)["Upload-Offset"] == str(offset)
    upload = _upload(url)
    assert upload.is_complete
    assert hashlib.sha256(_stored(upload)).hexdigest() == hashlib.sha256(data).hexdigest()
    assert _tail_objects(s3_storage, upload) == {}


def test_a_bad_first_chunk_is_refused_from_the_tail_object(
    s3_storage: Any, tus: TusTestClient
) -> None:
    url = tus.new(1000)
    assert tus.patch(url, 0, b"EVIL" + os.urandom(200)).status_code == 415
    assert _upload(url).offset == 0
    assert tus.patch(url, 0, b"GOOD" + os.urandom(996)).status_code == 204
    assert _upload(url).metadata["first_bytes"] == b"GOOD".hex()


def test_a_part_stored_but_not_committed_is_stored_again(
    s3_storage: Any, tus: TusTestClient, kill_before_commit: Any
) -> None:
    data = os.urandom(PART + 500_000)
    url = tus.new(len(data))
    assert tus.patch(url, 0, data[: PART - 100]).status_code == 204
    kill_before_commit()
    with pytest.raises(Killed):
        tus.patch(url, PART - 100, data[PART - 100 : PART + 200_000])
    upload = _upload(url)
    assert upload.offset == PART - 100
    assert upload.s3_parts == []
    # The client resumes with other chunk sizes.
    assert tus.head(url)["Upload-Offset"] == str(PART - 100)
    assert tus.patch(url, PART - 100, data[PART - 100 : PART + 50]).status_code == 204
    assert tus.patch(url, PART + 50, data[PART + 50 :]).status_code == 204
    upload = _upload(url)
    assert upload.is_complete
    assert _stored(upload) == data


def test_a_completion_that_died_before_committing_is_finished_by_the_retry(
    s3_storage: Any, tus: TusTestClient, kill_before_commit: Any
) -> None:
    data = os.urandom(PART + 300_000)
    url = tus.new(len(data))
    assert tus.patch(url, 0, data[:PART]).status_code == 204
    kill_before_commit()
    with pytest.raises(Killed):
        tus.patch(url, PART, data[PART:])
    upload = _upload(url)
    assert not upload.is_complete
    # S3 already holds the completed object; the client sends the last chunk again.
    assert tus.patch(url, PART, data[PART:]).status_code == 204
    upload = _upload(url)
    assert upload.is_complete
    assert _stored(upload) == data


def test_objects_nobody_lists_are_never_read_and_are_swept(
    s3_storage: Any, tus: TusTestClient, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from oneway.uploads.sweep import ORPHAN_AGE, uploads_sweep

    data = os.urandom(PART + 100)
    url = tus.new(len(data) + 100)
    assert tus.patch(url, 0, data[:300]).status_code == 204
    upload = _upload(url)
    client, backend = s3_storage.client(), S3Backend()
    # A request that died after storing its chunk, before committing: not acknowledged.
    client.put_object(Bucket=s3_storage.bucket, Key=backend.tail_key(upload, 300), Body=b"x" * 50)
    with django_capture_on_commit_callbacks(execute=True):
        assert tus.patch(url, 300, data[300:]).status_code == 204
    # A part's tail objects whose deletion failed (the process died after the commit).
    client.put_object(Bucket=s3_storage.bucket, Key=backend.tail_key(upload, 0), Body=b"stale")
    later = timezone.now() + ORPHAN_AGE + timedelta(minutes=1)
    assert uploads_sweep(now=later).orphan_s3_objects == 1
    assert _tail_objects(s3_storage, _upload(url)) == {}
    assert tus.patch(url, len(data), b"z" * 100).status_code == 204
    assert _stored(_upload(url)) == data + b"z" * 100


def test_termination_aborts_the_s3_upload(
    s3_storage: Any, tus: TusTestClient, django_capture_on_commit_callbacks: Any
) -> None:
    url = tus.new(2 * PART)
    assert tus.patch(url, 0, os.urandom(PART)).status_code == 204
    s3_upload_id = _upload(url).s3_upload_id
    with django_capture_on_commit_callbacks(execute=True):
        assert tus.delete(url).status_code == 204
    client = s3_storage.client()
    listed = client.list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads", [])
    assert s3_upload_id not in {item["UploadId"] for item in listed}


def test_empty_and_small_files_complete_on_s3(s3_storage: Any, tus: TusTestClient) -> None:
    empty = tus.new(0)
    assert tus.patch(empty, 0, b"").status_code == 204
    assert _stored(_upload(empty)) == b""
    small = tus.new(5)
    assert tus.patch(small, 0, b"tiny!").status_code == 204
    assert _stored(_upload(small)) == b"tiny!"


def test_an_upload_begun_before_the_tail_moved_to_s3_is_carried_over(
    s3_storage: Any, tus: TusTestClient, upload_dirs: Path, django_capture_on_commit_callbacks: Any
) -> None:
    data = os.urandom(PART + 300_000)
    url = tus.new(len(data))
    upload = _upload(url)
    # What an earlier version left: 200,000 bytes acknowledged, kept in a local tail file.
    legacy = upload_dirs / "incoming" / f"{upload.id.hex}.0.tail"
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_bytes(data[:200_000])
    Upload.objects.filter(pk=upload.pk).update(offset=200_000, prefix_checked=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert tus.patch(url, 200_000, data[200_000:PART]).status_code == 204
    assert not legacy.exists()
    assert _upload(url).s3_parts_size == PART
    assert tus.patch(url, PART, data[PART:]).status_code == 204
    assert _stored(_upload(url)) == data
