"""Transcript search in the candidate's language: each transcript is stemmed with the
configuration of the language it records, the query under all of them (PostgreSQL)."""

from collections.abc import Callable

import pytest

from oneway.core.models import Interview, Invitation
from oneway.media.models import MediaItem
from oneway.reviews.search import configs_for, filter_by_text, search_documents_refresh

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]

GERMAN = "Ich habe viel Erfahrung mit verteilten Systemen und Datenbanken gesammelt"
ENGLISH = "I led the migration of our running services to Kubernetes clusters"
ARABIC = "لدي خبرة طويلة في البرمجة"
POLISH = "Mam doświadczenie w programowaniu systemów rozproszonych"


@pytest.fixture
def people(
    interview: Interview, make_candidate: Callable[..., Invitation]
) -> dict[str, Invitation]:
    made = {}
    for name, transcript, language in (
        ("Greta", GERMAN, "de"),
        ("Ellis", ENGLISH, "en"),
        ("Amal", ARABIC, "ar"),
        ("Piotr", POLISH, "pl"),
        ("Olde", ENGLISH, ""),  # made before transcripts recorded their language
    ):
        person = make_candidate(interview, name=name, transcript=transcript)
        MediaItem.objects.filter(take__answer__invitation=person).update(
            transcript_language=language
        )
        made[name] = person
    search_documents_refresh(Invitation.objects.values_list("pk", flat=True))
    return made


def found(query: str) -> set[str]:
    return set(
        filter_by_text(Invitation.objects.all(), query, names=False).values_list("name", flat=True)
    )


def test_every_configuration_exists_on_this_server() -> None:
    from django.db import connection

    from oneway.reviews.search import LANGUAGE_CONFIGS

    with connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config")
        available = {name for (name,) in cursor.fetchall()}
    assert set(LANGUAGE_CONFIGS.values()) | {"simple", "english"} <= available
    assert "polish" not in available  # hence "simple" for Polish


def test_configs_follow_the_recorded_language() -> None:
    assert configs_for("de") == ("german",)
    assert configs_for("pt-BR") == ("portuguese",)
    assert configs_for("ar") == ("arabic",)  # a snowball stemmer since PostgreSQL 13
    assert configs_for("pl") == ("simple",)  # none in stock PostgreSQL
    assert configs_for("xx") == ("simple",)
    assert configs_for("") == ("english", "simple")


def test_german_inflections_find_german_stems(people: dict[str, Invitation]) -> None:
    assert found("Erfahrungen") == {"Greta"}
    assert found("Datenbank") == {"Greta"}
    assert found("verteilte Systeme") == {"Greta"}


def test_english_stemming_is_unchanged(people: dict[str, Invitation]) -> None:
    assert found("migrations") == {"Ellis", "Olde"}
    assert found("run") == {"Ellis", "Olde"}
    assert found("cluster") == {"Ellis", "Olde"}
    assert found("Erfahrungen") & {"Ellis", "Olde"} == set()


def test_arabic_and_polish_match_exact_words(people: dict[str, Invitation]) -> None:
    assert found("البرمجة") == {"Amal"}
    assert found("doświadczenie") == {"Piotr"}
    assert found("programowaniu") == {"Piotr"}
    # No Polish stemmer: another inflection is another word.
    assert found("doświadczenia") == set()


def test_text_answers_of_unknown_language_keep_english_stemming(
    people: dict[str, Invitation],
) -> None:
    # make_candidate's written answer: "My written answer mentions <last word>."
    assert "Greta" in found("mention")


def test_refresh_search_command_rebuilds_existing_vectors(
    people: dict[str, Invitation],
) -> None:
    from io import StringIO

    from django.contrib.postgres.search import SearchVector
    from django.core.management import call_command

    from oneway.reviews.models import CandidateSearchDocument

    # Vectors as the previous release built them: English for every transcript.
    CandidateSearchDocument.objects.update(vector=SearchVector("document", config="english"))
    assert found("Datenbank") == set()
    out = StringIO()
    call_command("refresh-search", stdout=out)
    assert "5/5 search documents rebuilt" in out.getvalue()
    assert found("Datenbank") == {"Greta"}
