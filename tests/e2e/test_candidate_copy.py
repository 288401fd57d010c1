"""Copy that never contradicts itself, as a candidate meets it in a browser (issue 16,
section 3): the error summary on a phone, the practice and audio-only recorder messages,
one countdown, the wording after a reload, and a favicon on every page."""

import re

import pytest
from playwright.sync_api import Page

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_media_processing"),
]

PHONE = {"width": 390, "height": 844}
AUDIO = {"answer_type": "audio", "thinking_seconds": 3, "max_answer_seconds": 60, "retakes": 1}
CLOCK = re.compile(r"\d+:\d\d")


def _top(page: Page, selector: str) -> float:
    return page.locator(selector).first.evaluate("e => e.getBoundingClientRect().top")


def test_a_refused_consent_on_a_phone_focuses_a_summary_that_links_to_the_box(
    live_server, new_context, make_candidate, candidate_browser, axe_check
) -> None:
    link = make_candidate(questions=["video"], practice_enabled=False)
    page = new_context(viewport=PHONE, has_touch=True).new_page()
    candidate = candidate_browser(on=page)
    candidate.open(link)
    page.get_by_role("button", name="Agree and start").click()
    page.wait_for_load_state("load")
    summary = page.locator(".error-summary")
    summary.wait_for()
    page.wait_for_function("() => document.activeElement.matches('.error-summary')")
    # Near the top of the page, above every section, and on screen after the submit.
    assert _top(page, ".error-summary") < _top(page, "section.card")
    box = summary.bounding_box()
    # (scrolled into view to the top: a fraction of a pixel above it is still the top)
    assert box is not None and -1 < box["y"] < PHONE["height"]
    assert "There is a problem" in summary.inner_text()
    error_link = summary.get_by_role("link", name="Tick the box to agree before you start.")
    assert error_link.get_attribute("href") == "#id_agree"
    axe_check(page)
    error_link.click()
    page.wait_for_function("() => document.activeElement.id === 'id_agree'")
    label = page.locator("label[for=id_agree]").bounding_box()
    assert label is not None and 0 <= label["y"] < PHONE["height"]


def test_an_audio_practice_shows_one_countdown_never_a_camera_and_is_never_sent(
    page, make_candidate, candidate_browser
) -> None:
    link = make_candidate(questions=[AUDIO], practice_enabled=True)
    candidate = candidate_browser()
    candidate.open(link)
    candidate.consent()
    candidate.device_check(skip=True)
    ready = page.locator("main").inner_text()
    assert "your camera" not in ready.lower()  # "Audio answer (no camera)" is fine
    assert "Your microphone turns on when you show the question (no camera)." in ready
    candidate.reveal()
    page.locator("#countdown:not([hidden])").wait_for()
    page.wait_for_timeout(1500)
    # One clock on screen: the countdown line; the status announces without a number.
    clocks = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(e => e.children.length === 0 && e.offsetParent !== null)
            .map(e => e.textContent).filter(t => /\\d+:\\d\\d/.test(t))"""
    )
    assert len(clocks) == 1, clocks
    status = page.locator("#recorder-status").inner_text()
    assert not CLOCK.search(status) and "your camera" not in status.lower(), status
    take_id = candidate.record(1.5)
    status = page.locator("#recorder-status").inner_text()
    assert "never sent to the team" in status, status
    assert "The team will receive" not in status
    page.locator("#takes-fieldset").wait_for()
    takes = page.locator("#submit-form").inner_text()
    assert "Listen to take 1" in takes and "Watch" not in takes
    assert "choose the one to send" not in takes
    assert "Practice takes are never sent to the team." in takes
    assert take_id


def _wait_for_chunks(candidate, take_id: int, count: int) -> None:
    for _ in range(200):
        chunks = [k for k in candidate.chunks.chunks if k.endswith(f":answer:{take_id}")]
        if chunks and len(candidate.chunks.chunks[chunks[0]]) >= count:
            return
        candidate.page.wait_for_timeout(50)
    raise AssertionError("the recorder stored no chunks")


def test_after_a_reload_an_audio_take_is_described_where_the_page_shows_it(
    page, make_candidate, candidate_browser
) -> None:
    link = make_candidate(questions=[AUDIO], practice_enabled=False)
    candidate = candidate_browser(record_chunks=True)
    candidate.open(link)
    candidate.consent()
    candidate.device_check(skip=True)
    candidate.reveal()
    take_id = candidate.start()
    _wait_for_chunks(candidate, take_id, 3)
    page.reload()
    candidate.wait_ready()
    candidate.wait_saved(take_id)
    status = page.locator("#recorder-status").inner_text()
    assert "interrupted" in status
    assert "watch" not in status.lower() and "Listen" in status, status
    assert "in the player above" in status and "your takes below" in status
    # The layout agrees: the player above the message, the takes (with Listen) below it.
    page.locator("#playback:not([hidden])").wait_for()
    player = page.locator("#playback").bounding_box()
    message = page.locator("#recorder-status").bounding_box()
    takes = page.locator("#takes-fieldset").bounding_box()
    assert player and message and takes
    assert player["y"] + player["height"] <= message["y"] <= takes["y"]
    assert page.get_by_role("button", name="Listen to take 1").is_visible()


def test_no_page_asks_for_a_missing_favicon(
    page, live_server, make_candidate, candidate_browser
) -> None:
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    link = make_candidate(questions=["video"], practice_enabled=False)
    candidate = candidate_browser()
    candidate.open(link)
    candidate.consent()
    page.goto(live_server.url + "/accounts/login/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon and icon.endswith(".svg")
    assert page.request.get(live_server.url + icon).status == 200
    legacy = page.request.get(live_server.url + "/favicon.ico")
    assert legacy.status == 200 and legacy.headers["content-type"].startswith("image/svg+xml")
    assert missing == []
