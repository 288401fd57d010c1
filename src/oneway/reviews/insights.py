"""How interviews are going, in numbers: the funnel, drop-off by question, time to
complete, device-check problems, review turnaround and each reviewer's ratings.

Everything is counted by the database from the audit log and existing rows, in a fixed
number of queries whatever the number of candidates. No candidate is named anywhere, so
the numbers are safe to show in blind mode.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    QuerySet,
)
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.core.models import Answer, AuditEntry, Interview, Invitation, Question
from oneway.reviews.models import Rating

PASSED = ("ok", "ok-slow")
BAR_STEP = 30  # px per bar in the SVG
BAR_WIDTH = 300  # px of the longest bar
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
COMPLETION_BUCKETS = [
    ("under_10_min", None, 10 * MINUTE),
    ("10_30_min", 10 * MINUTE, 30 * MINUTE),
    ("30_60_min", 30 * MINUTE, HOUR),
    ("1_24_h", HOUR, DAY),
    ("over_1_day", DAY, None),
]
TURNAROUND_BUCKETS = [
    ("under_1_day", None, DAY),
    ("1_3_days", DAY, 3 * DAY),
    ("3_7_days", 3 * DAY, 7 * DAY),
    ("over_7_days", 7 * DAY, None),
]


def _bucket_labels() -> dict[str, str]:
    return {
        "under_10_min": _("Under 10 minutes"),
        "10_30_min": _("10–30 minutes"),
        "30_60_min": _("30–60 minutes"),
        "1_24_h": _("1–24 hours"),
        "over_1_day": _("Over a day"),
        "under_1_day": _("Under a day"),
        "1_3_days": _("1–3 days"),
        "3_7_days": _("3–7 days"),
        "over_7_days": _("Over 7 days"),
    }


@dataclass(frozen=True)
class Row:
    label: str
    value: int
    note: str = ""


@dataclass
class Chart:
    """One chart and the table of the same numbers."""

    key: str
    title: str
    summary: str
    value_header: str
    rows: list[Row]
    note_header: str = ""

    @property
    def maximum(self) -> int:
        return max((r.value for r in self.rows), default=0)

    @property
    def height(self) -> int:
        return len(self.rows) * BAR_STEP + 8

    @property
    def bars(self) -> list[dict[str, Any]]:
        """Where each bar goes in the SVG (the template only places them)."""
        top = self.maximum or 1
        return [
            {"row": row, "y": n * BAR_STEP, "width": round(BAR_WIDTH * row.value / top)}
            for n, row in enumerate(self.rows)
        ]


@dataclass(frozen=True)
class ReviewerRatings:
    name: str
    counts: tuple[int, int, int, int, int]  # ratings of 1, 2, 3, 4, 5

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def mean(self) -> float | None:
        if not self.total:
            return None
        return sum((n + 1) * c for n, c in enumerate(self.counts)) / self.total

    @property
    def segments(self) -> list[dict[str, int]]:
        """The stacked bar: one segment per score, as wide as its share of the ratings."""
        x = 0
        out = []
        for n, count in enumerate(self.counts):
            width = round(BAR_WIDTH * count / self.total) if self.total else 0
            out.append({"score": n + 1, "count": count, "x": x, "width": width})
            x += width
        return out


@dataclass
class Insights:
    charts: list[Chart] = field(default_factory=list)
    reviewers: list[ReviewerRatings] = field(default_factory=list)

    def chart(self, key: str) -> Chart:
        return next(c for c in self.charts if c.key == key)


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _between(expression: str, low: datetime.timedelta | None, high: datetime.timedelta | None) -> Q:
    q = Q()
    if low is not None:
        q &= Q(**{f"{expression}__gte": low})
    if high is not None:
        q &= Q(**{f"{expression}__lt": high})
    return q


def _invitation_counts(invitations: QuerySet[Invitation]) -> dict[str, int]:
    """The funnel's steps and the time-to-complete buckets: one pass over the rows.

    Counts are of columns (``COUNT(opened_at)`` counts those set) or ``*``, never of the
    primary key, so that PostgreSQL answers from the covering index alone."""
    taken = ExpressionWrapper(F("completed_at") - F("started_at"), output_field=DurationField())
    timed = Q(started_at__isnull=False, completed_at__isnull=False)
    return invitations.annotate(taken=taken).aggregate(
        invited=Count("*"),
        opened=Count("opened_at"),
        started=Count("started_at"),
        submitted=Count("completed_at"),
        **{
            name: Count("completed_at", filter=timed & _between("taken", lo, hi))
            for name, lo, hi in COMPLETION_BUCKETS
        },
    )


def _funnel(counts: dict[str, int], audit: QuerySet[AuditEntry]) -> Chart:
    # One query more for the audit log: candidates with a passing device check.
    passed = audit.filter(data__result__in=PASSED).aggregate(
        n=Count("invitation_id", distinct=True)
    )["n"]
    steps = [
        (_("Invited"), counts["invited"]),
        (_("Opened the link"), counts["opened"]),
        (_("Passed the device check"), passed),
        (_("Started"), counts["started"]),
        (_("Submitted"), counts["submitted"]),
    ]
    rows = [Row(steps[0][0], steps[0][1], "")]
    for (_label, before), (label, value) in zip(steps, steps[1:], strict=False):
        rows.append(Row(label, value, _percent(value, before)))
    return Chart(
        key="funnel",
        title=_("Funnel"),
        summary=_("%(invited)d invited, %(submitted)d submitted (%(rate)s of those invited).")
        % {
            "invited": counts["invited"],
            "submitted": counts["submitted"],
            "rate": _percent(counts["submitted"], counts["invited"]),
        },
        value_header=_("Candidates"),
        note_header=_("Of the step before"),
        rows=rows,
    )


def _drop_off(
    answers: QuerySet[Answer], positions: dict[int, int], prompts: dict[int, str]
) -> Chart:
    """``positions``: question id -> position. Counted per question (the index's order,
    no join), then added up per position here."""
    per_position: dict[int, dict[str, int]] = {}
    for item in answers.values("question_id").annotate(
        saw=Count("revealed_at"), answered=Count("submitted_at")
    ):
        sums = per_position.setdefault(positions[item["question_id"]], {"saw": 0, "answered": 0})
        sums["saw"] += item["saw"]
        sums["answered"] += item["answered"]
    rows = []
    for n, position in enumerate(sorted(per_position), start=1):
        item = per_position[position]
        left = item["saw"] - item["answered"]
        label = _("Question %(n)d") % {"n": n}
        if prompts.get(position):
            label += f": {prompts[position][:40]}"
        rows.append(Row(label, left, _("%(saw)d saw it, %(answered)d answered") % item))
    return Chart(
        key="drop_off",
        title=_("Drop-off by question"),
        summary=_(
            "Candidates who saw each question but have not submitted an answer to it "
            "(still answering, or left there)."
        ),
        value_header=_("Saw it, no answer"),
        note_header=_("Saw / answered"),
        rows=rows,
    )


def _completion(all_counts: dict[str, int]) -> Chart:
    counts = {name: all_counts[name] for name, _lo, _hi in COMPLETION_BUCKETS}
    labels = _bucket_labels()
    total = sum(counts.values())
    return Chart(
        key="completion",
        title=_("Time to complete"),
        summary=_("From starting to submitting, for the %(n)d candidates who submitted.")
        % {"n": total},
        value_header=_("Candidates"),
        note_header=_("Share"),
        rows=[
            Row(labels[name], counts[name], _percent(counts[name], total))
            for name, _lo, _hi in COMPLETION_BUCKETS
        ],
    )


def _device_problems(audit: QuerySet[AuditEntry]) -> Chart:
    problems = (
        audit.exclude(data__result__in=PASSED)
        .values("data__result", "data__browser")
        .annotate(n=Count("*"))
        .order_by("-n", "data__result", "data__browser")
    )
    rows = []
    for item in problems:
        reason = item["data__result"] or _("skipped without a result")
        browser = item["data__browser"] or _("browser not recorded")
        rows.append(Row(f"{reason} · {browser}", item["n"]))
    return Chart(
        key="device",
        title=_("Device-check problems by reason and browser"),
        summary=_(
            "Device checks a candidate finished without passing (they went on anyway), by "
            "the problem found and the browser. A check abandoned before that is not recorded."
        ),
        value_header=_("Checks"),
        rows=rows,
    )


TURNAROUND_FIRSTS = (
    ("to_review", "reviews__submitted_at"),
    ("to_decision", "decision_events__created_at"),
)


def _turnaround_counts(done: QuerySet[Invitation]) -> dict[str, dict[str, int]]:
    """How long after submitting the first review and the first decision came, in buckets:
    one grouped query (MIN per candidate over both joins, then counts over those rows; a
    minimum is the same however many rows the two joins make per candidate)."""
    timed = done.annotate(**{f"first_{key}": Min(first) for key, first in TURNAROUND_FIRSTS})
    timed = timed.annotate(
        **{
            f"wait_{key}": ExpressionWrapper(
                F(f"first_{key}") - F("completed_at"), output_field=DurationField()
            )
            for key, _first in TURNAROUND_FIRSTS
        }
    )
    aggregates: dict[str, Any] = {"total": Count("pk")}
    for key, _first in TURNAROUND_FIRSTS:
        aggregates[f"{key}:none"] = Count("pk", filter=Q(**{f"first_{key}__isnull": True}))
        for name, lo, hi in TURNAROUND_BUCKETS:
            aggregates[f"{key}:{name}"] = Count("pk", filter=_between(f"wait_{key}", lo, hi))
    flat = timed.aggregate(**aggregates)
    result: dict[str, dict[str, int]] = {}
    for key, _first in TURNAROUND_FIRSTS:
        result[key] = {"total": flat["total"], "none": flat[f"{key}:none"]}
        for name, _lo, _hi in TURNAROUND_BUCKETS:
            result[key][name] = flat[f"{key}:{name}"]
    return result


def _turnaround(invitations: QuerySet[Invitation]) -> list[Chart]:
    done = invitations.filter(completed_at__isnull=False)
    labels = _bucket_labels()
    charts = []
    all_counts = _turnaround_counts(done)
    for key, title, none_label in (
        ("to_review", _("Submitted to first review"), _("Not reviewed yet")),
        ("to_decision", _("Submitted to decision"), _("No decision yet")),
    ):
        counts = all_counts[key]
        rows = [
            Row(labels[name], counts[name], _percent(counts[name], counts["total"]))
            for name, _lo, _hi in TURNAROUND_BUCKETS
        ]
        rows.append(Row(none_label, counts["none"], _percent(counts["none"], counts["total"])))
        charts.append(
            Chart(
                key=key,
                title=title,
                summary=_("For the %(n)d candidates who submitted.") % {"n": counts["total"]},
                value_header=_("Candidates"),
                note_header=_("Share"),
                rows=rows,
            )
        )
    return charts


def _reviewer_ratings(ratings: QuerySet[Rating]) -> list[ReviewerRatings]:
    counts: dict[int, list[int]] = {}
    for item in ratings.values("review__reviewer_id", "score").annotate(n=Count("*")):
        per = counts.setdefault(item["review__reviewer_id"], [0, 0, 0, 0, 0])
        if 1 <= item["score"] <= 5:
            per[item["score"] - 1] += item["n"]
    names = {
        user.pk: user.display_name
        for user in User.objects.filter(pk__in=list(counts)).only("name", "email")
    }
    rows = [ReviewerRatings(names.get(pk, "?"), tuple(c)) for pk, c in counts.items()]  # type: ignore[arg-type]
    return sorted(rows, key=lambda r: (r.mean or 0, r.name))


def insights_for(
    interviews: QuerySet[Interview] | list[int], *, prompts: dict[int, str] | None = None
) -> Insights:
    """The numbers for these interviews (one, or all an organisation's that a viewer sees).

    ``prompts`` (question position -> prompt) labels the questions of a single interview;
    across interviews questions are compared by position. Interview ids are passed to the
    database as a list (better row estimates than a subquery), and each query is served
    by an index made for it (``core`` migration ``insights_indexes``).
    """
    ids = (
        list(interviews)
        if isinstance(interviews, list)
        else list(interviews.order_by().values_list("pk", flat=True))
    )
    # Question ids as a list too: the planner then knows how many rows each one has (one
    # interview may hold half the answers) and joins accordingly.
    positions = dict(Question.objects.filter(interview_id__in=ids).values_list("pk", "position"))
    question_ids = list(positions)
    invitations = Invitation.objects.filter(interview_id__in=ids)
    audit = AuditEntry.objects.filter(interview_id__in=ids, action="candidate.device_checked")
    answers = Answer.objects.filter(question_id__in=question_ids, is_practice=False)
    ratings = Rating.objects.filter(
        question_id__in=question_ids,
        review__submitted_at__isnull=False,
        review__reviewer__isnull=False,
    )
    counts = _invitation_counts(invitations)
    return Insights(
        charts=[
            _funnel(counts, audit),
            _drop_off(answers, positions, prompts or {}),
            _completion(counts),
            _device_problems(audit),
            *_turnaround(invitations),
        ],
        reviewers=_reviewer_ratings(ratings),
    )
