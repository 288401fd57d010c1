"""Fixtures for the upload (tus) tests."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from tus_test_policy import PURPOSE, SECRET_HEADER, register

register()

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


@pytest.fixture(autouse=True)
def upload_dirs(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Each test gets its own in-progress directory and local media storage."""
    settings.UPLOAD_TEMP_DIR = tmp_path / "incoming"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/m/"},
        },
    }
    yield tmp_path


def encode_metadata(**values: str) -> str:
    return ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}" if v else k for k, v in values.items()
    )


class TusTestClient:
    """Raw tus requests through Django's test client."""

    def __init__(self, secret: str = "s3cret") -> None:
        self.client = Client()
        self.secret = secret

    def headers(self, **extra: str) -> dict[str, str]:
        return {**TUS, f"HTTP_{SECRET_HEADER.upper().replace('-', '_')}": self.secret, **extra}

    def create(self, length: int | None = 10, data: bytes | None = None, **meta: str) -> Any:
        extra: dict[str, str] = {}
        if length is None:
            extra["HTTP_UPLOAD_DEFER_LENGTH"] = "1"
        else:
            extra["HTTP_UPLOAD_LENGTH"] = str(length)
        extra["HTTP_UPLOAD_METADATA"] = encode_metadata(purpose=PURPOSE, **meta)
        if data is None:
            return self.client.generic("POST", "/uploads/", b"", **self.headers(**extra))
        return self.client.generic(
            "POST",
            "/uploads/",
            data,
            content_type="application/offset+octet-stream",
            **self.headers(**extra),
        )

    def new(self, length: int | None = 10, **meta: str) -> str:
        response = self.create(length, **meta)
        assert response.status_code == 201, response.content
        return str(response["Location"])

    def patch(self, url: str, offset: int, data: bytes, **extra: str) -> Any:
        content_type = extra.pop("content_type", "application/offset+octet-stream")
        return self.client.generic(
            "PATCH",
            url,
            data,
            content_type=content_type,
            # The test client leaves the type out of an empty body; tus clients do not.
            CONTENT_TYPE=content_type,
            **self.headers(HTTP_UPLOAD_OFFSET=str(offset), **extra),
        )

    def head(self, url: str, **extra: str) -> Any:
        return self.client.head(url, **self.headers(**extra))

    def delete(self, url: str, **extra: str) -> Any:
        return self.client.delete(url, **self.headers(**extra))


@pytest.fixture
def tus(db: None) -> TusTestClient:
    return TusTestClient()
