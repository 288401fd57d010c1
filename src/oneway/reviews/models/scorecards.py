"""Scorecards: the competencies an interview's answers are rated against.

A scorecard is versioned: saving a change makes a new version, so ratings made with an
earlier one keep pointing at the competencies and anchors they were made against.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Scorecard(models.Model):
    """One version of an interview's competencies. The newest version is the current one;
    a version without competencies means the interview is rated one score per answer."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="scorecards"
    )
    interview = models.ForeignKey(
        "core.Interview", on_delete=models.CASCADE, related_name="scorecards"
    )
    version = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["interview_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "version"], name="scorecard_version_once")
        ]

    def __str__(self) -> str:
        return f"Scorecard v{self.version} of interview {self.interview_id}"


class Competency(models.Model):
    """What is rated, how much it counts, and what a 1, a 3 and a 5 look like."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="competencies")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=120)
    weight = models.DecimalField(max_digits=6, decimal_places=2)
    anchor_1 = models.TextField()
    anchor_3 = models.TextField()
    anchor_5 = models.TextField()
    questions = models.ManyToManyField("core.Question", related_name="competencies")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=0), name="competency_weight_gte_0"
            ),
            models.UniqueConstraint(fields=["scorecard", "name"], name="competency_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class CompetencyRating(models.Model):
    """A reviewer's 1-5 for one competency shown in one answer, against its anchors."""

    review = models.ForeignKey(
        "reviews.Review", on_delete=models.CASCADE, related_name="competency_ratings"
    )
    # Denormalised from the review, as on Rating, so that aggregates need no join.
    invitation = models.ForeignKey(
        "core.Invitation", on_delete=models.CASCADE, related_name="competency_ratings"
    )
    question = models.ForeignKey(
        "core.Question", on_delete=models.CASCADE, related_name="competency_ratings"
    )
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="ratings")
    score = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "question", "competency"],
                name="competency_rating_once",
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5),
                name="competency_rating_score_1_to_5",
            ),
        ]
        indexes = [models.Index(fields=["invitation", "competency"])]

    def __str__(self) -> str:
        return f"{self.score} for {self.competency_id} on question {self.question_id}"
