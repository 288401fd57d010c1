"""CSV export of an interview's results (audited; blind mode applies to the exporter)."""

import csv
import io
from collections import defaultdict

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _

from oneway.access import Viewer, candidate_identities, sees_others_reviews, visible_invitations
from oneway.core.audit import log_action
from oneway.core.models import Interview
from oneway.reviews.models import DecisionStatus, Rating, Recommendation, Review
from oneway.reviews.selectors import annotate_candidates

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Spreadsheets run cells that start like a formula; defuse them."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def review_export_csv(
    *, interview: Interview, viewer: Viewer, request: HttpRequest | None = None
) -> str:
    """Candidates, status, per-question mean ratings, recommendations, decision."""
    questions = list(interview.questions.all())
    invitations = list(
        annotate_candidates(visible_invitations(viewer).filter(interview=interview), viewer)
        .select_related("decision")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.filter(submitted_at__isnull=False).prefetch_related(
                    Prefetch("ratings", queryset=Rating.objects.only("question_id", "score"))
                ),
                to_attr="submitted_reviews",
            )
        )
        .order_by("invited_at", "pk")
    )
    out = io.StringIO()
    writer = csv.writer(out)
    header = [
        _("Candidate"),
        _("Email"),
        _("Status"),
        _("Invited"),
        _("Submitted"),
        _("Answers submitted"),
        _("Reviews"),
    ]
    header += [
        _("Q%(n)d mean rating: %(prompt)s") % {"n": n, "prompt": q.prompt[:60]}
        for n, q in enumerate(questions, start=1)
    ]
    header += [_("Mean rating"), _("Recommendations"), _("Decision"), _("Decision reason")]
    writer.writerow([_cell(h) for h in header])
    for invitation in invitations:
        invitation.interview = interview
    identities = candidate_identities(viewer, invitations)
    hidden_count = 0
    for invitation in invitations:
        identity = identities[invitation.pk]
        hidden_count += identity.hidden
        others = sees_others_reviews(viewer, submitted=invitation.my_review_submitted)  # type: ignore[attr-defined]
        per_question: dict[int, list[int]] = defaultdict(list)
        recommendations: dict[str, int] = defaultdict(int)
        for review in invitation.submitted_reviews if others else []:  # type: ignore[attr-defined]
            if review.recommendation:
                recommendations[review.recommendation] += 1
            for rating in review.ratings.all():
                per_question[rating.question_id].append(rating.score)
        means = [
            f"{sum(per_question[q.pk]) / len(per_question[q.pk]):.2f}" if per_question[q.pk] else ""
            for q in questions
        ]
        decision = getattr(invitation, "decision", None)
        row = [
            identity.name,
            identity.email,
            invitation.get_status_display(),
            invitation.invited_at.isoformat(timespec="minutes"),
            invitation.completed_at.isoformat(timespec="minutes")
            if invitation.completed_at
            else "",
            f"{invitation.answers_submitted}/{len(questions)}",  # type: ignore[attr-defined]
            invitation.review_count,  # type: ignore[attr-defined]
            *means,
            f"{invitation.rating_mean:.2f}"  # type: ignore[attr-defined]
            if others and invitation.rating_mean is not None  # type: ignore[attr-defined]
            else "",
            "; ".join(
                f"{Recommendation(value).label}: {recommendations[value]}"
                for value in Recommendation.values
                if recommendations.get(value)
            ),
            DecisionStatus(invitation.decision_status).label,  # type: ignore[attr-defined]
            decision.reason if decision and others else "",
        ]
        writer.writerow([_cell(value) for value in row])
    log_action(
        "review.exported",
        organisation=interview.organisation,
        actor=viewer.user,
        obj=interview,
        interview_id=interview.pk,
        data={"rows": len(invitations), "blind_rows": hidden_count, "format": "csv"},
        request=request,
    )
    return out.getvalue()
