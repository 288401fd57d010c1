"""Reads of the review workspace: the dashboard, the overview, the to-do list and the
aggregate of reviews. Every function takes a ``Viewer`` and stays within what it may see.

The dashboard is one COUNT and one page query, whatever the page size or the number of
candidates: progress and the viewer's own review status are correlated subqueries that the
database computes for the rows on the page only; review count and mean rating come from
the per-candidate ``ReviewSummary`` (a join), so sorting by them stays cheap.
"""

import datetime
import hashlib
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from oneway.access import (
    Identity,
    Viewer,
    candidate_identities,
    visible_interviews,
    visible_invitations,
)
from oneway.core.models import Answer, Interview, Invitation, InvitationStatus, Question
from oneway.reviews.models import DecisionStatus, Rating, Review, ReviewerAssignment
from oneway.reviews.search import filter_by_text
from oneway.reviews.thumbnails import Thumbnail, list_thumbnails, time_taken

OPEN_STATUSES = (InvitationStatus.INVITED, InvitationStatus.OPENED, InvitationStatus.IN_PROGRESS)
PAGE_SIZES = (25, 50, 100)

# Sort key -> (expression, needs "see all", hidden in blind mode)
SORTS: dict[str, tuple[str, bool, bool]] = {
    "name": ("name", False, True),
    "email": ("email", False, True),
    "status": ("status", False, False),
    "progress": ("answers_submitted", False, False),
    "deadline": ("deadline", False, False),
    "submitted": ("completed_at", False, False),
    "reviews": ("review_count", False, False),
    "rating": ("rating_mean", True, False),
    "decision": ("decision_status", False, False),
}
DEFAULT_SORT = "-submitted"


def _count(queryset: QuerySet[Any], outer: str = "pk") -> Subquery:
    return Subquery(
        queryset.filter(invitation_id=OuterRef(outer))
        .order_by()
        .values("invitation_id")
        .annotate(n=Count("*"))
        .values("n"),
        output_field=IntegerField(),
    )


def annotate_candidates(invitations: QuerySet[Invitation], viewer: Viewer) -> QuerySet[Invitation]:
    """Progress, submitted reviews, mean rating, decision and the viewer's own review."""
    submitted_answers = Answer.objects.filter(is_practice=False, submitted_at__isnull=False)
    return invitations.annotate(
        answers_submitted=Coalesce(_count(submitted_answers), Value(0)),
        review_count=Coalesce(F("review_summary__review_count"), Value(0)),
        rating_mean=F("review_summary__rating_mean"),
        decision_status=Coalesce(F("decision__status"), Value(DecisionStatus.NEW.value)),
        my_review_submitted=Exists(
            Review.objects.filter(
                invitation_id=OuterRef("pk"), reviewer=viewer.user, submitted_at__isnull=False
            )
        ),
    )


@dataclass
class DashboardFilters:
    status: str = ""
    decision: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = PAGE_SIZES[0]

    @classmethod
    def from_query(cls, params: Any) -> "DashboardFilters":
        status = params.get("status", "")
        decision = params.get("decision", "")
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        try:
            per_page = int(params.get("per_page", PAGE_SIZES[0]))
        except ValueError:
            per_page = PAGE_SIZES[0]
        return cls(
            status=status if status in InvitationStatus.values else "",
            decision=decision if decision in DecisionStatus.values else "",
            q=params.get("q", "")[:200],
            sort=params.get("sort", DEFAULT_SORT),
            page=page,
            per_page=per_page if per_page in PAGE_SIZES else PAGE_SIZES[0],
        )


@dataclass
class CandidateRow:
    invitation: Invitation
    hidden: bool
    name: str
    email: str
    answers_submitted: int
    review_count: int
    rating_mean: float | None  # None when not shown to this viewer
    decision_status: str
    reviewed_by_me: bool
    thumbnail: Thumbnail | None = None

    @property
    def time_taken(self) -> datetime.timedelta | None:
        return time_taken(self.invitation)

    @property
    def decision_label(self) -> str:
        return str(DecisionStatus(self.decision_status).label)

    @property
    def time_left(self) -> datetime.timedelta | None:
        if self.invitation.status not in OPEN_STATUSES:
            return None
        return self.invitation.deadline - timezone.now()

    @property
    def status_label(self) -> str:
        return str(InvitationStatus(self.invitation.status).label)


@dataclass
class DashboardPage:
    interview: Interview
    filters: DashboardFilters
    sort: str
    page: Page
    rows: list[CandidateRow]
    question_count: int
    status_counts: dict[str, int]
    decision_counts: dict[str, int]
    sortable: list[str] = field(default_factory=list)


def allowed_sort(viewer: Viewer, interview: Interview, sort: str) -> str:
    key = sort.lstrip("-")
    if key not in SORTS:
        return DEFAULT_SORT
    _expr, needs_all, blind_hidden = SORTS[key]
    if needs_all and not viewer.sees_all:
        return DEFAULT_SORT
    if blind_hidden and interview.blind_mode:
        return DEFAULT_SORT
    return sort


def _ordered(invitations: QuerySet[Invitation], sort: str) -> QuerySet[Invitation]:
    expression = F(SORTS[sort.lstrip("-")][0])
    if sort.startswith("-"):
        return invitations.order_by(expression.desc(nulls_last=True), "-pk")
    return invitations.order_by(expression.asc(nulls_last=True), "pk")


def dashboard_page(
    viewer: Viewer, interview: Interview, filters: DashboardFilters
) -> DashboardPage:
    base = visible_invitations(viewer).filter(interview=interview)
    status_counts: dict[str, int] = {}
    decision_counts: dict[str, int] = {}
    for status, decision, n in (
        base.order_by()
        .annotate(d=Coalesce(F("decision__status"), Value(DecisionStatus.NEW.value)))
        .values_list("status", "d")
        .annotate(n=Count("pk"))
    ):
        status_counts[status] = status_counts.get(status, 0) + n
        decision_counts[decision] = decision_counts.get(decision, 0) + n
    invitations = base
    if filters.status:
        invitations = invitations.filter(status=filters.status)
    if filters.decision == DecisionStatus.NEW:
        invitations = invitations.filter(
            Q(decision__isnull=True) | Q(decision__status=DecisionStatus.NEW)
        )
    elif filters.decision:
        invitations = invitations.filter(decision__status=filters.decision)
    # In blind mode names and emails are not searchable: a match would identify someone.
    invitations = filter_by_text(invitations, filters.q, names=not interview.blind_mode)
    sort = allowed_sort(viewer, interview, filters.sort)
    invitations = _ordered(annotate_candidates(invitations, viewer), sort)
    paginator = Paginator(invitations, filters.per_page)
    page = paginator.get_page(filters.page)
    for invitation in page.object_list:
        invitation.interview = interview  # one interview for every row: no query per row
    identities = candidate_identities(viewer, page.object_list)
    thumbnails = list_thumbnails(viewer, page.object_list, identities)
    rows = [
        candidate_row(viewer, invitation, identities[invitation.pk], thumbnails[invitation.pk])
        for invitation in page.object_list
    ]
    sortable = [
        key
        for key, (_expr, needs_all, blind_hidden) in SORTS.items()
        if not (needs_all and not viewer.sees_all) and not (blind_hidden and interview.blind_mode)
    ]
    return DashboardPage(
        interview=interview,
        filters=filters,
        sort=sort,
        page=page,
        rows=rows,
        question_count=interview.questions.count(),
        status_counts=status_counts,
        decision_counts=decision_counts,
        sortable=sortable,
    )


def candidate_row(
    viewer: Viewer,
    invitation: Invitation,
    identity: Identity,
    thumbnail: Thumbnail | None = None,
) -> CandidateRow:
    """One annotated invitation as a viewer may see it (blind mode, hidden ratings)."""
    reviewed = bool(invitation.my_review_submitted)  # type: ignore[attr-defined]
    mean = invitation.rating_mean  # type: ignore[attr-defined]
    return CandidateRow(
        invitation=invitation,
        hidden=identity.hidden,
        name=identity.name,
        email=identity.email,
        answers_submitted=invitation.answers_submitted,  # type: ignore[attr-defined]
        review_count=invitation.review_count,  # type: ignore[attr-defined]
        rating_mean=float(mean) if mean is not None and (viewer.sees_all or reviewed) else None,
        decision_status=invitation.decision_status,  # type: ignore[attr-defined]
        reviewed_by_me=reviewed,
        thumbnail=thumbnail,
    )


# --- Organisation overview and to-do list ----------------------------------------------


@dataclass
class InterviewSummary:
    interview: Interview
    status_counts: dict[str, int]
    awaiting_my_review: int
    awaiting_any_review: int
    deadlines_this_week: int

    @property
    def total(self) -> int:
        return sum(self.status_counts.values())


@dataclass
class Overview:
    interviews: list[InterviewSummary]
    status_totals: dict[str, int]
    awaiting_my_review: int
    awaiting_any_review: int
    deadlines_this_week: int
    upcoming_deadlines: list[Invitation]


def overview(viewer: Viewer, *, include_archived: bool = False) -> Overview:
    """Counts across the interviews this viewer sees, in a fixed number of queries."""
    now = timezone.now()
    week = now + datetime.timedelta(days=7)
    interviews_qs = visible_interviews(viewer)
    if not include_archived:
        interviews_qs = interviews_qs.filter(archived_at__isnull=True)
    interviews = list(interviews_qs.order_by("-created_at"))
    invitations = visible_invitations(viewer).filter(interview__in=interviews_qs)
    completed = Q(status=InvitationStatus.COMPLETED)
    mine_submitted = Exists(
        Review.objects.filter(
            invitation_id=OuterRef("pk"), reviewer=viewer.user, submitted_at__isnull=False
        )
    )
    nobody_yet = Q(review_summary__isnull=True) | Q(review_summary__review_count=0)
    due_soon = Q(status__in=OPEN_STATUSES, deadline__gte=now, deadline__lt=week)
    by_interview: dict[int, dict[str, int]] = {i.pk: {} for i in interviews}
    mine: dict[int, int] = {}
    anyone: dict[int, int] = {}
    due_counts: dict[int, int] = {}
    # One pass over the organisation's invitations for every count on the page.
    for interview_id, status, n, n_mine, n_any, n_due in (
        invitations.order_by()
        .values_list("interview_id", "status")
        .annotate(
            n=Count("pk"),
            n_mine=Count("pk", filter=completed & ~Q(mine_submitted)),
            n_any=Count("pk", filter=completed & nobody_yet),
            n_due=Count("pk", filter=due_soon),
        )
    ):
        by_interview.setdefault(interview_id, {})[status] = n
        mine[interview_id] = mine.get(interview_id, 0) + n_mine
        anyone[interview_id] = anyone.get(interview_id, 0) + n_any
        due_counts[interview_id] = due_counts.get(interview_id, 0) + n_due
    due = invitations.filter(due_soon)
    upcoming = list(due.select_related("interview").order_by("deadline")[:10])
    summaries = [
        InterviewSummary(
            interview=interview,
            status_counts=by_interview.get(interview.pk, {}),
            awaiting_my_review=mine.get(interview.pk, 0),
            awaiting_any_review=anyone.get(interview.pk, 0),
            deadlines_this_week=due_counts.get(interview.pk, 0),
        )
        for interview in interviews
    ]
    totals: dict[str, int] = {}
    for counts in by_interview.values():
        for status, n in counts.items():
            totals[status] = totals.get(status, 0) + n
    return Overview(
        interviews=summaries,
        status_totals=totals,
        awaiting_my_review=sum(mine.values()),
        awaiting_any_review=sum(anyone.values()),
        deadlines_this_week=sum(due_counts.values()),
        upcoming_deadlines=upcoming,
    )


@dataclass
class TodoItem:
    invitation: Invitation
    name: str
    unrated: int
    answered: int
    draft: bool
    thumbnail: Thumbnail | None = None

    @property
    def time_taken(self) -> datetime.timedelta | None:
        return time_taken(self.invitation)


def todo(viewer: Viewer, *, limit: int = 100) -> list[TodoItem]:
    """Completed candidates with answers awaiting this reviewer's rating, oldest first.

    Interviews the viewer is assigned to; owners and admins without any assignment get
    every interview.
    """
    assigned = ReviewerAssignment.objects.filter(
        user=viewer.user, organisation=viewer.org
    )  # own rows
    interviews = visible_interviews(viewer).filter(archived_at__isnull=True)
    if not viewer.sees_all or assigned.exists():
        interviews = interviews.filter(pk__in=assigned.values("interview_id"))
    rated = Rating.objects.filter(
        invitation_id=OuterRef("invitation_id"),
        question_id=OuterRef("question_id"),
        review__reviewer=viewer.user,
    )
    unrated_answers = Answer.objects.filter(is_practice=False, submitted_at__isnull=False).exclude(
        Exists(rated)
    )
    candidates = (
        visible_invitations(viewer)
        .filter(interview__in=interviews, status=InvitationStatus.COMPLETED)
        .exclude(
            Exists(
                Review.objects.filter(
                    invitation_id=OuterRef("pk"), reviewer=viewer.user, submitted_at__isnull=False
                )
            )
        )
        .annotate(
            answered=Coalesce(
                _count(Answer.objects.filter(is_practice=False, submitted_at__isnull=False)),
                Value(0),
            ),
            unrated=Coalesce(_count(unrated_answers), Value(0)),
            draft=Exists(Review.objects.filter(invitation_id=OuterRef("pk"), reviewer=viewer.user)),
        )
        .select_related("interview")
        .order_by("completed_at", "pk")[:limit]
    )
    rows = list(candidates)
    identities = candidate_identities(viewer, rows)
    thumbnails = list_thumbnails(viewer, rows, identities)
    return [
        TodoItem(
            invitation=invitation,
            name=identities[invitation.pk].name,
            unrated=invitation.unrated,  # type: ignore[attr-defined]
            answered=invitation.answered,  # type: ignore[attr-defined]
            draft=invitation.draft,  # type: ignore[attr-defined]
            thumbnail=thumbnails[invitation.pk],
        )
        for invitation in rows
    ]


# --- One candidate's reviews --------------------------------------------------------


@dataclass
class QuestionAggregate:
    question: Question
    scores: list[tuple[str, int]]  # (reviewer label, score) of submitted reviews

    @property
    def mean(self) -> float | None:
        values = [s for _label, s in self.scores]
        return statistics.fmean(values) if values else None

    @property
    def spread(self) -> tuple[int, int] | None:
        values = [s for _label, s in self.scores]
        return (min(values), max(values)) if values else None

    @property
    def stdev(self) -> float | None:
        values = [s for _label, s in self.scores]
        return statistics.pstdev(values) if len(values) > 1 else None


def reviewer_label(review: Review) -> str:
    if review.reviewer is not None:
        return review.reviewer.display_name
    if review.share_link is not None:
        return f"{review.share_link.label} (share link)"
    return "?"


def aggregate(questions: list[Question], reviews: list[Review]) -> list[QuestionAggregate]:
    """Per question: each submitted review's score, with mean and spread."""
    result = []
    for question in questions:
        scores = []
        for review in reviews:
            if review.submitted_at is None:
                continue
            for rating in review.ratings.all():
                if rating.question_id == question.pk:
                    scores.append((reviewer_label(review), rating.score))
        result.append(QuestionAggregate(question=question, scores=scores))
    return result


def compare_order(viewer: Viewer, question: Question) -> list[int]:
    """Candidates with a submitted answer to ``question``, shuffled for this reviewer.

    The order is a hash of (reviewer, question, candidate): stable for one reviewer, so
    they can come back to where they were, and different for each, so no candidate is
    always first.
    """
    ids = Answer.objects.filter(
        question=question,
        is_practice=False,
        submitted_at__isnull=False,
        invitation__in=visible_invitations(viewer),
    ).values_list("invitation_id", flat=True)

    def key(invitation_id: int) -> str:
        return hashlib.sha256(
            f"{viewer.user.pk}:{question.pk}:{invitation_id}".encode()
        ).hexdigest()

    return sorted(ids, key=key)
