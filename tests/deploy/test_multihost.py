"""The deployment as a cluster: network namespaces as hosts (issue 14, section 2).

Two web hosts (granian running Oneway as deploy/systemd/oneway-web.service starts it)
behind nginx (deploy/nginx/oneway.conf with both of them as upstreams), two worker hosts
(Huey consumers as deploy/systemd/oneway-worker.service starts them), and PostgreSQL,
Redis and the test S3 server reached by every host over its veth address: the services
run in the root namespace on 127.0.0.1, and this test forwards a port on the bridge's
address to each (threads in this process; nothing of the machine's configuration
changes, and everything is removed at the end, on failure too).

Candidates (real invitations, sessions and takes) upload their answers through nginx
with the tus protocol and the upload's capability, retrying as the recorder's tus client
does. In the middle, one web host's server and one worker host's consumer (in the middle
of a job) are killed with SIGKILL; the killed consumer is started again after
RestartSec, as systemd does. Every upload completes with the same SHA-256, and every
answer is processed exactly once: one result per media item, recorded once.

Needs root and ``ip netns`` (CI runs as root); PostgreSQL only (the hosts share one
database). About a minute.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import random
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import connection
from waiting import wait_until

from .test_nginx import HOST, NGINX, make_certificate, render_site

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = int(os.environ.get("ONEWAY_TEST_MULTIHOST_REDIS_DB", "13"))
CANDIDATES = 8
CHUNK = 48 * 1024
CHUNK_PAUSE = 0.25
LEASE_SECONDS = 8
RESTART_SECONDS = 5  # RestartSec= of oneway-worker.service


def _can_use_namespaces() -> str:
    """Why this test cannot run here ("" when it can)."""
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs as root)"
    if shutil.which("ip") is None:
        return "iproute2's ip is not installed"
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        return "ip netns is not available here"
    return ""


pytestmark = [
    pytest.mark.slow,
    pytest.mark.s3,
    pytest.mark.postgres_only,
    pytest.mark.skipif(bool(_can_use_namespaces()), reason=_can_use_namespaces() or "-"),
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed"),
]


# --- Hosts: namespaces on a bridge ------------------------------------------------------


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def free_subnet() -> str:
    """A 10.x.y.0/24 no interface of this machine uses (as "10.x.y")."""
    used = subprocess.run(["ip", "-o", "-4", "addr"], capture_output=True, text=True).stdout
    for _ in range(100):
        prefix = f"10.{random.randint(160, 250)}.{random.randint(0, 255)}"
        if f" {prefix}." not in used:
            return prefix
    raise RuntimeError("no free 10.x.y.0/24 subnet")


@dataclass
class Network:
    """A bridge in the root namespace (``<prefix>.1``) and one namespace per host."""

    tag: str
    prefix: str
    hosts: dict[str, str] = field(default_factory=dict)  # name -> address
    namespaces: dict[str, str] = field(default_factory=dict)  # name -> netns

    @property
    def bridge(self) -> str:
        return f"owb{self.tag}"

    @property
    def gateway(self) -> str:
        return f"{self.prefix}.1"

    def create(self, names: list[str]) -> None:
        ip("link", "add", self.bridge, "type", "bridge")
        ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")
        for n, name in enumerate(names, start=1):
            netns, outside, inside = f"ow{self.tag}{name}", f"owv{self.tag}{n}", f"owi{self.tag}{n}"
            ip("netns", "add", netns)
            self.namespaces[name] = netns
            ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            ip("link", "set", inside, "netns", netns)
            ip("link", "set", outside, "master", self.bridge, "up")
            address = f"{self.prefix}.{10 + n}"
            ip("-n", netns, "link", "set", "lo", "up")
            ip("-n", netns, "addr", "add", f"{address}/24", "dev", inside)
            ip("-n", netns, "link", "set", inside, "up")
            self.hosts[name] = address

    def destroy(self) -> None:
        for netns in self.namespaces.values():
            pids = subprocess.run(["ip", "netns", "pids", netns], capture_output=True, text=True)
            for pid in pids.stdout.split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            # Deleting the namespace deletes its end of the veth pair, and so the pair.
            subprocess.run(["ip", "netns", "del", netns], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)


class Forwarder:
    """A TCP port on the bridge's address forwarded to a service on 127.0.0.1."""

    def __init__(self, listen: str, target: tuple[str, int]) -> None:
        self.target = target
        self.server = socket.create_server((listen, 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.server.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(256 * 1024):
                sink.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.server.close()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.close()


@dataclass
class HostProcess:
    name: str
    argv: list[str]
    netns: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                ["ip", "netns", "exec", self.netns, *self.argv],
                env=self.env,
                cwd=self.env["ONEWAY_DATA_DIR"],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def unit_command(unit: str) -> list[str]:
    """ExecStart of a shipped systemd unit, with this interpreter instead of the venv's."""
    text = (ROOT / "deploy" / "systemd" / unit).read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    argv = shlex.split(line.removeprefix("ExecStart="))
    assert argv[0] == "/opt/oneway/venv/bin/python", argv
    return [sys.executable, *argv[1:]]


def replace_option(argv: list[str], option: str, value: str) -> list[str]:
    assert option in argv, f"{option} is no longer in the unit's command: {argv}"
    at = argv.index(option)
    return [*argv[: at + 1], value, *argv[at + 2 :]]


# --- The cluster --------------------------------------------------------------------------


@dataclass
class Cluster:
    network: Network
    web: dict[str, HostProcess]
    workers: dict[str, HostProcess]
    base: str  # https://127.0.0.1:<port> (nginx)
    cert: Path
    data: Path
    secret_key: str

    def work_dir(self, worker: str) -> Path:
        return self.data / worker / "media-work"

    def access_lines(self, web: str) -> list[dict[str, Any]]:
        lines = []
        for line in self.web[web].log.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict) and record.get("logger") == "oneway.access":
                    lines.append(record)
        return lines


def database_url(host: str, port: int) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def answers_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def cluster(transactional_db: None, s3_server: Any, tmp_path: Path) -> Iterator[Cluster]:
    import redis

    redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}").flushdb()
    network = Network(tag=str(os.getpid() % 100000), prefix=free_subnet())
    forwarders: list[Forwarder] = []
    processes: list[HostProcess] = []
    nginx: subprocess.Popen[bytes] | None = None
    try:
        network.create(["web1", "web2", "wk1", "wk2"])
        db = connection.settings_dict
        s3_host, s3_port = s3_server.endpoint_url.removeprefix("http://").rsplit(":", 1)
        pg, cache, s3 = (
            Forwarder(network.gateway, (db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))),
            Forwarder(network.gateway, ("127.0.0.1", 6379)),
            Forwarder(network.gateway, (s3_host, int(s3_port))),
        )
        forwarders += [pg, cache, s3]
        base_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ONEWAY_")},
            "DJANGO_SETTINGS_MODULE": "oneway.settings",
            "DATABASE_URL": database_url(network.gateway, pg.port),
            "ONEWAY_REDIS_URL": f"redis://{network.gateway}:{cache.port}/{REDIS_DB}",
            "ONEWAY_S3_BUCKET": s3_server.bucket,
            "ONEWAY_S3_ENDPOINT_URL": f"http://{network.gateway}:{s3.port}",
            "ONEWAY_S3_REGION": s3_server.region,
            "ONEWAY_S3_ACCESS_KEY": s3_server.access_key,
            "ONEWAY_S3_SECRET_KEY": s3_server.secret_key,
            "ONEWAY_PRODUCTION": "true",
            "ONEWAY_SECRET_KEY": secrets.token_urlsafe(64),
            "ONEWAY_SSL_REDIRECT": "false",
            "ONEWAY_BASE_URL": f"https://{HOST}",
            "ONEWAY_PROXY_COUNT": "1",
            "ONEWAY_LOG_FORMAT": "json",
            "ONEWAY_TRANSCRIBER": "none",
            "ONEWAY_WORKERS": "1",
            "ONEWAY_MEDIA_LEASE_SECONDS": str(LEASE_SECONDS),
        }
        web_argv = unit_command("oneway-web.service")
        # One process of four threads per host: two hosts share this machine's cores.
        web_argv = replace_option(web_argv, "--workers", "1")
        web_argv = replace_option(web_argv, "--blocking-threads", "4")
        web: dict[str, HostProcess] = {}
        workers: dict[str, HostProcess] = {}
        for name in ("web1", "web2", "wk1", "wk2"):
            data = tmp_path / name
            data.mkdir()
            env = {**base_env, "ONEWAY_DATA_DIR": str(data)}
            if name.startswith("web"):
                argv = replace_option(web_argv, "--host", network.hosts[name])
                host = HostProcess(
                    name, argv, network.namespaces[name], env, tmp_path / f"{name}.log"
                )
                web[name] = host
            else:
                argv = unit_command("oneway-worker.service")
                host = HostProcess(
                    name, argv, network.namespaces[name], env, tmp_path / f"{name}.log"
                )
                workers[name] = host
            processes.append(host)
            host.start()

        cert, key = make_certificate(tmp_path)
        run = tmp_path / "nginx"
        run.mkdir()
        static, media, acme = (tmp_path / n for n in ("static", "media", "acme"))
        for folder in (static, media, acme):
            folder.mkdir()
        http_port, https_port = free_port(), free_port()
        conf = render_site(
            (ROOT / "deploy" / "nginx" / "oneway.conf").read_text(),
            upstream=1,
            http=http_port,
            https=https_port,
            paths={"cert": cert, "key": key, "static": static, "media": media, "acme": acme},
        )
        upstreams = "\n    ".join(
            f"server {network.hosts[name]}:8000 max_fails=3 fail_timeout=10s;"
            for name in ("web1", "web2")
        )
        conf = conf.replace("server 127.0.0.1:1 max_fails=3 fail_timeout=10s;", upstreams)
        assert upstreams in conf
        (run / "oneway.conf").write_text(conf)
        temps = "\n".join(
            f"  {kind}_temp_path {run / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (run / "nginx.conf").write_text(
            f"user root;\nworker_processes 1;\npid {run / 'nginx.pid'};\n"
            f"error_log {run / 'error.log'} warn;\nevents {{ worker_connections 512; }}\n"
            f"http {{\n  include /etc/nginx/mime.types;\n  access_log {run / 'access.log'};\n"
            f"{temps}\n  include {run / 'oneway.conf'};\n}}\n"
        )
        command = [NGINX, "-p", str(run), "-c", str(run / "nginx.conf")]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        nginx = subprocess.Popen([*command, "-g", "daemon off;"])

        for name, host in web.items():
            url = f"http://{network.hosts[name]}:8000/healthz"
            wait_until(
                lambda url=url, host=host: answers_ok(url) or _died(host), 60, f"{name} to start"
            )
            assert host.process is not None and host.process.poll() is None, host.log.read_text()
        yield Cluster(
            network,
            web,
            workers,
            f"https://127.0.0.1:{https_port}",
            cert,
            tmp_path,
            base_env["ONEWAY_SECRET_KEY"],
        )
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        for host in processes:
            host.kill()  # nothing to keep: no graceful stop needed
        for forwarder in forwarders:
            forwarder.close()
        network.destroy()
        redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}").flushdb()


def _died(host: HostProcess) -> bool:
    return host.process is not None and host.process.poll() is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- Candidates ---------------------------------------------------------------------------


@dataclass
class Answerer:
    session: str
    take: int
    data: bytes
    retries: int = 0
    offset: int = 0
    location: str = ""
    token: str = ""


def make_recording(folder: Path) -> bytes:
    path = folder / "answer.webm"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "5",
         "-c:v", "libvpx", "-b:v", "500k", "-c:a", "libopus", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def seed_candidates(count: int, data: bytes, secret_key: str) -> list[Answerer]:
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import override_settings

    from oneway.candidate.services import answer_reveal, candidate_consent, take_start
    from oneway.candidate.session import SESSION_KEY
    from oneway.candidate.testing import create_candidate
    from oneway.core.models import Organisation

    org = Organisation.objects.create(name="Cluster Hiring", slug="cluster-hiring")
    answerers = []
    for n in range(count):
        # Originals kept (the default), so that the stored bytes can be compared.
        link = create_candidate(org, questions=["video"], email=f"c{n}@example.com")
        candidate_consent(invitation=link.invitation, consent_text="I agree.")
        answer = answer_reveal(invitation=link.invitation, question=link.questions[0])
        take = take_start(answer=answer)
        # As after candidate:enter on a web host: signed with the hosts' secret key.
        with override_settings(SECRET_KEY=secret_key):
            session = SessionStore()
            session[SESSION_KEY] = link.invitation.pk
            session.create()
        answerers.append(Answerer(session.session_key or "", take.pk, data))
    return answerers


class Client:
    """What the recorder's tus client does, through nginx: create with the session, then
    PATCH with the capability; after a failure, wait, ask the offset (HEAD) and resume."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.http = requests.Session()
        self.verify = str(cluster.cert)  # per request: the environment may name a CA bundle

    def _headers(self, answerer: Answerer, **extra: str) -> dict[str, str]:
        return {
            "Host": HOST,
            "Tus-Resumable": "1.0.0",
            "Cookie": f"sessionid={answerer.session}",
            **extra,
        }

    def create(self, answerer: Answerer) -> None:
        metadata = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}"
            for k, v in (
                ("purpose", "answer"),
                ("take", str(answerer.take)),
                ("filename", "answer.webm"),
                ("filetype", "video/webm"),
            )
        )
        response = self.http.post(
            f"{self.cluster.base}/uploads/",
            headers=self._headers(
                answerer, **{"Upload-Defer-Length": "1", "Upload-Metadata": metadata}
            ),
            timeout=30,
            verify=self.verify,
        )
        assert response.status_code == 201, response.text
        answerer.location = "/" + response.headers["Location"].split("/", 3)[3]
        answerer.token = response.headers["X-Upload-Token"]

    def stream(self, answerer: Answerer) -> None:
        token = answerer.token
        data = answerer.data
        while answerer.offset < len(data):
            chunk = data[answerer.offset : answerer.offset + CHUNK]
            last = answerer.offset + len(chunk) >= len(data)
            headers = self._headers(
                answerer,
                **{
                    "X-Upload-Token": token,
                    "Upload-Offset": str(answerer.offset),
                    "Content-Type": "application/offset+octet-stream",
                },
            )
            if last:
                headers["Upload-Length"] = str(len(data))
            try:
                response = self.http.patch(
                    self.cluster.base + answerer.location,
                    data=chunk,
                    headers=headers,
                    timeout=30,
                    verify=self.verify,
                )
                if response.status_code == 204:
                    answerer.offset = int(response.headers["Upload-Offset"])
                    time.sleep(CHUNK_PAUSE)
                    continue
                assert response.status_code >= 500, (response.status_code, response.text)
            except requests.ConnectionError:
                pass
            answerer.retries += 1
            assert answerer.retries <= 20, "too many retries"
            time.sleep(1)
            answerer.offset = self.head(answerer, token)

    def head(self, answerer: Answerer, token: str) -> int:
        for _ in range(20):
            try:
                response = self.http.head(
                    self.cluster.base + answerer.location,
                    headers=self._headers(answerer, **{"X-Upload-Token": token}),
                    timeout=30,
                    verify=self.verify,
                )
                if response.status_code == 200:
                    return int(response.headers["Upload-Offset"])
            except requests.ConnectionError:
                pass
            time.sleep(1)
        raise AssertionError("HEAD never answered")


# --- The test -------------------------------------------------------------------------------


def test_uploads_and_jobs_survive_a_killed_web_host_and_a_killed_worker(
    cluster: Cluster, s3_server: Any, tmp_path: Path
) -> None:
    from oneway.core.models import AuditEntry, Take
    from oneway.media.models import MediaItem, ProcessingState
    from oneway.uploads.models import Upload

    data = make_recording(tmp_path)
    answerers = seed_candidates(CANDIDATES, data, cluster.secret_key)
    client = Client(cluster)
    for answerer in answerers:
        client.create(answerer)

    killed_worker = threading.Event()

    def kill_a_worker_mid_job() -> None:
        # wk1 is killed while it works on an item (its scratch folder exists), then
        # started again after RestartSec, as systemd does.
        work = cluster.work_dir("wk1")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if work.exists() and any(work.glob("item-*")):
                cluster.workers["wk1"].kill()
                killed_worker.set()
                time.sleep(RESTART_SECONDS)
                cluster.workers["wk1"].start()
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_worker_mid_job, daemon=True)
    killer.start()
    with ThreadPoolExecutor(CANDIDATES) as pool:
        streams = [pool.submit(Client(cluster).stream, answerer) for answerer in answerers]
        # web1 is killed once it has taken chunks, while every upload is under way.
        wait_until(
            lambda: any(
                line["method"] == "PATCH" and line["status"] == 204
                for line in cluster.access_lines("web1")
            ),
            30,
            "web1 to take a chunk",
        )
        cluster.web["web1"].kill()
        for future in streams:
            future.result(timeout=120)
    assert all(answerer.offset == len(data) for answerer in answerers)

    # Every upload complete, whole: the stored original has the recording's SHA-256.
    s3 = s3_server.client()
    expected = hashlib.sha256(data).hexdigest()
    takes = Take.objects.filter(pk__in=[a.take for a in answerers]).select_related("media")
    assert len(takes) == CANDIDATES
    for take in takes:
        upload = Upload.objects.get(pk=take.upload_id)
        assert upload.completed_at is not None and upload.offset == len(data)
        body = s3.get_object(Bucket=s3_server.bucket, Key=upload.storage_name)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == expected

    # Every answer processed exactly once, including the one whose worker was killed.
    items = [take.media_id for take in takes]
    wait_until(
        lambda: (
            MediaItem.objects.filter(pk__in=items, state=ProcessingState.READY).count()
            == CANDIDATES
        ),
        # A lease still running when wk1 is back is found by the next minute's sweep.
        100,
        "every answer to be processed",
    )
    assert killed_worker.is_set(), "wk1 never took a job: nothing was killed mid-job"
    processed = AuditEntry.objects.filter(
        action="media.processed", object_id__in=[str(i) for i in items]
    )
    assert sorted(int(entry.object_id) for entry in processed) == sorted(items)
    ready = MediaItem.objects.filter(pk__in=items)
    # The job cut off by the kill ran again (a later attempt; under heavy load a slow job
    # may also lose its lease to another worker: still one result, recorded once).
    assert any(item.attempts >= 2 for item in ready), [item.attempts for item in ready]
    for item in ready:
        head = s3.head_object(Bucket=s3_server.bucket, Key=item.rendition_name)
        assert head["ContentLength"] > 0
    # Both web hosts took chunks; web2 took every one after web1 was killed.
    assert any(line["method"] == "PATCH" for line in cluster.access_lines("web2"))
