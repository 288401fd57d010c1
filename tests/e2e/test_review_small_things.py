"""Small things a team hits every day, in Chromium: the share link's copy button, a new
comment clear of the sticky toolbar, and the slot form adding rows as needed."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from test_review import completed_candidate, signed_in, stored_files  # noqa: F401

from oneway.accounts.models import User
from oneway.core.models import Organisation
from oneway.live.models import SlotOffer
from oneway.reviews.models import Comment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_new_share_link_has_a_copy_button(
    live_server,  # type: ignore[no-untyped-def]
    page: Page,
    org: Organisation,
    admin_user: User,
    stored_files: list[str],  # noqa: F811
    axe_check,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    invitation = completed_candidate(org, stored_files, tmp_path)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    signed_in(page.context, admin_user, live_server.url)
    page.goto(f"{live_server.url}/app/reviews/interviews/{invitation.interview_id}/shares/")
    page.get_by_label("Shared with").fill("Dana the hiring manager")
    page.get_by_label("Grace Hopper").check()
    page.get_by_role("button", name="Create link").click()
    url = page.get_by_role("textbox", name="Share link").input_value()
    assert "/share/" in url
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status").filter(has_text="Link copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
    axe_check(page)


def test_a_new_comment_is_not_hidden_under_the_sticky_toolbar(
    live_server,  # type: ignore[no-untyped-def]
    page: Page,
    org: Organisation,
    admin_user: User,
    stored_files: list[str],  # noqa: F811
    tmp_path: Path,
) -> None:
    invitation = completed_candidate(org, stored_files, tmp_path)
    page.set_viewport_size({"width": 800, "height": 600})
    signed_in(page.context, admin_user, live_server.url)
    page.goto(f"{live_server.url}/app/reviews/candidates/{invitation.pk}/")
    second = page.locator("[data-answer-section]").nth(1)
    second.get_by_label("Comment on answer 2").fill("Worth a follow-up question.")
    second.get_by_role("button", name="Add comment").click()
    page.wait_for_load_state()
    comment = Comment.objects.get()
    assert page.url.endswith(f"#comment-{comment.pk}")
    page.wait_for_timeout(300)
    toolbar = page.locator(".review-toolbar").bounding_box()
    added = page.locator(f"#comment-{comment.pk}").bounding_box()
    assert toolbar is not None and added is not None
    assert added["y"] >= toolbar["y"] + toolbar["height"]  # below the toolbar, not under it
    assert added["y"] < 600  # and on screen


def test_slot_form_adds_rows_as_needed(
    live_server,  # type: ignore[no-untyped-def]
    page: Page,
    admin_user: User,
    axe_check,  # type: ignore[no-untyped-def]
) -> None:
    signed_in(page.context, admin_user, live_server.url)
    page.goto(f"{live_server.url}/live/slots/new/")
    ranges = page.locator("#slot-ranges fieldset.slot-range")
    expect(ranges).to_have_count(3)
    expect(page.get_by_text("Need more ranges? Save, then edit")).to_have_count(0)
    page.get_by_label("Name").fill("Winter panel")
    day = (timezone.now() + datetime.timedelta(days=12)).date()
    for n in range(3, 7):
        page.get_by_role("button", name="Add a range").click()
        expect(ranges).to_have_count(n + 1)
        row = ranges.nth(n)
        expect(row.locator("legend")).to_have_text(f"Range {n + 1}")
        expect(row.get_by_label("Date")).to_be_focused()
    for n in range(2, 7):
        row = ranges.nth(n)
        row.get_by_label("Date").fill((day + datetime.timedelta(days=n)).isoformat())
        row.get_by_label("From").fill("10:00")
        row.get_by_label("To").fill("11:00")
    axe_check(page)
    page.get_by_role("button", name="Save slots").click()
    expect(page.get_by_text("Slots saved.")).to_be_visible()
    assert SlotOffer.objects.get().ranges.count() == 7  # two suggested + five added
