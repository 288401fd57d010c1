"""S3 multipart storage of uploads, and its recovery from requests that died half-way."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import TusTestClient
from django.core.files.storage import default_storage

from oneway.uploads import services
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


def test_in_progress_data_goes_to_s3_parts_of_at_least_5_mib(
    s3_storage: Any, tus: TusTestClient, upload_dirs: Path, django_capture_on_commit_callbacks: Any
) -> None:
    data = os.urandom(2 * PART + 1000)
    url = tus.new(len(data), filename="big.webm")
    offset = 0
    for size in (PART - 1, 2, 700_000, len(data)):
        chunk = data[offset : offset + size]
        with django_capture_on_commit_callbacks(execute=True):
            assert tus.patch(url, offset, chunk).status_code == 204
        offset += len(chunk)
        upload = _upload(url)
        # What is not in parts is in the local tail, and only that.
        tail = upload_dirs / "incoming" / f"{upload.id.hex}.{upload.s3_parts_size}.tail"
        if not upload.is_complete:
            # (An empty tail is created when the next bytes come.)
            held = tail.read_bytes() if tail.exists() else b""
            assert held == data[upload.s3_parts_size : offset]
    assert offset == len(data)
    upload = _upload(url)
    assert upload.is_complete
    sizes = [size for _, _, size in upload.s3_parts]
    assert all(size >= PART for size in sizes[:-1])
    assert _stored(upload) == data
    assert upload.storage_name.endswith(".webm")
    assert not list((upload_dirs / "incoming").glob(f"{upload.id.hex}*"))


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


def test_a_stale_tail_left_by_a_crash_is_ignored(
    s3_storage: Any, tus: TusTestClient, upload_dirs: Path
) -> None:
    data = os.urandom(PART + 100)
    url = tus.new(len(data) + 100)
    assert tus.patch(url, 0, data[:PART]).status_code == 204
    upload = _upload(url)
    assert upload.s3_parts_size == PART
    # The process died after committing the part, before removing the old tail.
    stale = upload_dirs / "incoming" / f"{upload.id.hex}.0.tail"
    stale.write_bytes(b"stale bytes")
    assert tus.patch(url, PART, data[PART:]).status_code == 204
    assert not stale.exists()
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
