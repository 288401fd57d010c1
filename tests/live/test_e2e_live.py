"""In a real browser: a candidate books a live interview slot in their own time zone; the
team sees it on the dashboard and the format card says who they will meet, and where."""

import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Playwright, expect

from oneway.accounts.models import User
from oneway.live.models import LiveInterview, LiveStatus, SlotOffer

from .helpers import at, candidate_token

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple 42"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=os.environ.get("ONEWAY_CHROMIUM", "/usr/bin/chromium"), args=ARGS
    )
    yield browser
    browser.close()


def assert_accessible(page: Page) -> None:
    violations = [
        v
        for v in Axe().run(page).response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not violations, [(v["id"], v["help"]) for v in violations]


def test_candidate_books_a_slot_and_the_team_sees_it(
    chromium: Browser,
    live_server: Any,
    admin_user: User,
    make_live: Callable[..., LiveInterview],
    make_offer: Callable[..., SlotOffer],
) -> None:
    offer = make_offer(
        ranges=[(at(days=4, hour=14), at(days=4, hour=16))],
        slot_minutes=45,
        buffer_minutes=15,
        minimum_notice_hours=24,
    )
    live = make_live(slot_offer=offer, duration_minutes=45, candidate_timezone="Europe/London")
    token = candidate_token(live)

    # The candidate's device is in New York: the page offers that zone.
    context = chromium.new_context(timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/live/c/{token}/")
    expect(page.locator(".format-card h2")).to_have_text(
        "Live interview: you will meet Ivy Interviewer on Zoom"
    )
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Show times in that zone")).click()
    expect(page.get_by_label("Times are shown in this time zone")).to_have_value("America/New_York")
    first_slot = page.get_by_role("radio").first
    label = page.locator(f"label[for={first_slot.get_attribute('id')}]").inner_text()
    assert re.search(r"E[DS]T", label), label
    first_slot.check()
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_text("Booked.")).to_be_visible()
    expect(page.get_by_role("link", name="Add to my calendar (.ics)")).to_be_visible()
    assert_accessible(page)
    context.close()

    live.refresh_from_db()
    assert live.status == LiveStatus.SCHEDULED
    assert live.candidate_timezone == "America/New_York"

    # The team: signed in, the live interviews page lists it under its day.
    staff = chromium.new_context(timezone_id="Europe/London")
    page = staff.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(admin_user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/live/")
    expect(page.get_by_role("heading", name="Live interviews", exact=True)).to_be_visible()
    page.get_by_role("link", name="Carol Candidate").click()
    expect(page.get_by_role("link", name="Join on Zoom")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/live/new/")
    expect(page.get_by_role("heading", name="New live interview")).to_be_visible()
    # Choosing "I pick the time" reveals the time fields and hides the slot picker.
    page.get_by_label("I pick the time").check()
    expect(page.get_by_label("Starts at")).to_be_visible()
    expect(page.get_by_label("Slots offered")).to_be_hidden()
    assert_accessible(page)
    staff.close()
