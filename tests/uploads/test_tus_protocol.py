"""Raw-request tests of the tus 1.0.0 protocol: each status code and header."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import TUS, TusTestClient, encode_metadata
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from tus_test_policy import PURPOSE

from oneway.core.models import AuditEntry
from oneway.uploads.models import Upload
from oneway.uploads.signals import upload_completed


def _id(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _stored(url: str) -> Upload:
    return Upload.objects.get(pk=_id(url))


def _temp_file(upload: Upload, tmp_path: Path) -> Path:
    return tmp_path / "incoming" / f"{upload.id.hex}.part"


# --- OPTIONS and discovery --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/uploads/", "/uploads/0b0e5d4c-58d0-4b6a-9d4a-2b1b1b1b1b1b"])
def test_options_describes_the_server(client: Any, settings: Any, path: str, db: None) -> None:
    settings.UPLOAD_MAX_SIZE = 123456789
    response = client.options(path)
    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Tus-Version"] == "1.0.0"
    assert response["Tus-Max-Size"] == "123456789"
    assert set(response["Tus-Extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "creation-defer-length",
        "termination",
        "checksum",
        "expiration",
    }
    assert "sha1" in response["Tus-Checksum-Algorithm"].split(",")
    assert "Access-Control-Allow-Origin" not in response


def test_url_names_are_the_contract() -> None:
    assert reverse("uploads:collection") == "/uploads/"
    upload_id = "0b0e5d4c-58d0-4b6a-9d4a-2b1b1b1b1b1b"
    assert reverse("uploads:resource", args=[upload_id]) == f"/uploads/{upload_id}"


def test_request_without_tus_resumable_answers_412(tus: TusTestClient) -> None:
    response = tus.client.generic("POST", "/uploads/", b"", HTTP_UPLOAD_LENGTH="5")
    assert response.status_code == 412
    assert response["Tus-Version"] == "1.0.0"
    response = tus.client.generic(
        "POST", "/uploads/", b"", HTTP_UPLOAD_LENGTH="5", HTTP_TUS_RESUMABLE="0.2.2"
    )
    assert response.status_code == 412


def test_unsupported_methods_answer_405(tus: TusTestClient) -> None:
    assert tus.client.get("/uploads/", **TUS).status_code == 405
    url = tus.new(5)
    response = tus.client.get(url, **tus.headers())
    assert response.status_code == 405
    assert "PATCH" in response["Allow"]


# --- CORS -------------------------------------------------------------------------------


def test_cors_only_for_configured_origins(tus: TusTestClient, settings: Any) -> None:
    settings.UPLOAD_CORS_ORIGINS = ["https://recorder.example"]
    preflight = tus.client.options(
        "/uploads/",
        HTTP_ORIGIN="https://recorder.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="tus-resumable,upload-offset,content-type",
    )
    assert preflight["Access-Control-Allow-Origin"] == "https://recorder.example"
    assert "PATCH" in preflight["Access-Control-Allow-Methods"]
    assert "Upload-Offset" in preflight["Access-Control-Allow-Headers"]
    assert preflight["Access-Control-Allow-Credentials"] == "true"

    created = tus.client.generic(
        "POST",
        "/uploads/",
        b"",
        HTTP_ORIGIN="https://recorder.example",
        **tus.headers(
            HTTP_UPLOAD_LENGTH="3", HTTP_UPLOAD_METADATA=encode_metadata(purpose=PURPOSE)
        ),
    )
    assert created.status_code == 201
    assert created["Access-Control-Allow-Origin"] == "https://recorder.example"
    assert "Location" in created["Access-Control-Expose-Headers"]
    assert "Upload-Offset" in created["Access-Control-Expose-Headers"]

    foreign = tus.client.options(
        "/uploads/",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
    )
    assert "Access-Control-Allow-Origin" not in foreign
    assert "Access-Control-Allow-Methods" not in foreign


# --- Creation ---------------------------------------------------------------------------


def test_creation_answers_201_with_location_and_expiry(tus: TusTestClient) -> None:
    response = tus.create(100, filename="answer.webm", filetype="video/webm")
    assert response.status_code == 201
    location = response["Location"]
    assert location.startswith("http://testserver/uploads/")
    assert "Upload-Expires" in response
    upload = _stored(location)
    assert upload.length == 100
    assert upload.offset == 0
    assert upload.purpose == PURPOSE
    assert upload.owner.startswith("test:")
    assert upload.metadata == {
        "purpose": PURPOSE,
        "filename": "answer.webm",
        "filetype": "video/webm",
    }
    assert upload.expires_at > timezone.now() + timedelta(hours=71)
    assert AuditEntry.objects.filter(action="upload.created", object_id=str(upload.id)).exists()


def test_head_reports_offset_length_and_metadata(tus: TusTestClient) -> None:
    url = tus.new(10, filename="Ünïcode name.webm", flag="")
    tus.patch(url, 0, b"abc")
    response = tus.head(url)
    assert response.status_code == 200
    assert response["Upload-Offset"] == "3"
    assert response["Upload-Length"] == "10"
    assert response["Cache-Control"] == "no-store"
    assert "Upload-Expires" in response
    pairs = dict((p.split(" ") + [""])[:2] for p in response["Upload-Metadata"].split(","))
    assert base64.b64decode(pairs["filename"]).decode() == "Ünïcode name.webm"
    assert pairs["flag"] == ""
    assert response.content == b""


@pytest.mark.parametrize(
    "header",
    [
        "purpose",  # no value
        "purpose dGVzdC11cGxvYWQ=,purpose dGVzdC11cGxvYWQ=",  # duplicate key
        "purpose dGVzdC11cGxvYWQ=,filename not-base64!",
        "purpose dGVzdC11cGxvYWQ=,filename Zm9v=",  # bad padding
        "purpose dGVzdC11cGxvYWQ=,,x",  # empty pair
        "purpose dGVzdC11cGxvYWQ=,a b c",
        "purpose dGVzdC11cGxvYWQ=,name /w==",  # not UTF-8
        "purpose dGVzdC11cGxvYWQ=,name AAE=",  # control characters
        "purpose " + base64.b64encode(b"nope").decode(),  # unknown purpose
        "filename Zm9v",  # no purpose
    ],
)
def test_bad_metadata_answers_400(tus: TusTestClient, header: str) -> None:
    response = tus.client.generic(
        "POST",
        "/uploads/",
        b"",
        **tus.headers(HTTP_UPLOAD_LENGTH="5", HTTP_UPLOAD_METADATA=header),
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert not Upload.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [
        {},  # neither length nor deferral
        {"HTTP_UPLOAD_LENGTH": "5", "HTTP_UPLOAD_DEFER_LENGTH": "1"},
        {"HTTP_UPLOAD_LENGTH": "-5"},
        {"HTTP_UPLOAD_LENGTH": "5.0"},
        {"HTTP_UPLOAD_DEFER_LENGTH": "0"},
    ],
)
def test_bad_length_headers_answer_400(tus: TusTestClient, extra: dict[str, str]) -> None:
    response = tus.client.generic(
        "POST",
        "/uploads/",
        b"",
        **tus.headers(HTTP_UPLOAD_METADATA=encode_metadata(purpose=PURPOSE), **extra),
    )
    assert response.status_code == 400


def test_creation_beyond_max_size_answers_413(tus: TusTestClient, settings: Any) -> None:
    settings.UPLOAD_MAX_SIZE = 1000
    assert tus.create(1001).status_code == 413
    assert tus.create(1000).status_code == 201
    # The policy's own limit.
    assert tus.create(501, max_size="500").status_code == 413
    assert not Upload.objects.filter(length__gt=1000).exists()


def test_policy_refusal_is_answered_with_its_status(tus: TusTestClient) -> None:
    denied = TusTestClient(secret="")
    assert denied.create(5).status_code == 403
    url = tus.new(5)
    stranger = TusTestClient(secret="someone else")
    assert stranger.head(url).status_code == 403
    assert stranger.patch(url, 0, b"x").status_code == 403
    assert stranger.delete(url).status_code == 403
    assert _stored(url).offset == 0


def test_creation_with_upload_stores_the_first_chunk(tus: TusTestClient) -> None:
    response = tus.create(10, data=b"hello")
    assert response.status_code == 201
    assert response["Upload-Offset"] == "5"
    url = response["Location"]
    assert tus.patch(url, 5, b"world").status_code == 204
    upload = _stored(url)
    assert upload.is_complete
    with default_storage.open(upload.storage_name) as f:
        assert f.read() == b"helloworld"


def test_creation_with_upload_of_a_whole_file_completes_it(tus: TusTestClient) -> None:
    response = tus.create(5, data=b"hello")
    assert response.status_code == 201
    assert response["Upload-Offset"] == "5"
    assert _stored(response["Location"]).is_complete


def test_creation_with_bad_initial_checksum_creates_the_upload_at_offset_0(
    tus: TusTestClient,
) -> None:
    wrong = base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    response = tus.client.generic(
        "POST",
        "/uploads/",
        b"hello",
        content_type="application/offset+octet-stream",
        **tus.headers(
            HTTP_UPLOAD_LENGTH="10",
            HTTP_UPLOAD_METADATA=encode_metadata(purpose=PURPOSE),
            HTTP_UPLOAD_CHECKSUM=f"sha1 {wrong}",
        ),
    )
    assert response.status_code == 201
    assert response["Upload-Offset"] == "0"


def test_creation_with_more_data_than_the_length_answers_413(tus: TusTestClient) -> None:
    assert tus.create(3, data=b"hello").status_code == 413
    assert not Upload.objects.exists()


# --- PATCH ------------------------------------------------------------------------------


def test_patch_with_wrong_offset_answers_409_and_changes_nothing(
    tus: TusTestClient, tmp_path: Path
) -> None:
    url = tus.new(10)
    assert tus.patch(url, 0, b"abc").status_code == 204
    for offset in (0, 2, 4, 10):
        response = tus.patch(url, offset, b"xyz")
        assert response.status_code == 409
        assert response["Upload-Offset"] == "3"
    upload = _stored(url)
    assert upload.offset == 3
    assert _temp_file(upload, tmp_path).read_bytes() == b"abc"


def test_patch_needs_the_offset_content_type(tus: TusTestClient) -> None:
    url = tus.new(10)
    assert tus.patch(url, 0, b"abc", content_type="application/json").status_code == 415
    assert _stored(url).offset == 0


def test_patch_needs_a_valid_offset(tus: TusTestClient) -> None:
    url = tus.new(10)
    response = tus.client.generic(
        "PATCH", url, b"abc", content_type="application/offset+octet-stream", **tus.headers()
    )
    assert response.status_code == 400
    assert tus.patch(url, -1, b"abc").status_code == 400  # type: ignore[arg-type]


def test_patch_beyond_the_declared_length_answers_413(tus: TusTestClient, tmp_path: Path) -> None:
    url = tus.new(5)
    assert tus.patch(url, 0, b"abc").status_code == 204
    assert tus.patch(url, 3, b"def").status_code == 413
    upload = _stored(url)
    assert upload.offset == 3
    assert _temp_file(upload, tmp_path).read_bytes() == b"abc"


def test_chunk_larger_than_the_limit_answers_413(tus: TusTestClient, settings: Any) -> None:
    settings.UPLOAD_MAX_CHUNK_SIZE = 4
    url = tus.new(10)
    assert tus.patch(url, 0, b"abcde").status_code == 413
    assert tus.patch(url, 0, b"abcd").status_code == 204


def test_deferred_length_beyond_max_size_answers_413(tus: TusTestClient, settings: Any) -> None:
    settings.UPLOAD_MAX_SIZE = 8
    url = tus.new(None)
    assert tus.patch(url, 0, b"12345").status_code == 204
    assert tus.patch(url, 5, b"6789").status_code == 413
    assert tus.patch(url, 5, b"678", HTTP_UPLOAD_LENGTH="9").status_code == 413
    assert _stored(url).offset == 5


def test_deferred_length_is_declared_in_a_later_patch(
    tus: TusTestClient, django_capture_on_commit_callbacks: Any
) -> None:
    url = tus.new(None)
    head = tus.head(url)
    assert head["Upload-Defer-Length"] == "1"
    assert "Upload-Length" not in head
    assert tus.patch(url, 0, b"hello ").status_code == 204
    assert tus.patch(url, 6, b"wor").status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        response = tus.patch(url, 9, b"ld", HTTP_UPLOAD_LENGTH="11")
    assert response.status_code == 204
    assert response["Upload-Length"] == "11"
    upload = _stored(url)
    assert upload.is_complete
    with default_storage.open(upload.storage_name) as f:
        assert f.read() == b"hello world"


def test_deferred_length_declared_in_an_empty_patch_completes(tus: TusTestClient) -> None:
    url = tus.new(None)
    assert tus.patch(url, 0, b"abc").status_code == 204
    response = tus.patch(url, 3, b"", HTTP_UPLOAD_LENGTH="3")
    assert response.status_code == 204
    assert _stored(url).is_complete


def test_length_cannot_change_or_shrink(tus: TusTestClient) -> None:
    url = tus.new(10)
    assert tus.patch(url, 0, b"abc", HTTP_UPLOAD_LENGTH="11").status_code == 400
    deferred = tus.new(None)
    assert tus.patch(deferred, 0, b"abc").status_code == 204
    assert tus.patch(deferred, 3, b"", HTTP_UPLOAD_LENGTH="2").status_code == 400


def _checksum(algorithm: str, data: bytes) -> str:
    return f"{algorithm} " + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


@pytest.mark.parametrize("algorithm", ["sha1", "md5", "sha256", "sha512"])
def test_checksum_is_verified(tus: TusTestClient, tmp_path: Path, algorithm: str) -> None:
    url = tus.new(6)
    good = tus.patch(url, 0, b"abc", HTTP_UPLOAD_CHECKSUM=_checksum(algorithm, b"abc"))
    assert good.status_code == 204
    bad = tus.patch(url, 3, b"def", HTTP_UPLOAD_CHECKSUM=_checksum(algorithm, b"xyz"))
    assert bad.status_code == 460
    assert bad.reason_phrase == "Checksum Mismatch"
    upload = _stored(url)
    assert upload.offset == 3
    assert _temp_file(upload, tmp_path).read_bytes() == b"abc"


@pytest.mark.parametrize("header", ["crc32 AAAA", "sha1", "sha1 !!!!", "sha1 YWJj"])
def test_bad_checksum_header_answers_400(tus: TusTestClient, header: str) -> None:
    url = tus.new(6)
    assert tus.patch(url, 0, b"abc", HTTP_UPLOAD_CHECKSUM=header).status_code == 400


def test_unknown_upload_answers_404(tus: TusTestClient) -> None:
    url = "/uploads/0b0e5d4c-58d0-4b6a-9d4a-2b1b1b1b1b1b"
    assert tus.head(url).status_code == 404
    assert tus.patch(url, 0, b"abc").status_code == 404
    assert tus.delete(url).status_code == 404
    assert tus.client.head("/uploads/not-a-uuid", **tus.headers()).status_code == 404


def test_expired_upload_answers_410(tus: TusTestClient) -> None:
    url = tus.new(10)
    Upload.objects.filter(pk=_id(url)).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tus.head(url).status_code == 410
    assert tus.patch(url, 0, b"abc").status_code == 410


def test_method_override_is_honoured(tus: TusTestClient) -> None:
    url = tus.new(6)
    response = tus.client.generic(
        "POST",
        url,
        b"abc",
        content_type="application/offset+octet-stream",
        **tus.headers(HTTP_UPLOAD_OFFSET="0", HTTP_X_HTTP_METHOD_OVERRIDE="PATCH"),
    )
    assert response.status_code == 204
    assert _stored(url).offset == 3
    head = tus.client.generic("POST", url, b"", **tus.headers(HTTP_X_HTTP_METHOD_OVERRIDE="HEAD"))
    assert head.status_code == 200
    assert head["Upload-Offset"] == "3"
    assert head.content == b""
    gone = tus.client.generic("POST", url, b"", **tus.headers(HTTP_X_HTTP_METHOD_OVERRIDE="DELETE"))
    assert gone.status_code == 204
    assert not Upload.objects.exists()
    bogus = tus.client.generic(
        "POST", "/uploads/", b"", **tus.headers(HTTP_X_HTTP_METHOD_OVERRIDE="TRACE")
    )
    assert bogus.status_code == 400


def test_patch_on_a_completed_upload(tus: TusTestClient) -> None:
    url = tus.new(3)
    assert tus.patch(url, 0, b"abc").status_code == 204
    assert tus.patch(url, 3, b"").status_code == 204
    assert tus.patch(url, 3, b"d").status_code == 413
    assert tus.patch(url, 0, b"abc").status_code == 409


# --- Policy hooks and completion ------------------------------------------------------


def test_prefix_validation_refuses_without_storing(tus: TusTestClient, tmp_path: Path) -> None:
    url = tus.new(200)
    assert tus.patch(url, 0, b"EVIL" + b"x" * 20).status_code == 204  # fewer than 64 bytes
    response = tus.patch(url, 24, b"y" * 60)
    assert response.status_code == 415
    upload = _stored(url)
    assert upload.offset == 24
    assert not upload.prefix_checked
    assert _temp_file(upload, tmp_path).read_bytes() == b"EVIL" + b"x" * 20


def test_what_the_policy_notes_in_the_metadata_is_kept(tus: TusTestClient) -> None:
    url = tus.new(100, filename="a.webm")
    assert tus.patch(url, 0, b"\x1aE\xdf\xa3" + b"x" * 70).status_code == 204
    assert _stored(url).metadata == {
        "purpose": PURPOSE,
        "filename": "a.webm",
        "first_bytes": "1a45dfa3",
    }


def test_prefix_validation_of_a_short_file_happens_on_completion(tus: TusTestClient) -> None:
    url = tus.new(10)
    assert tus.patch(url, 0, b"EVIL!!!!!!").status_code == 415
    url = tus.new(10)
    assert tus.patch(url, 0, b"good file!").status_code == 204
    assert _stored(url).prefix_checked


def test_refused_completion_discards_the_upload(tus: TusTestClient, tmp_path: Path) -> None:
    received: list[Upload] = []

    def receiver(sender: object, upload: Upload, **kwargs: object) -> None:
        received.append(upload)

    upload_completed.connect(receiver)
    try:
        url = tus.new(3, filename="x.webm", refuse="yes")
        upload = _stored(url)
        response = tus.patch(url, 0, b"abc")
    finally:
        upload_completed.disconnect(receiver)
    assert response.status_code == 422
    assert not Upload.objects.exists()
    assert not default_storage.exists(upload.target_name())
    assert received == []
    assert AuditEntry.objects.filter(action="upload.refused").exists()


def test_zero_length_upload_completes_on_creation(
    tus: TusTestClient, django_capture_on_commit_callbacks: Any
) -> None:
    """``Upload-Length: 0``: no PATCH will ever come, so the upload completes at once
    (and its policy sees it) instead of waiting forever."""
    received: list[Upload] = []

    def receiver(sender: object, upload: Upload, **kwargs: object) -> None:
        received.append(upload)

    upload_completed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = tus.create(0)
    finally:
        upload_completed.disconnect(receiver)
    assert response.status_code == 201
    assert response["Upload-Offset"] == "0" and response["Upload-Length"] == "0"
    upload = _stored(str(response["Location"]))
    assert upload.is_complete and upload.length == 0
    assert default_storage.size(upload.storage_name) == 0
    assert [u.pk for u in received] == [upload.pk]
    head = tus.client.head(response["Location"], **tus.headers())
    assert head.status_code == 200 and head["Upload-Offset"] == "0"
    # A client that sends its (empty) data anyway is told it is all there.
    assert tus.patch(response["Location"], 0, b"").status_code == 204


def test_an_empty_upload_refused_by_its_policy_answers_at_creation(tus: TusTestClient) -> None:
    response = tus.create(0, refuse="yes")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Refused on completion."
    assert not Upload.objects.exists()


def test_completion_signal_fires_once_after_commit(
    tus: TusTestClient, django_capture_on_commit_callbacks: Any
) -> None:
    received: list[Upload] = []

    def receiver(sender: object, upload: Upload, **kwargs: object) -> None:
        received.append(upload)

    upload_completed.connect(receiver)
    try:
        url = tus.new(6, filename="clip.webm")
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert tus.patch(url, 0, b"abcdef").status_code == 204
        assert received == []  # not before commit
        for callback in callbacks:
            callback()
        assert len(received) == 1
        assert received[0].storage_name.endswith(".webm")
        assert received[0].notified_at is not None
        # Neither a repeat of the last PATCH nor a repeated callback sends it again.
        with django_capture_on_commit_callbacks(execute=True):
            assert tus.patch(url, 6, b"").status_code == 204
        for callback in callbacks:
            callback()
        assert len(received) == 1
    finally:
        upload_completed.disconnect(receiver)
    upload = _stored(url)
    assert upload.storage_name == upload.target_name()
    assert upload.storage_name.startswith("uploads/")
    assert AuditEntry.objects.filter(action="upload.completed", object_id=str(upload.id)).exists()


def test_completed_file_is_moved_into_the_default_storage(
    tus: TusTestClient, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    url = tus.new(4, filename="a.MP4")
    upload = _stored(url)
    with django_capture_on_commit_callbacks(execute=True):
        assert tus.patch(url, 0, b"data").status_code == 204
    upload.refresh_from_db()
    assert upload.storage_name.endswith(".mp4")
    assert (tmp_path / "media" / upload.storage_name).read_bytes() == b"data"
    assert not _temp_file(upload, tmp_path).exists()


# --- Termination ------------------------------------------------------------------------


def test_termination_removes_upload_and_data(
    tus: TusTestClient, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    url = tus.new(10)
    assert tus.patch(url, 0, b"abc").status_code == 204
    upload = _stored(url)
    with django_capture_on_commit_callbacks(execute=True):
        assert tus.delete(url).status_code == 204
    assert not _temp_file(upload, tmp_path).exists()
    assert tus.head(url).status_code == 404
    assert AuditEntry.objects.filter(action="upload.terminated").exists()


def test_completed_upload_cannot_be_terminated(tus: TusTestClient) -> None:
    url = tus.new(3)
    assert tus.patch(url, 0, b"abc").status_code == 204
    assert tus.delete(url).status_code == 409
    assert _stored(url).is_complete
