"""Reads of scorecards: which version a review uses, and the weighted results.

A review is made with one scorecard version: the one its first competency rating used,
or, before it has any, the interview's current version. The candidate's score per
competency is the mean of the ratings of that competency over the answers mapped to it;
the overall score is the mean of the competency scores weighted by their weights.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from oneway.core.models import Interview, Invitation
from oneway.reviews.models import Competency, CompetencyRating, Review, Scorecard


def scorecards_with_competencies(interview_id: int) -> list[Scorecard]:
    """Every version of the interview's scorecard, newest first, competencies loaded."""
    return list(
        Scorecard.objects.filter(interview_id=interview_id)
        .select_related("created_by")
        .prefetch_related(
            Prefetch(
                "competencies",
                queryset=Competency.objects.prefetch_related("questions").order_by(
                    "position", "pk"
                ),
            )
        )
        .order_by("-version")
    )


def current_scorecard(interview: Interview) -> Scorecard | None:
    """The newest version, if it has competencies (else answers get one score each)."""
    versions = scorecards_with_competencies(interview.pk)[:1]
    if versions and versions[0].competencies.all():
        return versions[0]
    return None


def scorecard_of_review(review: Review | None, interview: Interview) -> Scorecard | None:
    """The version this review is (or will be) made with."""
    if review is not None:
        used = (
            CompetencyRating.objects.filter(review=review)
            .values_list("competency__scorecard_id", flat=True)
            .first()
        )
        if used is not None:
            return next(
                (s for s in scorecards_with_competencies(interview.pk) if s.pk == used), None
            )
    return current_scorecard(interview)


def competencies_for_question(scorecard: Scorecard | None, question_id: int) -> list[Competency]:
    if scorecard is None:
        return []
    return [
        c
        for c in scorecard.competencies.all()
        if any(q.pk == question_id for q in c.questions.all())
    ]


def weighted_mean(scores: dict[int, float], weights: dict[int, Decimal]) -> float | None:
    """Mean of ``scores`` (competency id -> score) weighted by ``weights``; None if the
    rated competencies weigh nothing."""
    total = sum(float(weights[c]) for c in scores)
    if total <= 0:
        return None
    return sum(score * float(weights[c]) for c, score in scores.items()) / total


@dataclass
class CompetencyResult:
    competency: Competency
    mine: float | None = None
    team_mean: float | None = None
    reviewer_scores: list[tuple[str, float]] = field(default_factory=list)

    @property
    def low(self) -> float | None:
        return min((s for _, s in self.reviewer_scores), default=None)

    @property
    def high(self) -> float | None:
        return max((s for _, s in self.reviewer_scores), default=None)

    @property
    def spread(self) -> float:
        """Highest minus lowest reviewer score: how far apart the reviewers are."""
        return (self.high or 0) - (self.low or 0)

    @property
    def deviation(self) -> float:
        scores = [s for _, s in self.reviewer_scores]
        return statistics.pstdev(scores) if len(scores) > 1 else 0.0


@dataclass
class ScorecardResult:
    """What a scorecard version says about one candidate."""

    scorecard: Scorecard
    is_current: bool
    competencies: list[CompetencyResult]
    mine_overall: float | None
    team_overall: float | None
    review_count: int
    show_spread: bool

    @property
    def by_disagreement(self) -> list[CompetencyResult]:
        return sorted(
            (c for c in self.competencies if len(c.reviewer_scores) > 1),
            key=lambda c: (-c.spread, -c.deviation, c.competency.position),
        )


def _per_review_scores(ratings: list[CompetencyRating]) -> dict[int, dict[int, float]]:
    """review id -> competency id -> mean score over the answers rated."""
    raw: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for rating in ratings:
        raw[rating.review_id][rating.competency_id].append(rating.score)
    return {review: {c: sum(s) / len(s) for c, s in per.items()} for review, per in raw.items()}


def scorecard_results(
    *,
    invitation: Invitation,
    reviews: list[Review],
    mine: Review | None,
    show_others: bool,
    all_assigned_submitted: bool,
    reviewer_label: dict[int, str],
) -> list[ScorecardResult]:
    """Results per scorecard version used by a submitted review, newest version first.

    The viewer's own scores appear once their review is submitted; the team's (mean and
    each reviewer's) only when ``show_others`` (the hidden-ratings rule); the spread per
    competency only once every assigned reviewer has submitted.
    """
    submitted = {r.pk: r for r in reviews if r.submitted_at is not None}
    if not submitted:
        return []
    ratings = list(
        CompetencyRating.objects.filter(invitation=invitation, review_id__in=list(submitted))
    )
    if not ratings:
        return []
    per_review = _per_review_scores(ratings)
    versions = {s.pk: s for s in scorecards_with_competencies(invitation.interview_id)}
    current_id = max(versions.values(), key=lambda s: s.version).pk if versions else None
    by_version: dict[int, list[int]] = defaultdict(list)
    competency_version = {c.pk: s.pk for s in versions.values() for c in s.competencies.all()}
    for review_id, scores in per_review.items():
        version = competency_version.get(next(iter(scores)))
        if version is not None:
            by_version[version].append(review_id)
    results = []
    for version_id in sorted(by_version, key=lambda v: -versions[v].version):
        scorecard = versions[version_id]
        competencies = list(scorecard.competencies.all())
        weights = {c.pk: c.weight for c in competencies}
        review_ids = by_version[version_id]
        own = per_review.get(mine.pk, {}) if mine is not None and mine.pk in review_ids else {}
        rows = []
        for competency in competencies:
            row = CompetencyResult(competency=competency, mine=own.get(competency.pk))
            if show_others:
                row.reviewer_scores = [
                    (reviewer_label.get(r, "?"), per_review[r][competency.pk])
                    for r in review_ids
                    if competency.pk in per_review[r]
                ]
                given = [score for _, score in row.reviewer_scores]
                row.team_mean = sum(given) / len(given) if given else None
            rows.append(row)
        team_scores: dict[int, float] = {
            r.competency.pk: r.team_mean for r in rows if r.team_mean is not None
        }
        results.append(
            ScorecardResult(
                scorecard=scorecard,
                is_current=version_id == current_id,
                competencies=rows,
                mine_overall=weighted_mean(own, weights) if own else None,
                team_overall=weighted_mean(team_scores, weights)
                if show_others and team_scores
                else None,
                review_count=len(review_ids),
                show_spread=show_others and all_assigned_submitted and len(review_ids) > 1,
            )
        )
    return results
