"""The candidate's catalogs: every candidate-facing string ships translated into every
shipped language, and no translation breaks a placeholder or the language's plural forms.

The strings are extracted afresh from the sources (``candidate_messages`` into a copy of the
committed catalogs, as msgmerge does for a real update), so a string added or changed
without a translation fails here, not in front of a candidate.
"""

import re
import shutil
import subprocess
from pathlib import Path

import django
import polib
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from oneway.candidate.jsstrings import js_strings
from oneway.core import catalog

LOCALES = ["de", "fr", "es", "nl", "pt_BR", "pl", "ar"]

# %(name)s, %s, %d ... (not "%%"); {name} as the JavaScript strings use.
PERCENT = re.compile(r"%(?:\((?P<name>[^)]+)\))?[-#0 +]*\d*(?:\.\d+)?(?P<kind>[diouxXeEfFgGcrsa])")
BRACES = re.compile(r"(?<!\{)\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def placeholders(text: str, *, python_format: bool) -> list[str]:
    """The placeholders of ``text``, sorted (positional ones by kind, in order)."""
    found = [f"{{{m['name']}}}" for m in BRACES.finditer(text)]
    if python_format:
        without_escapes = text.replace("%%", "")
        for match in PERCENT.finditer(without_escapes):
            found.append(f"%({match['name']})" if match["name"] else f"%{match['kind']}")
    return sorted(found)


def plural_count(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    assert match, "the catalog has no Plural-Forms header"
    return int(match.group(1))


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, polib.POFile]:
    """The committed catalogs merged with what the sources hold now."""
    directory = tmp_path_factory.mktemp("locale")
    shutil.copytree(
        catalog.locale_dir(), directory, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.mo")
    )
    with override_settings(LOCALE_PATHS=[directory]):
        call_command("candidate_messages", verbosity=0)
    return {
        locale: polib.pofile(str(directory / locale / "LC_MESSAGES" / "django.po"))
        for locale in LOCALES
    }


def test_every_shipped_language_has_a_catalog() -> None:
    assert sorted(catalog.shipped_locales()) == sorted(LOCALES)
    for locale in LOCALES:
        assert (catalog.locale_dir() / locale / "LC_MESSAGES" / "django.po").is_file()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_candidate_string_is_translated(fresh: dict[str, polib.POFile], locale: str) -> None:
    po = fresh[locale]
    live = [entry for entry in po if not entry.obsolete]
    assert len(live) > 500, "the extraction found too few strings: is the file set right?"
    missing = [entry.msgid for entry in live if not entry.translated()]
    assert not missing, (
        f"{len(missing)} of {len(live)} candidate-facing strings have no {locale} translation "
        f"(or a fuzzy one); regenerate with `python -m oneway candidate_messages` and "
        f"translate them. First ones: {missing[:5]}"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_their_placeholders(fresh: dict[str, polib.POFile], locale: str) -> None:
    po = fresh[locale]
    forms = plural_count(po)
    broken: list[str] = []
    for entry in po:
        if entry.obsolete:
            continue
        python_format = "python-format" in entry.flags
        if entry.msgid_plural:
            if len(entry.msgstr_plural) != forms:
                broken.append(f"{entry.msgid!r}: {len(entry.msgstr_plural)} plural forms")
                continue
            wanted = placeholders(entry.msgid_plural, python_format=python_format)
            texts = [text for _index, text in sorted(entry.msgstr_plural.items()) if text]
            for text in texts:
                # A form for one (or two) may spell the number out; none may add a name
                # the code does not pass, and the general (last) form keeps them all.
                if not set(placeholders(text, python_format=python_format)) <= set(wanted):
                    broken.append(f"{entry.msgid!r}: {text!r}")
            last = entry.msgstr_plural[forms - 1]
            if last and placeholders(last, python_format=python_format) != wanted:
                broken.append(f"{entry.msgid!r}: {last!r}")
        elif entry.msgstr:
            wanted = placeholders(entry.msgid, python_format=python_format)
            if placeholders(entry.msgstr, python_format=python_format) != wanted:
                broken.append(f"{entry.msgid!r}: {entry.msgstr!r}")
    assert not broken, f"{locale}: translations that break a placeholder: {broken[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_rules_are_the_languages_own(locale: str) -> None:
    """The header gives each language its plural rule (Arabic has six forms, Polish four)."""
    ours = polib.pofile(str(catalog.locale_dir() / locale / "LC_MESSAGES" / "django.po"))
    djangos = polib.pofile(
        str(Path(django.__file__).parent / "conf" / "locale" / locale / "LC_MESSAGES" / "django.po")
    )
    assert ours.metadata["Plural-Forms"] == djangos.metadata["Plural-Forms"]
    assert ours.metadata["Language"] == locale
    assert not ours.metadata_is_fuzzy


def test_arabic_counts_use_arabic_plural_forms() -> None:
    """ngettext picks the form by the language's rule: six forms in Arabic."""
    po = polib.pofile(str(catalog.locale_dir() / "ar" / "LC_MESSAGES" / "django.po"))
    assert plural_count(po) == 6
    arabic = translation.trans_real.translation("ar")
    # n=0 -> form 0, 1 -> 1, 2 -> 2, 3..10 -> 3, 11..99 -> 4, 100.. -> 5
    assert [arabic.plural(n) for n in (0, 1, 2, 5, 11, 100)] == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogs_compile(locale: str) -> None:
    po = catalog.locale_dir() / locale / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-header", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert po.with_suffix(".mo").is_file(), "the test run compiles missing catalogs"


def test_the_javascript_strings_are_in_the_catalog(fresh: dict[str, polib.POFile]) -> None:
    """The recorder's messages come from the server (jsstrings.py), so they are extracted."""
    msgids = {entry.msgid for entry in fresh["de"]}
    with translation.override("en"):
        strings = js_strings()
    assert strings
    assert set(strings.values()) <= msgids


@pytest.mark.parametrize(
    "source",
    [
        "oneway/candidate/jsstrings.py",
        "oneway/candidate/templates/candidate/question.html",
        "oneway/candidate/templates/candidate/_language_switch.html",
        "oneway/core/templates/emails/invitation_subject.txt",
        "oneway/core/templates/emails/reminder.html",
        "oneway/core/templates/emails/receipt.txt",
        "oneway/core/templates/emails/data_export_ready.html",
        "oneway/core/templates/emails/erasure_receipt.txt",
        "oneway/core/templates/core/format_card.html",
        "oneway/core/format_card.py",
        "oneway/live/ics.py",
        "oneway/live/templates/emails/live_candidate.txt",
        "oneway/uploads/views.py",
        "oneway/templates/form_errors.html",
    ],
)
def test_the_catalog_covers_what_candidates_read(source: str) -> None:
    assert Path(source) in catalog.candidate_source_files()


@pytest.mark.parametrize(
    "source",
    [
        "oneway/core/templates/emails/team_completed.txt",
        "oneway/core/templates/emails/member_invite.html",
        "oneway/dashboard/templates/dashboard/interview_form.html",
    ],
)
def test_staff_only_text_stays_out_of_the_catalog(source: str) -> None:
    assert Path(source) not in catalog.candidate_source_files()
