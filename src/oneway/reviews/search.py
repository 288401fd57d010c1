"""The candidates' text search: one document per candidate with their submitted answers'
transcripts and text answers.

PostgreSQL searches a GIN-indexed tsvector with ``websearch_to_tsquery``; SQLite falls
back to matching every word of the query as a substring.

Languages. Each part of the document (one transcript, one text answer) is turned into a
tsvector with the text search configuration of its own language, and the parts are
concatenated: a candidate may answer one question in German and the next in English, so
one configuration per candidate (the dominant language) would stem some answers wrongly.
A transcript's language is the one it records (``MediaItem.transcript_language``); a
language PostgreSQL has no stemmer for (Polish, for one) is indexed with ``simple``
(exact words, lower-cased). A part of unknown language (a text answer, a transcript made
before transcripts recorded their language, which PocketSphinx made in English) is
indexed with both ``english`` and ``simple``, as English was before and exact words in
any language.

The query is parsed under ``simple``, ``english`` and the configuration of every language
the candidate side ships in (``settings.LANGUAGES``), OR-ed: lexemes carry no
configuration, so "Erfahrungen" finds a German transcript through the German stem while an
English query still finds English stems. A transcript in another language (Whisper may
detect Italian, say) is stemmed in its own configuration and found by its exact words
through ``simple``. Eight configurations rather than all thirty keep a common word's
query a few milliseconds (the planner estimates an OR of thirty far too high). A word of one
language whose stem in another language's stemmer equals a word of a document in that
other language could match too; that is the price of not knowing the query's language.

Existing vectors are rebuilt with ``python -m oneway refresh-search``.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.expressions import Combinable
from django.utils import timezone

from oneway.core.models import Answer, Invitation
from oneway.reviews.models import CandidateSearchDocument

#: ISO 639-1 code -> PostgreSQL text search configuration. All are in stock PostgreSQL 14
#: (the oldest Django 5.2 supports), Armenian, Basque, Catalan, Hindi, Serbian and Yiddish
#: being the newest; a test checks them against ``pg_ts_config``. Polish has none.
LANGUAGE_CONFIGS = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
FALLBACK = "simple"
UNKNOWN = ("english", FALLBACK)  # a part without a recorded language


def configs_for(language: str) -> tuple[str, ...]:
    """The configurations a part in ``language`` (an ISO code, maybe with a region, or
    "") is indexed with."""
    code = language.strip().lower().replace("_", "-").split("-")[0]
    if not code:
        return UNKNOWN
    return (LANGUAGE_CONFIGS.get(code, FALLBACK),)


def build_parts(invitation_id: int) -> list[tuple[str, str]]:
    """The document's parts as (text, language code; "" when not known)."""
    parts: list[tuple[str, str]] = []
    answers = (
        Answer.objects.filter(invitation_id=invitation_id, is_practice=False)
        .select_related("submitted_take__media", "question")
        .order_by("question__position", "question_id")
    )
    for answer in answers:
        if answer.text:
            parts.append((answer.text, ""))
        take = answer.submitted_take
        if take is not None and take.media is not None and take.media.transcript_text:
            parts.append((take.media.transcript_text, take.media.transcript_language))
    return parts


def build_document(invitation_id: int) -> str:
    return "\n".join(text for text, _language in build_parts(invitation_id))


def _vector(parts: list[tuple[str, str]]) -> Combinable:
    """``to_tsvector(config, part) || ...`` over the parts and their configurations."""
    vectors = [
        SearchVector(Value(text), config=config)
        for text, language in parts
        for config in configs_for(language)
    ]
    if not vectors:
        return SearchVector(Value(""), config=FALLBACK)
    combined: Combinable = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def search_documents_refresh(invitation_ids: Iterable[int]) -> int:
    """Rebuild the documents of these candidates (derived data: no audit entry)."""
    ids = sorted(set(invitation_ids))
    # An erased candidate gets no document back (a refresh queued before the erasure).
    existing = set(
        Invitation.objects.filter(pk__in=ids).exclude(status="erased").values_list("pk", flat=True)
    )
    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    for invitation_id in ids:
        if invitation_id not in existing:
            continue
        parts = build_parts(invitation_id)
        CandidateSearchDocument.objects.update_or_create(
            invitation_id=invitation_id,
            defaults={"document": "\n".join(text for text, _ in parts), "updated_at": now},
        )
        if postgres:
            CandidateSearchDocument.objects.filter(invitation_id=invitation_id).update(
                vector=_vector(parts)
            )
    return len(existing)


def query_configs() -> list[str]:
    """``simple``, ``english`` and the configurations of the shipped languages."""
    shipped = {configs_for(code)[0] for code, _name in settings.LANGUAGES}
    return [FALLBACK, *sorted((shipped | {"english"}) - {FALLBACK})]


def text_query(query: str) -> SearchQuery:
    """The query under each of ``query_configs()``, OR-ed."""
    configs = query_configs()
    combined = SearchQuery(query, config=configs[0], search_type="websearch")
    for config in configs[1:]:
        combined = combined | SearchQuery(query, config=config, search_type="websearch")
    return combined


def filter_by_text(invitations: QuerySet[Invitation], query: str, *, names: bool) -> QuerySet:
    """Candidates whose name or email (when ``names``) or answers match ``query``."""
    query = query.strip()
    if not query:
        return invitations
    documents = CandidateSearchDocument.objects.all()
    if connection.vendor == "postgresql":
        documents = documents.filter(vector=text_query(query))
    else:
        for word in query.split():
            documents = documents.filter(document__icontains=word.strip('"'))
    # A subquery (not a join) lets PostgreSQL answer it from the GIN index alone.
    text_match = Q(pk__in=documents.values("invitation_id"))
    if names:
        text_match |= Q(name__icontains=query) | Q(email__icontains=query)
    return invitations.filter(text_match)
