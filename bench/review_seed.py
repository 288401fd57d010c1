"""Seed PostgreSQL for the review benchmark: 50 interviews, 10,000 candidates, 40,000
answers with transcripts, 20,000 ratings (bulk inserts; about two minutes on this machine).

The first interview is the big one (5,000 candidates); the other 49 share the rest.
Statuses: 80% completed, 10% in progress, the rest invited, opened, expired, revoked.
Every candidate has 4 answer rows; submitted answers have a processed recording with a
~150-word transcript (text and word timings) and a search document.

    .venv/bin/python bench/review_seed.py            # into postgres://.../oneway_bench_review
    DATABASE_URL=postgres://... .venv/bin/python bench/review_seed.py --reset
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/oneway_bench_review"
ORG_SLUG = "bench-review"
PASSWORD = "bench review password 42"

INTERVIEWS = 50
CANDIDATES = 10_000
BIG_INTERVIEW = 5_000
QUESTIONS = 4
REVIEWERS = 5
RATED_CANDIDATES = 5_000  # x 4 questions = 20,000 ratings
TRANSCRIPT_WORDS = 150

VOCABULARY = [
    "we",
    "the",
    "team",
    "our",
    "customer",
    "project",
    "problem",
    "solution",
    "data",
    "system",
    "service",
    "users",
    "design",
    "build",
    "test",
    "release",
    "deploy",
    "review",
    "code",
    "quality",
    "deadline",
    "budget",
    "plan",
    "priority",
    "risk",
    "learned",
    "improve",
    "measure",
    "result",
    "growth",
    "support",
    "feedback",
    "meeting",
    "manager",
    "colleague",
    "conflict",
    "resolve",
    "listen",
    "explain",
    "decision",
    "trade",
    "off",
    "performance",
    "latency",
    "database",
    "migration",
    "cloud",
    "security",
    "privacy",
    "incident",
    "outage",
    "monitoring",
    "alert",
    "on",
    "call",
    "weekend",
    "mentor",
    "junior",
    "senior",
    "lead",
    "ownership",
    "responsibility",
    "goal",
    "target",
    "quarter",
    "roadmap",
    "feature",
    "bug",
    "fix",
    "refactor",
    "legacy",
    "documentation",
    "process",
    "agile",
    "sprint",
    "retrospective",
    "communication",
    "stakeholder",
    "product",
    "research",
    "interview",
    "hiring",
    "training",
    "workshop",
    "analysis",
    "report",
    "dashboard",
    "metric",
    "revenue",
    "cost",
    "saving",
    "automation",
    "pipeline",
    "script",
    "because",
    "then",
    "after",
    "before",
    "during",
    "while",
    "when",
    "so",
    "and",
    "but",
    "also",
    "really",
    "very",
    "quite",
    "first",
    "second",
    "finally",
    "important",
    "difficult",
    "challenge",
    "success",
    "failure",
    "mistake",
    "lesson",
]
RARE = ["kubernetes", "accessibility", "negotiation", "forecasting", "onboarding"]


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneway.settings")
    # Measure as a server runs: no SQL logging, no template debug information.
    os.environ.setdefault("ONEWAY_DEBUG", "false")
    os.environ.setdefault("ONEWAY_DATA_DIR", str(ROOT / "var" / "bench-review"))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def ensure_database(url: str, *, reset: bool) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if reset:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def transcript(rng: random.Random) -> tuple[str, list[dict[str, object]]]:
    words = [rng.choice(VOCABULARY) for _ in range(TRANSCRIPT_WORDS)]
    if rng.random() < 0.02:
        words[rng.randrange(len(words))] = rng.choice(RARE)
    timings = []
    t = 0.5
    for word in words:
        timings.append({"w": word, "start": round(t, 2), "end": round(t + 0.35, 2)})
        t += 0.45 + rng.random() * 0.2
    return " ".join(words), timings


def seed(rng: random.Random) -> None:
    from django.contrib.postgres.search import SearchVector
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import OuterRef, Subquery, Value
    from django.utils import timezone

    from oneway.accounts.models import User
    from oneway.accounts.roles import Role
    from oneway.core.models import (
        Answer,
        Interview,
        Invitation,
        Membership,
        Organisation,
        Question,
        Take,
    )
    from oneway.core.tokens import hash_token
    from oneway.media.models import MediaItem
    from oneway.reviews.models import (
        CandidateSearchDocument,
        Decision,
        DecisionEvent,
        Rating,
        Review,
        ReviewerAssignment,
    )
    from oneway.reviews.summary import review_summaries_refresh

    assert connection.vendor == "postgresql", "the review benchmark runs on PostgreSQL"
    call_command("migrate", verbosity=0)
    if Organisation.objects.filter(slug=ORG_SLUG).exists():
        seed_audit(rng)
        print("Already seeded (use --reset to start again).")
        return

    started = time.monotonic()
    now = timezone.now()
    with transaction.atomic():
        org = Organisation.objects.create(name="Bench Hiring", slug=ORG_SLUG)
        admin = User.objects.create_user("admin@bench-review.test", PASSWORD, name="Bench Admin")
        Membership.objects.create(organisation=org, user=admin, role=Role.ADMIN)
        reviewers = []
        for n in range(REVIEWERS):
            user = User.objects.create_user(
                f"reviewer{n}@bench-review.test", PASSWORD, name=f"Reviewer {n}"
            )
            Membership.objects.create(organisation=org, user=user, role=Role.REVIEWER)
            reviewers.append(user)

        interviews = Interview.objects.bulk_create(
            [
                Interview(
                    organisation=org,
                    title=f"Bench interview {n:02d}",
                    contact_email="jobs@bench-review.test",
                    created_by=admin,
                )
                for n in range(INTERVIEWS)
            ]
        )
        questions = Question.objects.bulk_create(
            [
                Question(
                    interview=interview,
                    position=p,
                    prompt=f"Question {p + 1}: tell us about a time you solved a problem.",
                    rubric="1: vague. 3: a clear example. 5: a clear example with a result.",
                )
                for interview in interviews
                for p in range(QUESTIONS)
            ]
        )
        by_interview: dict[int, list[Question]] = {}
        for question in questions:
            by_interview.setdefault(question.interview_id, []).append(question)
        ReviewerAssignment.objects.bulk_create(
            [
                ReviewerAssignment(organisation=org, interview=i, user=u, assigned_by=admin)
                for i in interviews
                for u in reviewers
            ]
        )

        invitations = []
        for n in range(CANDIDATES):
            interview = (
                interviews[0]
                if n < BIG_INTERVIEW
                else interviews[1 + (n - BIG_INTERVIEW) % (INTERVIEWS - 1)]
            )
            roll = rng.random()
            status = (
                "completed"
                if roll < 0.8
                else "in_progress"
                if roll < 0.9
                else rng.choice(["invited", "opened", "expired", "revoked"])
            )
            invited = now - datetime.timedelta(days=rng.randint(1, 20), minutes=n)
            invitations.append(
                Invitation(
                    organisation=org,
                    interview=interview,
                    name=f"Candidate {n:05d} {rng.choice(['Smith', 'Garcia', 'Chen', 'Okafor'])}",
                    email=f"candidate{n:05d}@example.com",
                    deadline=now + datetime.timedelta(days=rng.randint(-5, 14)),
                    token_hash=hash_token(f"bench-review-{n}"),
                    status=status,
                    invited_at=invited,
                    opened_at=invited + datetime.timedelta(hours=1),
                    started_at=invited + datetime.timedelta(hours=2),
                    completed_at=invited + datetime.timedelta(hours=3)
                    if status == "completed"
                    else None,
                )
            )
        invitations = Invitation.objects.bulk_create(invitations, batch_size=2000)
        print(f"{len(invitations)} candidates in {time.monotonic() - started:.1f} s")

        answers: list[Answer] = []
        for invitation in invitations:
            submitted = (
                QUESTIONS
                if invitation.status == "completed"
                else 2
                if invitation.status == "in_progress"
                else 0
            )
            for p, question in enumerate(by_interview[invitation.interview_id]):
                answers.append(
                    Answer(
                        invitation=invitation,
                        question=question,
                        revealed_at=invitation.started_at if p < max(submitted, 1) else None,
                        submitted_at=invitation.started_at + datetime.timedelta(minutes=3 * p + 3)
                        if p < submitted
                        else None,
                    )
                )
        answers = Answer.objects.bulk_create(answers, batch_size=4000)
        submitted_answers = [a for a in answers if a.submitted_at is not None]
        print(f"{len(answers)} answers in {time.monotonic() - started:.1f} s")

        documents: dict[int, list[str]] = {}
        items = []
        for answer in submitted_answers:
            text, words = transcript(rng)
            documents.setdefault(answer.invitation_id, []).append(text)
            items.append(
                MediaItem(
                    organisation=org,
                    original_name=f"bench/{answer.pk}/original.webm",
                    rendition_name=f"bench/{answer.pk}/rendition.mp4",
                    poster_name=f"bench/{answer.pk}/poster.jpg",
                    # An expression makes Django insert with VALUES rather than UNNEST
                    # arrays, whose client-side quoting of long JSON is several times slower.
                    state=Value("ready"),
                    duration_ms=int(float(str(words[-1]["end"])) * 1000),
                    width=1280,
                    height=720,
                    transcript_state="ready",
                    transcript_text=text,
                    transcript_words=words,
                    processed_at=now,
                )
            )
        items = MediaItem.objects.bulk_create(items, batch_size=2000)
        Take.objects.bulk_create(
            [
                Take(answer=answer, number=1, state="uploaded", media=item)
                for answer, item in zip(submitted_answers, items, strict=True)
            ],
            batch_size=4000,
        )
        # One UPDATE (bulk_update's CASE per row is slow at this size).
        Answer.objects.filter(invitation__organisation=org, submitted_at__isnull=False).update(
            submitted_take=Subquery(Take.objects.filter(answer=OuterRef("pk")).values("pk")[:1])
        )
        print(f"{len(items)} recordings with transcripts in {time.monotonic() - started:.1f} s")

        CandidateSearchDocument.objects.bulk_create(
            [
                CandidateSearchDocument(invitation_id=pk, document="\n".join(parts))
                for pk, parts in documents.items()
            ],
            batch_size=2000,
        )
        CandidateSearchDocument.objects.filter(invitation__organisation=org).update(
            vector=SearchVector("document", config="english")
        )
        print(f"{len(documents)} search documents in {time.monotonic() - started:.1f} s")

        completed = [i for i in invitations if i.status == "completed"]
        rated = rng.sample(completed, RATED_CANDIDATES)
        reviews = Review.objects.bulk_create(
            [
                Review(
                    organisation=org,
                    invitation=invitation,
                    reviewer=rng.choice(reviewers),
                    recommendation=rng.choice(["strong_no", "no", "yes", "strong_yes"]),
                    note="Seeded review.",
                    submitted_at=now,
                )
                for invitation in rated
            ],
            batch_size=2000,
        )
        ratings = Rating.objects.bulk_create(
            [
                Rating(
                    review=review,
                    invitation_id=review.invitation_id,
                    question=question,
                    score=rng.randint(1, 5),
                )
                for review in reviews
                for question in by_interview[review.invitation.interview_id]
            ],
            batch_size=5000,
        )
        Decision.objects.bulk_create(
            [
                Decision(
                    organisation=org,
                    invitation=invitation,
                    status=rng.choice(["shortlisted", "on_hold", "advanced", "rejected"]),
                    changed_by=admin,
                )
                for invitation in rng.sample(completed, 2000)
            ],
            batch_size=2000,
        )
        DecisionEvent.objects.bulk_create(
            [
                DecisionEvent(
                    organisation=org,
                    invitation_id=decision.invitation_id,
                    from_status="new",
                    to_status=decision.status,
                    actor=admin,
                    created_at=decision.invitation.completed_at
                    + datetime.timedelta(hours=rng.randint(1, 300)),
                )
                for decision in Decision.objects.filter(organisation=org).select_related(
                    "invitation"
                )
            ],
            batch_size=2000,
        )
        review_summaries_refresh([review.invitation_id for review in reviews])
        print(
            f"{len(reviews)} reviews, {len(ratings)} ratings in {time.monotonic() - started:.1f} s"
        )
    seed_audit(rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Seeded in {time.monotonic() - started:.1f} s")


DEVICE_RESULTS = ["ok"] * 14 + ["ok-slow"] * 3 + ["no-camera", "no-microphone", "slow-upload", ""]
BROWSERS = ["Chrome", "Firefox", "Safari", "Edge", "Samsung Internet"]


def seed_audit(rng: random.Random) -> None:
    """The audit log the insights pages read: what a candidate's way through the flow
    writes (opened, device check, consent, started, each answer revealed and submitted,
    completed) and what reviewing writes (signed media URLs, plays), about 25 entries per
    candidate. Skipped when the organisation has audit entries already."""
    from django.db import connection, transaction

    from oneway.core.models import Answer, AuditEntry, Invitation, Organisation

    org = Organisation.objects.get(slug=ORG_SLUG)
    if AuditEntry.objects.filter(organisation=org).exists():
        return
    started = time.monotonic()
    answers: dict[int, list[tuple[int, object, object]]] = {}
    for pk, invitation_id, revealed, submitted in Answer.objects.filter(
        invitation__organisation=org
    ).values_list("pk", "invitation_id", "revealed_at", "submitted_at"):
        answers.setdefault(invitation_id, []).append((pk, revealed, submitted))
    entries: list[AuditEntry] = []

    def add(invitation: Invitation, action: str, at: object, **data: object) -> None:
        entries.append(
            AuditEntry(
                organisation=org,
                actor_label=f"candidate:{invitation.pk}",
                action=action,
                object_type="invitation",
                object_id=str(invitation.pk),
                interview_id=invitation.interview_id,
                invitation_id=invitation.pk,
                data=data,
                created_at=at,
            )
        )

    with transaction.atomic():
        for invitation in Invitation.objects.filter(organisation=org).iterator(chunk_size=2000):
            add(invitation, "invitation.created", invitation.invited_at)
            add(invitation, "invitation.email_sent", invitation.invited_at)
            if invitation.status in ("invited", "revoked", "expired"):
                continue
            opened = invitation.opened_at
            add(invitation, "invitation.opened", opened)
            add(invitation, "candidate.consented", opened)
            for attempt in range(rng.choice([1, 1, 1, 2])):
                result = rng.choice(DEVICE_RESULTS)
                add(
                    invitation,
                    "candidate.device_checked",
                    opened + datetime.timedelta(minutes=1 + attempt),
                    skipped=not result,
                    result=result,
                    browser=rng.choice(BROWSERS),
                )
            if invitation.status == "opened":
                continue
            add(invitation, "invitation.started", invitation.started_at)
            for pk, revealed, submitted in answers.get(invitation.pk, []):
                if revealed is not None:
                    add(invitation, "answer.revealed", revealed, answer=pk)
                if submitted is not None:
                    add(invitation, "answer.submitted", submitted, answer=pk)
                    for _ in range(3):  # reviewers opening the answer: URL issued, played
                        add(invitation, "media.url_issued", submitted, variant="rendition")
                    add(invitation, "media.played", submitted, position=0.0)
            if invitation.completed_at is not None:
                add(invitation, "invitation.completed", invitation.completed_at)
            if len(entries) >= 20_000:
                AuditEntry.objects.bulk_create(entries)
                entries.clear()
        AuditEntry.objects.bulk_create(entries)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"{AuditEntry.objects.filter(organisation=org).count()} audit entries in "
        f"{time.monotonic() - started:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reset", action="store_true", help="drop the database and seed again")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL for this benchmark.")
    ensure_database(url, reset=args.reset)
    setup_django(url)
    seed(random.Random(args.seed))


if __name__ == "__main__":
    main()
