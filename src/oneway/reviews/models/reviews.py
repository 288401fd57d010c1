from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Recommendation(models.TextChoices):
    STRONG_NO = "strong_no", _("Strong no")
    NO = "no", _("No")
    YES = "yes", _("Yes")
    STRONG_YES = "strong_yes", _("Strong yes")


class Review(models.Model):
    """One person's judgement of one candidate: ratings per question, a recommendation, a note.

    The person is a team member (``reviewer``) or a hiring manager using a share link
    (``share_link``). Until ``submitted_at`` is set it is a draft that only its author sees;
    once submitted it is locked so that it stays independent of what others said.
    """

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="reviews"
    )
    invitation = models.ForeignKey(
        "core.Invitation", on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reviews",
    )
    share_link = models.ForeignKey(
        "reviews.ShareLink",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reviews",
    )
    recommendation = models.CharField(
        _("overall recommendation"), max_length=16, choices=Recommendation.choices, blank=True
    )
    note = models.TextField(_("private note"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "reviewer"],
                condition=models.Q(reviewer__isnull=False),
                name="review_once_per_reviewer",
            ),
            models.UniqueConstraint(
                fields=["invitation", "share_link"],
                condition=models.Q(share_link__isnull=False),
                name="review_once_per_share_link",
            ),
            models.CheckConstraint(
                condition=models.Q(reviewer__isnull=False, share_link__isnull=True)
                | models.Q(reviewer__isnull=True, share_link__isnull=False),
                name="review_by_member_or_share_link",
            ),
        ]
        indexes = [models.Index(fields=["invitation", "submitted_at"])]

    def __str__(self) -> str:
        return f"Review {self.pk} of invitation {self.invitation_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Rating(models.Model):
    """A score from 1 to 5 for one question's answer, against the question's rubric."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    # Denormalised from the review so that per-candidate aggregates need no join.
    invitation = models.ForeignKey(
        "core.Invitation", on_delete=models.CASCADE, related_name="review_ratings"
    )
    question = models.ForeignKey(
        "core.Question", on_delete=models.CASCADE, related_name="review_ratings"
    )
    score = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "question"], name="rating_once_per_question"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["invitation", "question"]),
            # Insights (each reviewer's ratings), read from the index alone.
            models.Index(
                fields=["question"], include=["review_id", "score"], name="rating_question_scores"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} for question {self.question_id}"


class ReviewSummary(models.Model):
    """Per candidate: how many reviews were submitted and their mean rating.

    Kept up to date when a review is submitted (or deleted) so that the dashboard can sort
    thousands of candidates by rating without aggregating every rating on each request.
    """

    invitation = models.OneToOneField(
        "core.Invitation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="review_summary",
    )
    review_count = models.PositiveIntegerField(default=0)
    rating_mean = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.review_count} reviews of {self.invitation_id}"
