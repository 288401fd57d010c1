"""Ingest benchmark: simulated candidates streaming their recordings to the tus server.

Each candidate is real (_ingest_candidates.py: an invitation in progress, takes recording,
a database session) and streams a real recording (a 60 s WebM at the bitrate the recorder
asks for) as the recorder does: it creates the take's upload with its session cookie,
through the candidate flow's own upload policy (candidate/policies.py), then sends a chunk
every UPLOAD_EVERY_MS with the upload's capability (X-Upload-Token), each chunk being
what the recording produced in that interval (or UPLOAD_AT_BYTES, if sooner; both read
from recorder.js), with correct offsets, and completes the upload with the last one (the
policy then demuxes the whole recording). The first answer of each candidate is shorter,
by a length of its own, so that answers end at different moments; then it records the
next answer. Candidates begin over the first three quarters of the warm-up. Failed
requests are retried as tus-js-client does (``RETRY_DELAYS``). The server is the production setup: granian (WSGI, 2 workers of 6 threads;
more threads only add GIL hand-offs) with PostgreSQL, local in-progress storage, jobs
queued for workers that are not running. The load generator is one asyncio process (plain
HTTP/1.1 over asyncio streams, one keep-alive connection per candidate) on the same 2-core
machine, loopback only.

Reports per level: achieved PATCH rate against the target, acknowledgement latency
(p50/p99/max), errors, server CPU and memory, PostgreSQL backend CPU, the load
generator's own CPU; then a py-spy profile of one web worker at ``--profile-level``; then
the baselines (``durable``: the least a durable PATCH can do) at ``--baseline-levels``,
with Oneway's rate and CPU per PATCH relative to theirs.

    .venv/bin/python bench/ingest.py                   # 50, 200, 500, 1000 for 60 s each
    .venv/bin/python bench/ingest.py --levels 20 --duration 5 --no-profile \
        --baselines durable --baseline-levels 20       # smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import math
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PURPOSE = "answer"  # the candidate flow's own upload policy (candidate/policies.py)
CAPABILITY_HEADER = "X-Upload-Token"
SESSION_COOKIE = "sessionid"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- The server side --------------------------------------------------------------------


def make_app() -> Any:
    """granian --factory target: Oneway's WSGI app as deployed (the real candidate upload
    policy, the per-upload capability), or with ONEWAY_BENCH_BASELINE set, one of the
    baselines in _ingest_baselines.py."""
    baseline = os.environ.get("ONEWAY_BENCH_BASELINE", "")
    if baseline == "bare":
        from _ingest_baselines import bare_app

        return bare_app()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneway.settings")
    from oneway.wsgi import application

    if baseline == "durable":
        from _ingest_baselines import durable_app

        return durable_app(application, CAPABILITY_HEADER)
    if baseline == "gated":
        # ``durable`` behind the body gate, as Oneway's own lanes are: what the gate costs.
        from _ingest_baselines import durable_app

        from oneway.core.bodygate import BodyGate

        return BodyGate(durable_app(application.app, CAPABILITY_HEADER))
    return application


# --- The recorder's cadence (read from recorder.js, so that the two cannot drift) -------


def recorder_cadence() -> tuple[float, int]:
    """(seconds between chunks on a fast connection, bytes that trigger a chunk sooner)."""
    text = (ROOT / "src/oneway/candidate/static/candidate/recorder.js").read_text()
    every = re.search(r"export const UPLOAD_EVERY_MS = ([0-9_]+);", text)
    at_bytes = re.search(r"export const UPLOAD_AT_BYTES = ([0-9 *]+);", text)
    if every is None or at_bytes is None:
        raise RuntimeError("recorder.js no longer declares UPLOAD_EVERY_MS / UPLOAD_AT_BYTES")
    size = 1
    for factor in at_bytes.group(1).split("*"):
        size *= int(factor)
    return int(every.group(1).replace("_", "")) / 1000, size


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_database(admin_url: str, name: str, env: dict[str, str]) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    subprocess.run(
        [sys.executable, "-m", "oneway", "migrate", "--noinput", "-v0"],
        env={**env, "DATABASE_URL": url},
        check=True,
        cwd=ROOT,
    )
    return url


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    def __init__(self, env: dict[str, str], workers: int, threads: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.workers = workers
        self.threads = threads
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--blocking-threads",
            str(self.threads),
            "--backlog",
            "4096",
            "--no-ws",
            "--log-level",
            "error",
            "ingest:make_app",
        ]
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                command,
                env={**self.env, "PYTHONPATH": str(HERE)},
                cwd=HERE,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        import urllib.request

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(f"{self.url}/uploads/", method="OPTIONS")
                with urllib.request.urlopen(request, timeout=1) as response:  # noqa: S310
                    if response.status == 204:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("granian did not start: " + self.log.read_text()[-2000:])
        # Let every worker finish starting.
        time.sleep(2)

    def pids(self) -> list[int]:
        assert self.process is not None
        return [self.process.pid, *children(self.process.pid)]

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        return children(self.process.pid)

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            child = int(entry.name)
            found += [child, *children(child)]
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLK_TCK


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except OSError:
            continue
    return total


def postgres_backends(admin_url: str, name: str) -> list[int]:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchall()
    return [row[0] for row in rows]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- The load generator -----------------------------------------------------------------


@dataclass
class LevelResult:
    candidates: int
    duration: float
    acks: int = 0
    retries: int = 0
    acked_bytes: int = 0
    interval: float = 1.0
    latencies: list[float] = field(default_factory=list)
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    completed: int = 0
    server_cpu: float = 0.0
    server_rss_max: int = 0
    postgres_cpu: float = 0.0
    generator_cpu: float = 0.0
    load_before: str = ""
    load_after: str = ""

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def summary(self) -> dict[str, Any]:
        return {
            "candidates": self.candidates,
            "duration_s": round(self.duration, 1),
            "target_patch_per_s": round(self.candidates / self.interval, 1),
            "achieved_patch_per_s": round(self.acks / self.duration, 1),
            "achieved_mb_per_s": round(self.acked_bytes / self.duration / 1e6, 1),
            "p50_ms": round(self.percentile(50) * 1000, 1),
            "p99_ms": round(self.percentile(99) * 1000, 1),
            "max_ms": round(max(self.latencies, default=float("nan")) * 1000, 1),
            "errors": sum(self.errors.values()),
            "retries": self.retries,
            "error_kinds": dict(self.errors),
            "answers_completed": self.completed,
            "server_cpu_percent": round(self.server_cpu * 100, 1),
            "cpu_ms_per_patch": {
                "server": round(1000 * self.server_cpu * self.duration / max(self.acks, 1), 2),
                "postgres": round(1000 * self.postgres_cpu * self.duration / max(self.acks, 1), 2),
                "generator": round(
                    1000 * self.generator_cpu * self.duration / max(self.acks, 1), 2
                ),
            },
            "server_rss_max_mb": round(self.server_rss_max / 1e6, 1),
            "postgres_cpu_percent": round(self.postgres_cpu * 100, 1),
            "generator_cpu_percent": round(self.generator_cpu * 100, 1),
            "load_before": self.load_before,
            "load_after": self.load_after,
        }


class Connection:
    """One candidate's keep-alive HTTP/1.1 connection, spoken directly over asyncio streams.

    The generator shares the machine's two cores with the server: a bare client costs a
    fraction of a general-purpose one per request, which leaves that CPU to the server."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, dict[str, str]]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        if body:
            self.writer.write(body)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        answer = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                answer[name.strip().lower()] = value.strip()
        if method == "HEAD":
            pass  # no body, whatever Content-Length says
        elif answer.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length := int(answer.get("content-length", "0")):
            await self.reader.readexactly(length)
        if answer.get("connection", "").lower() == "close":
            self.close()
        return status, answer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


CLIENT_ERRORS = (
    OSError,
    asyncio.IncompleteReadError,
    asyncio.LimitOverrunError,
    ValueError,
    IndexError,
)


@dataclass(frozen=True)
class Seeded:
    """One candidate as _ingest_candidates.py left it: a session and takes to record."""

    session: str
    takes: list[int]


@dataclass(frozen=True)
class Stream:
    """What every candidate streams: the recording, cut into the recorder's chunks."""

    chunks: list[bytes]
    interval: float


async def candidate(
    n: int,
    seeded: Seeded,
    base_url: str,
    stream: Stream,
    begin: float,
    end: float,
    result: LevelResult,
    measuring: list[bool],
) -> None:
    loop = asyncio.get_running_loop()
    host, port = base_url.removeprefix("http://").split(":")
    connection = Connection(host, int(port))
    # What the recorder sends: the session cookie (the browser sends it with every
    # request), and from creation on the upload's capability.
    headers = {"Tus-Resumable": "1.0.0", "Cookie": f"{SESSION_COOKIE}={seeded.session}"}
    takes = iter(seeded.takes)
    next_send = begin
    first_done = False
    try:
        while loop.time() < end:
            take = next(takes, None)
            if take is None:
                result.errors["no take left (seed more answers)"] += 1
                return
            create = {
                **headers,
                "Upload-Defer-Length": "1",
                "Upload-Metadata": ",".join(
                    f"{key} {_b64(value)}"
                    for key, value in (
                        ("purpose", PURPOSE),
                        ("take", str(take)),
                        ("filename", "answer.webm"),
                        ("filetype", "video/webm"),
                    )
                ),
            }
            try:
                status, answer = await asyncio.wait_for(
                    connection.request("POST", "/uploads/", create), TIMEOUT
                )
            except (TimeoutError, *CLIENT_ERRORS) as exc:
                connection.close()
                result.errors[f"create {type(exc).__name__}"] += 1
                await asyncio.sleep(1)
                continue
            if status != 201 or CAPABILITY_HEADER.lower() not in answer:
                result.errors[f"create {status}"] += 1
                await asyncio.sleep(1)
                continue
            location = "/" + answer["location"].split("/", 3)[3]
            patch_headers = {**headers, CAPABILITY_HEADER: answer[CAPABILITY_HEADER.lower()]}
            offset = 0
            # Candidates are at different points of their interviews: the first answer of
            # each is cut to a length of its own (a recording cut short is accepted up to
            # the cut), so answers do not all end (and the next ones start) in the same
            # second, which no real group of candidates does.
            total = len(stream.chunks)
            count = total if first_done else 1 + (n * 7919) % total
            first_done = True
            for index in range(count):
                body = stream.chunks[index]
                now = loop.time()
                if now >= end:
                    return
                if next_send > now:
                    await asyncio.sleep(next_send - now)
                # One chunk per interval; a candidate that fell behind does not burst.
                next_send = max(next_send + stream.interval, loop.time())
                patch = {
                    **patch_headers,
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                }
                if index == count - 1:
                    patch["Upload-Length"] = str(offset + len(body))
                sent = loop.time()
                # Counted if sent inside the measured window (whenever the answer comes).
                counted = measuring[0]
                acked = await send_chunk(connection, location, patch, body, offset, result, counted)
                if acked is None:
                    break  # given up, as the recorder's tus client would: a new answer
                offset = acked
                if counted:
                    result.acks += 1
                    result.acked_bytes += len(body)
                    result.latencies.append(loop.time() - sent)
                    if index == count - 1:
                        result.completed += 1
    finally:
        connection.close()


TIMEOUT = 30
RAMP = 0.75
# tus-js-client's retryDelays as the recorder sets them (recorder.js): after a failure (no
# answer, or a 5xx such as the body gate's 503), wait, ask the offset (HEAD), resume.
RETRY_DELAYS = (0.0, 1.0, 2.0)


async def send_chunk(
    connection: Connection,
    location: str,
    patch: dict[str, str],
    body: bytes,
    offset: int,
    result: LevelResult,
    counted: bool,
) -> int | None:
    """PATCH one chunk as the recorder's tus client does, retries included. Returns the
    new offset, or None when it gave up (an error). Retries are counted apart: they are
    part of the acknowledgement's latency, not errors."""
    last = "patch gave up"
    for attempt in range(len(RETRY_DELAYS) + 1):
        if attempt:
            if counted:
                result.retries += 1
            await asyncio.sleep(RETRY_DELAYS[attempt - 1])
            head = {k: v for k, v in patch.items() if k not in ("Upload-Offset", "Content-Type")}
            head.pop("Upload-Length", None)
            try:
                status, answer = await asyncio.wait_for(
                    connection.request("HEAD", location, head), TIMEOUT
                )
            except (TimeoutError, *CLIENT_ERRORS):
                connection.close()
                continue
            if status != 200 or "upload-offset" not in answer:
                continue
            stored = int(answer["upload-offset"])
            if stored == offset + len(body):
                return stored  # it was stored; only the answer was lost
            if stored != offset:
                break  # the upload is not where this client thinks: an error
        try:
            status, answer = await asyncio.wait_for(
                connection.request("PATCH", location, patch, body), TIMEOUT
            )
        except (TimeoutError, *CLIENT_ERRORS) as exc:
            connection.close()
            last = f"patch {type(exc).__name__}"
            continue
        new_offset = answer.get("upload-offset")
        if status == 204 and new_offset is not None:
            return int(new_offset)
        last = f"patch {status}"
        if status < 500:
            break  # refused: tus clients do not retry a 4xx
    if counted:
        result.errors[last] += 1
    return None


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


async def run_level(
    server: Server,
    seeded: list[Seeded],
    stream: Stream,
    duration: float,
    warmup: float,
    pg: tuple[str, str],
) -> LevelResult:
    candidates = len(seeded)
    result = LevelResult(candidates=candidates, duration=duration, interval=stream.interval)
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.5
    end = start + warmup + duration
    measuring = [False]
    tasks = [
        asyncio.create_task(
            candidate(
                n,
                seeded[n],
                server.url,
                stream,
                # Candidates begin over the first three quarters of the warm-up: real ones
                # are at different points of their interviews, and a thousand uploads
                # created in the same second are a burst no deadline day brings.
                start + RAMP * warmup * n / candidates,
                end,
                result,
                measuring,
            )
        )
        for n in range(candidates)
    ]
    await asyncio.sleep(max(0, start + warmup - loop.time()))
    # The measured window.
    result.load_before = load_average()
    pids = server.pids()
    server_cpu = cpu_seconds(pids)
    # PostgreSQL backends come and go (Django recycles connections): follow each one,
    # counting a newcomer from zero and a leaver up to its last sample.
    pg_first = {pid: cpu_seconds([pid]) for pid in postgres_backends(*pg)}
    pg_last = dict(pg_first)
    own = resource.getrusage(resource.RUSAGE_SELF)
    began = time.monotonic()
    measuring[0] = True
    while loop.time() < end:
        result.server_rss_max = max(result.server_rss_max, rss_bytes(pids))
        for pid in postgres_backends(*pg):
            pg_last[pid] = max(pg_last.get(pid, 0.0), cpu_seconds([pid]))
        await asyncio.sleep(1)
    measuring[0] = False
    elapsed = time.monotonic() - began
    result.duration = elapsed
    result.server_cpu = (cpu_seconds(pids) - server_cpu) / elapsed
    for pid in postgres_backends(*pg):
        pg_last[pid] = max(pg_last.get(pid, 0.0), cpu_seconds([pid]))
    pg_used = sum(last - pg_first.get(pid, 0.0) for pid, last in pg_last.items())
    result.postgres_cpu = pg_used / elapsed
    after = resource.getrusage(resource.RUSAGE_SELF)
    result.generator_cpu = (after.ru_utime - own.ru_utime + after.ru_stime - own.ru_stime) / elapsed
    result.load_after = load_average()
    done, pending = await asyncio.wait(tasks, timeout=35)
    for task in pending:
        task.cancel()
    return result


# --- Profiling ----------------------------------------------------------------------------

# Where a sampled request thread is, from the inside out: the first match names it.
CATEGORIES = [
    ("fsync of the chunk", re.compile(r";flush \(")),
    ("writing the chunk into the upload file", re.compile(r"[;.]copy_into \(")),
    ("receiving the body", re.compile(r";receive_body \(")),
    (
        "DB: BEGIN + SELECT ... FOR UPDATE",
        re.compile(
            r"(__enter__ \(contextlib.py.*;row_lock_in_two_trips|upload_append .*;fetch_upload) \("
        ),
    ),
    (
        "DB: UPDATE + COMMIT",
        re.compile(
            r"(TwoTripLock.commit \(|;save_upload_fields \("
            r"|upload_append \(.*(transaction\.py|;commit \())"
        ),
    ),
    ("DB: early read (refuse before the body)", re.compile(r";_get_upload \(")),
    ("creating uploads", re.compile(r";upload_create \(")),
    ("completing answers", re.compile(r";_complete \(")),
]
OTHER = "Django + granian request handling, policy, response"


def profile(pid: int, seconds: int, out: Path) -> dict[str, Any]:
    """Sample one worker's threads with py-spy, waiting ones included (--idle): where the
    time of a request goes. Classify the samples of request threads."""
    command = [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid)]
    command += ["--duration", str(seconds), "--rate", "50", "--format", "raw", "--idle"]
    command += ["--nonblocking", "--output", str(out)]
    subprocess.run(command, check=True, capture_output=True)
    categories: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "oneway/" not in stack or not count.isdigit():
            continue  # threads waiting for a request
        label = next((name for name, rx in CATEGORIES if rx.search(stack)), OTHER)
        categories[label] += int(count)
        leaves[_short(stack.split(";")[-1])] += int(count)
    total = sum(categories.values()) or 1
    return {
        "samples": sum(categories.values()),
        "categories": {k: round(100 * v / total, 1) for k, v in categories.most_common()},
        "top_frames": [(k, round(100 * v / total, 1)) for k, v in leaves.most_common(10)],
    }


def _short(frame: str) -> str:
    return re.sub(r"\(/[^)]*?(site-packages|src)/", "(", frame)


# --- Main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="50,200,500,1000")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=20)
    parser.add_argument(
        "--recording",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "oneway-bench"
        / "answer-60s.webm",
        help="the recording every candidate streams (made on first use)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--profile-level", type=int, default=1000)
    parser.add_argument("--profile-seconds", type=int, default=20)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--keep-profiles", type=Path, help="copy py-spy's raw output here")
    parser.add_argument(
        "--baselines",
        default="bare,durable",
        help="baselines (_ingest_baselines.py) to measure in the same run; '' for none",
    )
    parser.add_argument("--baseline-levels", default="1000")
    parser.add_argument(
        "--baselines-first", action="store_true", help="measure the baselines before Oneway"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the whole comparison this many times, the order swapped each round, and "
        "print the median ratios",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="oneway-bench-ingest-"))
    db_name = f"bench_ingest_{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "oneway.settings",
        "ONEWAY_DATA_DIR": str(workdir / "data"),
        "ONEWAY_UPLOAD_DIR": str(workdir / "incoming"),
        "ONEWAY_MEDIA_ROOT": str(workdir / "media"),
        "ONEWAY_DEBUG": "false",
        "ONEWAY_LOG_LEVEL": "WARNING",
        "ONEWAY_HUEY_IMMEDIATE": "false",
    }
    stream = make_stream(args.recording)
    print(f"load average before: {load_average()}  (2 cores, shared with other work)")
    print(
        f"cadence (recorder.js): a chunk every {stream.interval:g} s of "
        f"{len(stream.chunks[0]):,} bytes, {len(stream.chunks)} chunks per answer "
        f"({args.recording.stat().st_size:,} bytes)"
    )
    results: list[dict[str, Any]] = []
    baselines: dict[str, list[dict[str, Any]]] = {}
    profiles: dict[str, Any] = {}
    server: Server | None = None
    rounds: list[tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]] = []
    try:
        env["DATABASE_URL"] = prepare_database(args.admin_url, db_name, env)
        pg = (args.admin_url, db_name)
        names = [b for b in args.baselines.split(",") if b]
        # Oneway first by default; --baselines-first swaps the order, to tell a difference
        # between the servers from what a run's order does to the machine (PostgreSQL's
        # checkpoints and table state, the page cache, the load left by the level before).
        # With --rounds N the whole comparison runs N times, the order swapped each round:
        # on a shared machine one round's ratio swings with what else ran; the median of
        # several, each in its own order, does much less.
        for round_no in range(args.rounds):
            if args.rounds > 1:
                print(f"\n=== round {round_no + 1} of {args.rounds} ===")
            baselines_first = args.baselines_first != (round_no % 2 == 1)
            results, baselines = [], {}
            for phase in ["baselines", "oneway"] if baselines_first else ["oneway", "baselines"]:
                if phase == "oneway":
                    print("\nOneway:")
                    server = Server(env, args.workers, args.threads, workdir / "granian.log")
                    server.start()
                    print(HEADER)
                    results = measure_levels(server, args, pg, workdir, stream, env)
                    if not args.no_profile and round_no == 0:
                        profiles = asyncio.run(
                            profile_under_load(server, args, pg, workdir, stream, env)
                        )
                        print_profiles(profiles, args.profile_level)
                    server.stop()
                    server = None
                    continue
                for name in names:
                    print(
                        f"\nbaseline '{name}' (_ingest_baselines.py), same generator and granian:"
                    )
                    server = Server(
                        {**env, "ONEWAY_BENCH_BASELINE": name},
                        args.workers,
                        args.threads,
                        workdir / "granian.log",
                    )
                    server.start()
                    print(HEADER)
                    baselines[name] = measure_levels(
                        server, args, pg, workdir, stream, env, args.baseline_levels
                    )
                    server.stop()
                    server = None
            rounds.append((results, baselines))
            print()
            print_ratios(results, baselines)
        if args.rounds > 1:
            print_median_ratios(rounds)
    finally:
        if server is not None:
            server.stop()
        try:
            drop_database(args.admin_url, db_name)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"load average after: {load_average()}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "levels": results,
                    "profiles": profiles,
                    "baselines": baselines,
                    "rounds": [{"levels": r, "baselines": b} for r, b in rounds],
                },
                indent=2,
            )
        )


def ratios(
    results: list[dict[str, Any]], baselines: dict[str, list[dict[str, Any]]]
) -> list[tuple[str, int, float, float]]:
    """(baseline, candidates, Oneway's acknowledged rate / the baseline's, Oneway's server
    CPU per PATCH / the baseline's) for every level both measured."""
    found = []
    for name, measured in baselines.items():
        for base in measured:
            ours = next((r for r in results if r["candidates"] == base["candidates"]), None)
            if ours is not None and base["achieved_patch_per_s"]:
                found.append(
                    (
                        name,
                        base["candidates"],
                        ours["achieved_patch_per_s"] / base["achieved_patch_per_s"],
                        ours["cpu_ms_per_patch"]["server"]
                        / max(base["cpu_ms_per_patch"]["server"], 0.01),
                    )
                )
    return found


def print_ratios(results: list[dict[str, Any]], baselines: dict[str, list[dict[str, Any]]]) -> None:
    for name, candidates, rate, cpu in ratios(results, baselines):
        print(
            f"Oneway / {name} at {candidates}: acknowledged rate {rate:.2f}, "
            f"server CPU per PATCH {cpu:.2f}"
        )


def print_median_ratios(
    rounds: list[tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]],
) -> None:
    by_key: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for results, baselines in rounds:
        for name, candidates, rate, cpu in ratios(results, baselines):
            by_key.setdefault((name, candidates), []).append((rate, cpu))
    print(f"\nover {len(rounds)} rounds (order swapped each round):")
    for (name, candidates), found in by_key.items():
        rates = ", ".join(f"{rate:.2f}" for rate, _cpu in found)
        print(
            f"Oneway / {name} at {candidates}: acknowledged rate {rates}; "
            f"median {statistics.median(r for r, _c in found):.2f}; server CPU per PATCH "
            f"median {statistics.median(c for _r, c in found):.2f}"
        )


def print_profiles(profiles: dict[str, Any], level: int) -> None:
    for mode, data in profiles.items():
        if mode == "level":
            continue
        print(f"\nprofile of one worker at {level} candidates, {mode}:")
        for name, share in data["categories"].items():
            print(f"  {share:5.1f}%  {name}")
        print("  top frames:")
        for name, share in data["top_frames"]:
            print(f"  {share:5.1f}%  {name}")


HEADER = (
    f"{'cand.':>6} {'target/s':>9} {'acked/s':>8} {'MB/s':>6} {'p50 ms':>7} "
    f"{'p99 ms':>7} {'max ms':>7} {'errors':>6} {'srv CPU':>8} {'srv RSS':>8} "
    f"{'PG CPU':>7} {'gen CPU':>8} {'load before/after':>20}"
)


def make_stream(path: Path) -> Stream:
    """The recording cut as the recorder cuts it: what it produces in one interval, or
    UPLOAD_AT_BYTES if that comes first (on loopback the connection is always fast, so
    the interval is the long one)."""
    from _ingest_candidates import RECORDING_SECONDS, recording

    data = recording(path).read_bytes()
    interval, at_bytes = recorder_cadence()
    size = min(at_bytes, round(len(data) / RECORDING_SECONDS * interval))
    return Stream([data[i : i + size] for i in range(0, len(data), size)], interval)


def seed(count: int, answers: int, env: dict[str, str], workdir: Path) -> list[Seeded]:
    """Real candidates in the benchmark's database (_ingest_candidates.py, a child
    process with Django)."""
    out = workdir / "seeded.json"
    subprocess.run(
        [
            sys.executable,
            str(HERE / "_ingest_candidates.py"),
            "--count",
            str(count),
            "--answers",
            str(answers),
            "--json",
            str(out),
        ],
        env=env,
        check=True,
        cwd=ROOT,
    )
    return [Seeded(row["session"], row["takes"]) for row in json.loads(out.read_text())]


def answers_needed(stream: Stream, seconds: float) -> int:
    return math.ceil(seconds / (len(stream.chunks) * stream.interval)) + 2


def measure_levels(
    server: Server,
    args: argparse.Namespace,
    pg: tuple[str, str],
    workdir: Path,
    stream: Stream,
    env: dict[str, str],
    levels: str | None = None,
) -> list[dict[str, Any]]:
    results = []
    for level in [int(x) for x in (levels or args.levels).split(",")]:
        seeded = seed(level, answers_needed(stream, args.warmup + args.duration), env, workdir)
        result = asyncio.run(run_level(server, seeded, stream, args.duration, args.warmup, pg))
        s = result.summary()
        results.append(s)
        print(
            f"{level:>6} {s['target_patch_per_s']:>9} {s['achieved_patch_per_s']:>8} "
            f"{s['achieved_mb_per_s']:>6} {s['p50_ms']:>7} {s['p99_ms']:>7} "
            f"{s['max_ms']:>7} {s['errors']:>6} {s['server_cpu_percent']:>7}% "
            f"{s['server_rss_max_mb']:>6}MB {s['postgres_cpu_percent']:>6}% "
            f"{s['generator_cpu_percent']:>7}% {s['load_before']:>9} / {s['load_after']}",
            flush=True,
        )
        per = s["cpu_ms_per_patch"]
        print(
            f"       CPU per acknowledged PATCH: server {per['server']} ms, PostgreSQL "
            f"{per['postgres']} ms, load generator {per['generator']} ms; "
            f"{s['answers_completed']} answers completed, {s['retries']} retries"
        )
        if s["error_kinds"]:
            print(f"       errors: {s['error_kinds']}")
        # Free the disk between levels (several GB at the higher levels).
        for sub in ("incoming", "media"):
            shutil.rmtree(workdir / sub, ignore_errors=True)
    return results


async def profile_under_load(
    server: Server,
    args: argparse.Namespace,
    pg: tuple[str, str],
    workdir: Path,
    stream: Stream,
    env: dict[str, str],
) -> dict[str, Any]:
    seconds = args.profile_seconds
    seeded = seed(args.profile_level, answers_needed(stream, 2 * seconds + 30), env, workdir)
    level = asyncio.create_task(run_level(server, seeded, stream, 2 * seconds + 10, 20, pg))
    await asyncio.sleep(22)  # past the warm-up: steady state
    worker = server.worker_pids()[0]
    loop = asyncio.get_running_loop()
    wall = await loop.run_in_executor(None, profile, worker, seconds, workdir / "profile.txt")
    result = await level
    if args.keep_profiles:
        args.keep_profiles.mkdir(parents=True, exist_ok=True)
        shutil.copy(workdir / "profile.txt", args.keep_profiles / "profile.txt")
    return {
        "where request threads spend their time (py-spy --idle)": wall,
        "level": result.summary(),
    }


if __name__ == "__main__":
    main()
