from django.conf import settings
from django.db import models
from django.utils import timezone


class ReviewerAssignment(models.Model):
    """A member asked to review an interview's candidates.

    Reviewers see only the interviews they are assigned to; owners and admins see all.
    """

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="reviewer_assignments"
    )
    interview = models.ForeignKey(
        "core.Interview", on_delete=models.CASCADE, related_name="reviewer_assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interview", "user"], name="reviewer_assigned_once")
        ]
        indexes = [models.Index(fields=["user", "organisation"])]

    def __str__(self) -> str:
        return f"{self.user_id} reviews interview {self.interview_id}"
