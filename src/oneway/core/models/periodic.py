from django.db import models
from django.utils import timezone


class PeriodicRun(models.Model):
    """One periodic job's run in one period: the row is the claim that makes a job run
    once per period however many job consumers enqueue it (see oneway.core.periodic)."""

    name = models.CharField(max_length=200)
    # The start of the period (UTC), e.g. 12:05 for a job every 5 minutes run at 12:07.
    slot = models.DateTimeField()
    started_at = models.DateTimeField(default=timezone.now)
    # Which consumer ran it ("host:pid"), for the operator.
    runner = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="core_periodic_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M}"
