"""The per-candidate review summary the dashboard sorts by (derived data: no audit)."""

from collections.abc import Iterable

from django.db.models import Avg, Count

from oneway.core.models import Invitation
from oneway.reviews.models import Rating, Review, ReviewSummary


def review_summaries_refresh(invitation_ids: Iterable[int]) -> None:
    ids = set(invitation_ids)
    if not ids:
        return
    counts = dict(
        Review.objects.filter(invitation_id__in=ids, submitted_at__isnull=False)
        .values_list("invitation_id")
        .annotate(n=Count("pk"))
    )
    means = dict(
        Rating.objects.filter(invitation_id__in=ids, review__submitted_at__isnull=False)
        .values_list("invitation_id")
        .annotate(mean=Avg("score"))
    )
    existing = (
        Invitation.objects.filter(pk__in=ids).exclude(status="erased").values_list("pk", flat=True)
    )
    ReviewSummary.objects.bulk_create(
        [
            ReviewSummary(
                invitation_id=pk,
                review_count=counts.get(pk, 0),
                rating_mean=means.get(pk),
            )
            for pk in existing
        ],
        update_conflicts=True,
        unique_fields=["invitation"],
        update_fields=["review_count", "rating_mean", "updated_at"],
        batch_size=1000,
    )
