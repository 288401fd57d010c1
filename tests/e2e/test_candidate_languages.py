"""The whole candidate flow in a left-to-right language (German, the interview's) and in a
right-to-left one (Arabic, chosen with the switcher on the landing page), axe clean.

What the pages must say is read from the catalogs with gettext, so these tests stay right
whoever writes (or rewrites) the translations. Screenshots of the Arabic flow go to the test
artefacts directory ($ONEWAY_TEST_ARTEFACTS, else <data dir>/test-artefacts; not committed).
"""

import os
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import Page

from oneway.core import catalog

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_media_processing"),
]

QUESTION = {"answer_type": "video", "thinking_seconds": 120, "max_answer_seconds": 30, "retakes": 1}
PLACEHOLDER = re.compile(r"%|\{")


def artefacts() -> Path:
    directory = Path(
        os.environ.get("ONEWAY_TEST_ARTEFACTS") or Path(settings.DATA_DIR) / "test-artefacts"
    )
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def tr(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def english_left_over(page: Page, language: str) -> list[str]:
    """Sentences of the catalog translated into ``language`` that the page still shows in
    English (none once the catalog is translated; nothing to check while it is not)."""
    locale = translation.to_locale(language)
    po = polib.pofile(str(catalog.locale_dir() / locale / "LC_MESSAGES" / "django.po"))
    text = page.evaluate("() => document.body.innerText")
    return [
        entry.msgid
        for entry in po.translated_entries()
        if not entry.msgid_plural
        and len(entry.msgid) >= 20
        and not PLACEHOLDER.search(entry.msgid)
        and entry.msgstr != entry.msgid
        and entry.msgid in text
    ]


def check_page(page: Page, language: str, direction: str, axe_check) -> None:
    html = page.locator("html")
    assert html.get_attribute("lang") == language
    assert html.get_attribute("dir") == direction
    assert page.locator("label[for=language-choice]").inner_text() == tr(language, "Language")
    assert page.locator("#language-choice").input_value() == language
    assert not english_left_over(page, language), page.url
    # Nothing pushes the page sideways (an RTL page scrolls to the left when it overflows).
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} overflows by {overflow}px"
    axe_check(page)


def run_flow(page: Page, candidate, language: str, direction: str, axe_check, shots: str = ""):
    """Landing (already open) -> consent -> device check -> one question -> sent."""

    def shot(name: str) -> None:
        if shots:
            page.screenshot(path=str(artefacts() / f"{shots}-{name}.png"), full_page=True)

    check_page(page, language, direction, axe_check)
    shot("1-landing")
    page.locator("#id_agree").check()
    page.locator("form:has(#id_agree) button[type=submit]").click()
    page.wait_for_url("**/device-check/")

    def checked() -> None:
        check_page(page, language, direction, axe_check)
        shot("2-device-check")

    candidate.device_check(before_continue=checked)

    candidate.reveal()
    check_page(page, language, direction, axe_check)
    take = candidate.start()
    # The preview is a mirror, once: the page's direction does not flip it again.
    mirror = page.evaluate(
        """() => {
            const video = document.querySelector('video.preview');
            let flips = 0;
            for (let e = video; e; e = e.parentElement) {
                const t = getComputedStyle(e).transform;
                if (t && t !== 'none' && t.startsWith('matrix(-1')) flips += 1;
            }
            return flips;
        }"""
    )
    assert mirror == 1
    # "0:01 / 0:30": elapsed, then the limit, in every direction.
    assert (
        page.evaluate("() => getComputedStyle(document.getElementById('timer')).direction") == "ltr"
    )
    page.wait_for_timeout(1500)
    shot("3-recording")
    candidate.stop(take)
    check_page(page, language, direction, axe_check)
    shot("4-recorded")
    candidate.send_answer()
    page.wait_for_url("**/c/submit/")
    check_page(page, language, direction, axe_check)
    candidate.send_interview()
    check_page(page, language, direction, axe_check)
    shot("5-sent")


def test_the_flow_in_german_the_interviews_language(
    page: Page, make_candidate, candidate_browser, axe_check
) -> None:
    link = make_candidate(questions=[QUESTION], practice_enabled=False, language="de")
    candidate = candidate_browser()
    candidate.open(link)
    run_flow(page, candidate, "de", "ltr", axe_check)
    link.invitation.refresh_from_db()
    assert link.invitation.status == "completed"


def test_the_flow_in_arabic_right_to_left_chosen_on_the_page(
    page: Page, make_candidate, candidate_browser, axe_check
) -> None:
    link = make_candidate(questions=[QUESTION], practice_enabled=False)  # English interview
    candidate = candidate_browser()
    candidate.open(link)
    assert page.locator("html").get_attribute("lang") == "en"
    # The switcher is a plain form: choose, press the button, the same page comes back.
    page.locator("#language-choice").select_option("ar")
    with page.expect_navigation():
        page.locator(".language-switch button[type=submit]").click()
    page.wait_for_selector('html[dir="rtl"]')
    # Mirrored where it matters: the switch sits at the start (right) of the header row.
    header = page.locator(".candidate-header").bounding_box()
    switch = page.locator(".language-switch").bounding_box()
    brand = page.locator(".candidate-header .brand").bounding_box()
    assert header and switch and brand
    assert brand["x"] > switch["x"], "in Arabic the organisation's name comes first, on the right"
    run_flow(page, candidate, "ar", "rtl", axe_check, shots="rtl-arabic")
