"""Review benchmark: server time of the review pages on the seeded PostgreSQL database.

It seeds the database first when ``bench/review_seed.py`` has not. Requests go through Django's full stack in-process
(``django.test.Client`` without the test environment's template instrumentation):
middleware, session, the view, its SQL and the template. Timing is wall-clock per
request, on the same 2-core machine as the database; no network or HTTP server is in
the path. Each page is requested ``--requests`` times after a warm-up; the candidate page
cycles through different completed candidates of the big interview.

    .venv/bin/python bench/review.py
    .venv/bin/python bench/review.py --requests 50
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from review_seed import DEFAULT_URL, ORG_SLUG, ensure_database, seed, setup_django  # noqa: E402

TARGET_MS = 100.0


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class SqlTimer:
    """Time spent waiting for the database's answers (Django's query log rounds to the ms)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute: Callable[..., object], *args: object) -> object:
        started = time.perf_counter()
        try:
            return execute(*args)
        finally:
            self.seconds += time.perf_counter() - started


def measure(
    name: str, url_for: Callable[[int], str], client: object, requests: int, warmup: int
) -> dict[str, object]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for n in range(warmup):
        response = client.get(url_for(n))  # type: ignore[attr-defined]
        assert response.status_code == 200, (name, response.status_code)
    times = []
    cpu = []
    sql = []
    queries = []
    for n in range(requests):
        url = url_for(warmup + n)
        waited = SqlTimer()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(waited):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)  # type: ignore[attr-defined]
            elapsed = (time.perf_counter() - started) * 1000
            cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, (name, url, response.status_code)
        times.append(elapsed)
        queries.append(len(captured.captured_queries))
        sql.append(waited.seconds * 1000)
        reset_queries()
    return {
        "name": name,
        "p50": statistics.median(times),
        "p95": percentile(times, 95),
        "max": max(times),
        "cpu50": statistics.median(cpu),
        "sql50": statistics.median(sql),
        "queries": f"{min(queries)}-{max(queries)}"
        if min(queries) != max(queries)
        else str(queries[0]),
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--only", default="", help="measure only pages whose name contains one of these words"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    ensure_database(url, reset=False)
    setup_django(url)
    seed(random.Random(6))  # no-op when already seeded

    from django.db.models import Count
    from django.test import Client

    from oneway.accounts.models import User
    from oneway.core.models import Interview, Invitation

    big = (
        Interview.objects.filter(organisation__slug=ORG_SLUG)
        .annotate(n=Count("invitations"))
        .order_by("-n")
        .first()
    )
    assert big is not None
    admin = User.objects.get(email="admin@bench-review.test")
    reviewer = User.objects.get(email="reviewer0@bench-review.test")
    candidates = list(
        Invitation.objects.filter(interview=big, status="completed")
        .order_by("?")
        .values_list("pk", flat=True)[: args.requests + args.warmup]
    )
    base = f"/app/reviews/interviews/{big.pk}/"

    def client_for(user: User) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    admin_client, reviewer_client = client_for(admin), client_for(reviewer)
    pages = [
        ("dashboard (reviewer, default sort)", lambda n: base, reviewer_client),
        (
            "filtered + sorted (admin: completed, new, by mean rating, page 3)",
            lambda n: base + "?status=completed&decision=new&sort=-rating&page=3",
            admin_client,
        ),
        (
            "transcript search (reviewer: 'kubernetes')",
            lambda n: base + "?q=kubernetes",
            reviewer_client,
        ),
        (
            "candidate page (admin, 4 answers, all reviews)",
            lambda n: f"/app/reviews/candidates/{candidates[n % len(candidates)]}/",
            admin_client,
        ),
        ("insights (admin, the big interview)", lambda n: base + "insights/", admin_client),
        ("insights (admin, the organisation)", lambda n: "/app/reviews/insights/", admin_client),
    ]
    if args.only:
        words = args.only.split(",")
        pages = [p for p in pages if any(w in p[0] for w in words)]
    total = Invitation.objects.filter(interview=big).count()
    print(
        f"Interview '{big.title}': {total} candidates; "
        f"{Invitation.objects.filter(organisation__slug=ORG_SLUG).count()} in the organisation."
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = [
        measure(name, url_for, client, args.requests, args.warmup)
        for name, url_for, client in pages
    ]
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"\n{'page':<66} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'CPU ms':>7} "
        f"{'SQL ms':>7} {'SQL':>5}"
    )
    for r in results:
        flag = "" if float(r["p95"]) < TARGET_MS else "  (over target)"  # type: ignore[arg-type]
        print(
            f"{r['name']:<66} {r['p50']:7.1f} {r['p95']:7.1f} {r['max']:7.1f} "
            f"{r['cpu50']:7.1f} {r['sql50']:7.1f} {r['queries']:>5}{flag}"
        )
    print(
        "\nCPU ms: the Django process's own CPU time per request (p50), without PostgreSQL's."
        "\nSQL ms: the time spent waiting for the database's answers per request (p50)."
    )


if __name__ == "__main__":
    main()
