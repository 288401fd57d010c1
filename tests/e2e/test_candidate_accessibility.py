"""Phone width, keyboard only, visible focus, axe-core: the candidate pages."""

import pytest
from playwright.sync_api import Page

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_media_processing"),
]

PHONE = {"width": 360, "height": 740}


def _fits(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    wide = page.evaluate(
        """(max) => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > max)
            .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)""",
        PHONE["width"],
    )
    assert width <= PHONE["width"], f"{page.url} is {width}px wide: {wide}"


def _tab_to(page: Page, selector: str) -> None:
    """Press Tab until ``selector`` has the focus (as a keyboard user would)."""
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"no visible focus on {selector}"
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_the_candidate_pages_work_at_phone_width_with_the_keyboard(
    live_server, new_context, make_candidate, candidate_browser, axe_check
) -> None:
    link = make_candidate(
        questions=[{"answer_type": "video", "thinking_seconds": 20, "max_answer_seconds": 30}],
        practice_enabled=False,
    )
    page = new_context(viewport=PHONE, has_touch=True).new_page()
    candidate = candidate_browser(on=page)
    candidate.open(link)
    _fits(page)
    axe_check(page)

    _tab_to(page, "#id_agree")
    page.keyboard.press("Space")
    _tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/device-check/")
    candidate.wait_ready()
    _tab_to(page, "#turn-on")
    page.keyboard.press("Enter")
    page.wait_for_selector("#record-clip:not([disabled])")
    _fits(page)
    axe_check(page)
    candidate.device_check(skip=True)

    _tab_to(page, "#reveal")
    page.keyboard.press("Enter")
    candidate.wait_ready()
    page.locator("#start-now").wait_for(state="visible")
    assert page.evaluate("() => document.activeElement.id") == "start-now"  # focus follows
    _fits(page)
    axe_check(page)  # question shown, thinking countdown
    page.keyboard.press("Enter")
    page.locator("#stop").wait_for(state="visible")
    assert page.evaluate("() => document.activeElement.id") == "stop"
    page.wait_for_timeout(1500)
    page.keyboard.press("Enter")
    page.wait_for_selector("#recorder[data-last-saved]")
    _fits(page)
    axe_check(page)  # watching back, choosing the take
    _tab_to(page, "#submit-answer")
    page.keyboard.press("Enter")
    page.wait_for_url("**/c/submit/")
    _fits(page)
    axe_check(page)
