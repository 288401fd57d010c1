"""/healthz and /readyz: liveness, and readiness of database, storage, queue and cache."""

import json
import os
from io import BytesIO
from pathlib import Path
from typing import Any

import huey
import pytest
from django.test import Client

from oneway import wsgi
from oneway.core.middleware import request_id_for

DEAD_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_answers_without_touching_anything(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_each_dependency(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"] == {
        "database": {"ok": True},
        "storage": {"ok": True},
        "queue": {"ok": True},
    }


@pytest.mark.django_db
def test_readyz_is_503_with_a_problem_body_when_the_queue_is_gone(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("huey.contrib.djhuey.HUEY", huey.RedisHuey("oneway", url=DEAD_REDIS))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    body = json.loads(response.content)
    assert body["status"] == 503
    assert body["detail"] == "Not reachable: queue."
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["queue"]["ok"] is False
    assert "Connection" in body["checks"]["queue"]["detail"]


@pytest.mark.django_db
def test_readyz_is_503_when_the_media_folder_is_not_writable(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    settings.MEDIA_ROOT = tmp_path / "a-file" / "media"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["checks"]["storage"] == {
        "ok": False,
        "detail": f"the media folder {settings.MEDIA_ROOT} cannot be created or written",
    }


@pytest.mark.django_db
def test_folders_not_made_yet_are_made_not_reported(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "new" / "media"
    settings.UPLOAD_TEMP_DIR = tmp_path / "new" / "uploads"
    assert client.get("/readyz").status_code == 200
    assert settings.UPLOAD_TEMP_DIR.is_dir()


@pytest.mark.django_db
def test_readyz_checks_the_redis_cache_when_redis_is_configured(
    client: Client, settings: Any
) -> None:
    settings.REDIS_URL = DEAD_REDIS
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["cache"]["ok"] is False


@pytest.mark.s3
@pytest.mark.django_db
def test_readyz_checks_the_s3_bucket(client: Client, s3_storage: Any, settings: Any) -> None:
    assert client.get("/readyz").status_code == 200
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**options, "bucket_name": "no-such-bucket"},
        },
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["storage"]["ok"] is False


def _wsgi_get(path: str, host: str, **environ: str) -> tuple[str, dict[str, str], bytes]:
    """One request through oneway.wsgi.application, as granian would make it."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"] = status
        captured["headers"] = dict(headers)

    env = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "8000",
        "HTTP_HOST": host,
        "wsgi.input": BytesIO(b""),
        "wsgi.url_scheme": "http",
        "SERVER_PROTOCOL": "HTTP/1.1",
        **environ,
    }
    body = b"".join(wsgi.application(env, start_response))
    return captured["status"], captured["headers"], body


@pytest.mark.django_db(transaction=True)
def test_probes_by_address_take_the_lane_and_skip_the_host_check() -> None:
    # A load balancer probes 10.0.0.5:8000 without the public host name.
    status, headers, body = _wsgi_get("/healthz", "10.0.0.5")
    assert status.startswith("200"), body
    assert headers["X-Request-ID"]
    status, _, body = _wsgi_get("/readyz", "10.0.0.5")
    assert status.startswith("200"), body
    # Every other page still refuses an unknown host.
    status, _, _ = _wsgi_get("/accounts/login/", "10.0.0.5")
    assert status.startswith("400")


def test_request_ids_from_the_proxy_are_kept_and_bad_ones_replaced(client: Client) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="0123456789abcdef0123456789abcdef")
    assert response["X-Request-ID"] == "0123456789abcdef0123456789abcdef"
    response = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")
    assert response["X-Request-ID"] != "<script>"
    assert len(response["X-Request-ID"]) == 32


def test_new_request_ids_are_unique_and_differ_in_a_forked_worker() -> None:
    """A web server may fork its workers after importing Oneway: each makes its own ids."""
    ids = {request_id_for("") for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(len(value) == 32 and int(value, 16) >= 0 for value in ids)
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: its next id, to the parent
        try:
            os.write(write_end, request_id_for("").encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(child, 0)
    with os.fdopen(read_end, "rb") as pipe:
        from_child = pipe.read().decode()
    assert len(from_child) == 32
    assert from_child != request_id_for("")  # the parent's next: same counter, other key
    assert from_child not in ids


def test_probes_answer_head_requests_too(client: Client) -> None:
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
