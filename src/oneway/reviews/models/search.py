from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone


class CandidateSearchDocument(models.Model):
    """What the dashboard's text search looks in: a candidate's submitted transcripts and
    text answers, in one row per candidate.

    On PostgreSQL ``vector`` holds the tsvector (GIN-indexed, see the migration); on
    SQLite it stays empty and the search falls back to ``document``.
    """

    invitation = models.OneToOneField(
        "core.Invitation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_document",
    )
    document = models.TextField(blank=True)
    vector = SearchVectorField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Search document of {self.invitation_id}"
