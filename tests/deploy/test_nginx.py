"""deploy/nginx/oneway.conf, run by Debian's nginx in front of granian: TLS, uploads
streamed through without buffering, body limits, slow clients, static files, protected
media by X-Accel-Redirect, and the probes."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
UPLOAD_TESTS = ROOT / "tests" / "uploads"
sys.path.insert(0, str(UPLOAD_TESTS))

from tus_server import GranianServer, database_url, free_port  # noqa: E402
from tus_test_policy import PURPOSE, SECRET_HEADER  # noqa: E402

from oneway.uploads.models import Upload  # noqa: E402

HOST = "jobs.example.com"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed"),
]


@dataclass
class Site:
    base: str  # https://127.0.0.1:<port>
    http_port: int
    https_port: int
    cert: Path
    static: Path
    media: Path
    body_temp: Path

    def get(self, path: str, **kwargs: object) -> requests.Response:
        headers = {"Host": HOST, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return requests.get(
            f"{self.base}{path}", headers=headers, verify=str(self.cert), timeout=20, **kwargs
        )  # type: ignore[arg-type]

    def tls_socket(self) -> ssl.SSLSocket:
        context = ssl.create_default_context(cafile=str(self.cert))
        raw = socket.create_connection(("127.0.0.1", self.https_port), timeout=30)
        return context.wrap_socket(raw, server_hostname="127.0.0.1")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def render_site(conf: str, *, upstream: int, http: int, https: int, paths: dict[str, Path]) -> str:
    """The shipped file with this test's ports and paths (and without IPv6 listeners)."""
    lines = [line for line in conf.splitlines() if "[::]" not in line]
    text = "\n".join(lines)
    replacements = {
        "server 127.0.0.1:8000": f"server 127.0.0.1:{upstream}",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "/etc/letsencrypt/live/jobs.example.com/fullchain.pem": str(paths["cert"]),
        "/etc/letsencrypt/live/jobs.example.com/privkey.pem": str(paths["key"]),
        "/var/lib/oneway/static/": f"{paths['static']}/",
        "/var/lib/oneway/media/": f"{paths['media']}/",
        "/var/www/html": str(paths["acme"]),
    }
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx/oneway.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


@pytest.fixture
def site(transactional_db: None, tmp_path: Path) -> Iterator[Site]:
    media, static, acme, run = (tmp_path / n for n in ("media", "static", "acme", "nginx"))
    for folder in (media, static, acme, run):
        folder.mkdir()
    cert, key = make_certificate(tmp_path)
    granian = GranianServer(
        env={
            "DATABASE_URL": database_url(connection.settings_dict),
            "ONEWAY_DATA_DIR": str(tmp_path / "data"),
            "ONEWAY_UPLOAD_DIR": str(tmp_path / "incoming"),
            "ONEWAY_MEDIA_ROOT": str(media),
            # As deployed: production mode behind nginx, which redirects HTTP itself.
            "ONEWAY_PRODUCTION": "true",
            "ONEWAY_SECRET_KEY": secrets.token_urlsafe(64),
            "ONEWAY_SSL_REDIRECT": "false",
            "ONEWAY_BASE_URL": f"https://{HOST}",
            "ONEWAY_PROXY_COUNT": "1",
            "ONEWAY_METRICS_TOKEN": "t0ken-for-the-nginx-test",
        },
        log=tmp_path / "granian.log",
        target="nginx_app:make_app",
        pythonpath=(Path(__file__).resolve().parent,),
    )
    granian.start()
    http, https = free_port(), free_port()
    conf = render_site(
        (ROOT / "deploy" / "nginx" / "oneway.conf").read_text(),
        upstream=granian.port,
        http=http,
        https=https,
        paths={"cert": cert, "key": key, "static": static, "media": media, "acme": acme},
    )
    (run / "oneway.conf").write_text(conf)
    temps = "\n".join(
        f"  {kind}_temp_path {run / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (run / "nginx.conf").write_text(
        f"""user root;
worker_processes 1;
pid {run / "nginx.pid"};
error_log {run / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log {run / "access.log"};
{temps}
  include {run / "oneway.conf"};
}}
"""
    )
    command = [NGINX, "-p", str(run), "-c", str(run / "nginx.conf")]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen([*command, "-g", "daemon off;"])
    site = Site(f"https://127.0.0.1:{https}", http, https, cert, static, media, run / "client_body")
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if site.get("/healthz").status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert nginx.poll() is None, (run / "error.log").read_text()
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.1)
        yield site
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        granian.stop()


def tus_headers(**extra: str) -> dict[str, str]:
    return {"Host": HOST, "Tus-Resumable": "1.0.0", SECRET_HEADER: "nginx", **extra}


def test_an_upload_through_nginx_arrives_whole(site: Site) -> None:
    data = os.urandom(3 * 1024 * 1024 + 4321)
    metadata = f"purpose {base64.b64encode(PURPOSE.encode()).decode()}"
    created = requests.post(
        f"{site.base}/uploads/",
        headers=tus_headers(**{"Upload-Length": str(len(data)), "Upload-Metadata": metadata}),
        verify=str(site.cert),
        timeout=20,
    )
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    assert location.startswith(f"https://{HOST}/uploads/")  # the public address, via TLS
    path = "/" + location.split("/", 3)[3]
    offset = 0
    for size in (1_000_000, 1_500_000, len(data)):
        chunk = data[offset : offset + size]
        response = requests.patch(
            f"{site.base}{path}",
            data=chunk,
            headers=tus_headers(
                **{
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                }
            ),
            verify=str(site.cert),
            timeout=30,
        )
        assert response.status_code == 204, response.text
        assert len(response.headers["X-Request-ID"]) == 32  # nginx's $request_id
        offset += len(chunk)
    upload = Upload.objects.get(pk=path.rsplit("/", 1)[1])
    assert upload.is_complete
    stored = (site.media / upload.storage_name).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest()
    # The client's address reached Oneway through X-Forwarded-For.
    from oneway.core.models import AuditEntry

    entry = AuditEntry.objects.filter(action="upload.created", object_id=str(upload.pk)).get()
    assert entry.ip == "127.0.0.1"


def _read_status(sock: ssl.SSLSocket) -> int:
    head = b""
    while b"\r\n" not in head:
        block = sock.recv(4096)
        if not block:
            break
        head += block
    return int(head.split(b" ", 2)[1]) if head else 0


def test_upload_bodies_stream_through_without_buffering(site: Site) -> None:
    """Half a chunk is in Oneway's hands while the rest is still on its way: nginx keeps
    no copy of it (with buffering, it would wait for all of it in a scratch file)."""
    metadata = f"purpose {base64.b64encode(PURPOSE.encode()).decode()}"
    created = requests.post(
        f"{site.base}/uploads/",
        headers=tus_headers(**{"Upload-Defer-Length": "1", "Upload-Metadata": metadata}),
        verify=str(site.cert),
        timeout=20,
    )
    path = "/" + created.headers["Location"].split("/", 3)[3]
    body = os.urandom(2 * 1024 * 1024)
    with site.tls_socket() as sock:
        sock.sendall(
            (
                f"PATCH {path} HTTP/1.1\r\nHost: {HOST}\r\nTus-Resumable: 1.0.0\r\n"
                f"{SECRET_HEADER}: nginx\r\nUpload-Offset: 0\r\n"
                "Content-Type: application/offset+octet-stream\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            ).encode()
            + body[: len(body) // 2]
        )
        time.sleep(1.0)
        assert not [p for p in site.body_temp.rglob("*") if p.is_file()]
        sock.sendall(body[len(body) // 2 :])
        assert _read_status(sock) == 204
    assert Upload.objects.get(pk=path.rsplit("/", 1)[1]).offset == len(body)


@pytest.mark.parametrize(
    ("path", "size", "status"),
    [
        ("/uploads/00000000000000000000000000000000", 70 * 1024 * 1024, 413),  # > 64 MiB
        ("/accounts/login/", 7 * 1024 * 1024, 413),  # > 6 MiB anywhere else
    ],
)
def test_body_limits(site: Site, path: str, size: int, status: int) -> None:
    with site.tls_socket() as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {size}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        assert _read_status(sock) == status


def test_a_slow_body_is_cut_off(site: Site) -> None:
    with site.tls_socket() as sock:
        sock.sendall(
            f"POST /accounts/login/ HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 1000\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\nusername=".encode()
        )
        started = time.monotonic()
        status = _read_status(sock)
        waited = time.monotonic() - started
    assert status in (408, 0)  # 408, or the connection closed
    assert 9 <= waited < 20


def test_static_files_come_from_disk(site: Site) -> None:
    (site.static / "probe.css").write_text("body { color: teal }")
    response = site.get("/static/probe.css")
    assert response.status_code == 200
    assert response.text == "body { color: teal }"
    assert response.headers["Content-Type"] == "text/css"
    assert "X-Request-ID" not in response.headers  # Oneway was not asked


def test_local_media_is_sent_by_nginx_only_when_oneway_says_so(site: Site) -> None:
    (site.media / "answers").mkdir()
    (site.media / "answers" / "one.mp4").write_bytes(b"0123456789" * 1000)
    assert site.get("/_protected_media/answers/one.mp4").status_code == 404
    response = site.get("/_test/accel?name=answers/one.mp4")
    assert response.status_code == 200
    assert response.content == b"0123456789" * 1000
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    ranged = site.get("/_test/accel?name=answers/one.mp4", headers={"Range": "bytes=10-19"})
    assert ranged.status_code == 206
    assert ranged.content == b"0123456789"


def test_plain_http_goes_to_https_and_metrics_stay_inside(site: Site) -> None:
    response = requests.get(
        f"http://127.0.0.1:{site.http_port}/c/abc/",
        headers={"Host": HOST},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://{HOST}/c/abc/"
    hidden = site.get("/metrics", headers={"Authorization": "Bearer t0ken-for-the-nginx-test"})
    assert hidden.status_code == 404
    assert site.get("/readyz").json()["status"] == "ready"
