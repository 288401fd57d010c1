"""The candidates' text search: one document per candidate with their submitted answers'
transcripts and text answers.

PostgreSQL searches a GIN-indexed tsvector (``websearch_to_tsquery``, English stemming);
SQLite falls back to matching every word of the query as a substring.
"""

from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from oneway.core.models import Answer, Invitation
from oneway.reviews.models import CandidateSearchDocument

SEARCH_CONFIG = "english"


def build_document(invitation_id: int) -> str:
    parts: list[str] = []
    answers = (
        Answer.objects.filter(invitation_id=invitation_id, is_practice=False)
        .select_related("submitted_take__media", "question")
        .order_by("question__position", "question_id")
    )
    for answer in answers:
        if answer.text:
            parts.append(answer.text)
        take = answer.submitted_take
        if take is not None and take.media is not None and take.media.transcript_text:
            parts.append(take.media.transcript_text)
    return "\n".join(parts)


def search_documents_refresh(invitation_ids: Iterable[int]) -> int:
    """Rebuild the documents of these candidates (derived data: no audit entry)."""
    ids = sorted(set(invitation_ids))
    # An erased candidate gets no document back (a refresh queued before the erasure).
    existing = set(
        Invitation.objects.filter(pk__in=ids).exclude(status="erased").values_list("pk", flat=True)
    )
    now = timezone.now()
    for invitation_id in ids:
        if invitation_id not in existing:
            continue
        CandidateSearchDocument.objects.update_or_create(
            invitation_id=invitation_id,
            defaults={"document": build_document(invitation_id), "updated_at": now},
        )
    if connection.vendor == "postgresql" and ids:
        CandidateSearchDocument.objects.filter(invitation_id__in=ids).update(
            vector=SearchVector("document", config=SEARCH_CONFIG)
        )
    return len(existing)


def filter_by_text(invitations: QuerySet[Invitation], query: str, *, names: bool) -> QuerySet:
    """Candidates whose name or email (when ``names``) or answers match ``query``."""
    query = query.strip()
    if not query:
        return invitations
    documents = CandidateSearchDocument.objects.all()
    if connection.vendor == "postgresql":
        documents = documents.filter(
            vector=SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        )
    else:
        for word in query.split():
            documents = documents.filter(document__icontains=word.strip('"'))
    # A subquery (not a join) lets PostgreSQL answer it from the GIN index alone.
    text_match = Q(pk__in=documents.values("invitation_id"))
    if names:
        text_match |= Q(name__icontains=query) | Q(email__icontains=query)
    return invitations.filter(text_match)
