"""Side-by-side compare in Chromium: pick a question and three candidates, play one,
move to the next with the keyboard (the first pauses, the next plays), rate in place."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from test_review import completed_candidate, signed_in, stored_files  # noqa: F401

from oneway.accounts.roles import Role
from oneway.core.models import Invitation, Organisation
from oneway.reviews.models import Rating, ReviewerAssignment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def playing(page: Page) -> list[bool]:
    return page.evaluate(
        "() => [...document.querySelectorAll('[data-side-by-side] video')].map(v => !v.paused)"
    )


def test_side_by_side_play_switch_rate(
    live_server,  # type: ignore[no-untyped-def]
    page: Page,
    org: Organisation,
    make_member,  # type: ignore[no-untyped-def]
    stored_files: list[str],  # noqa: F811
    axe_check,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    first = completed_candidate(org, stored_files, tmp_path)
    interview = first.interview
    names = ["Grace Hopper", "Alan Turing", "Ada Lovelace"]
    others = []
    for name in names[1:]:
        other = completed_candidate(org, stored_files, tmp_path)
        # Move the second interview's candidate into the first interview, answers included.
        Invitation.objects.filter(pk=other.pk).update(
            interview=interview, name=name, email=f"{name.split()[0].lower()}@example.com"
        )
        for answer, question in zip(
            other.answers.order_by("question__position"),
            interview.questions.order_by("position"),
            strict=True,
        ):
            answer.question = question
            answer.save(update_fields=["question"])
        others.append(other)
    reviewer = make_member(org, Role.REVIEWER, email="rita@example.com")
    ReviewerAssignment.objects.create(organisation=org, interview=interview, user=reviewer)
    signed_in(page.context, reviewer, live_server.url)

    page.goto(f"{live_server.url}/app/reviews/interviews/{interview.pk}/side-by-side/")
    page.get_by_label("Question 1:").check()
    page.get_by_role("button", name="Choose candidates").click()
    for name in names:
        page.get_by_label(name).check()
    page.get_by_role("button", name="Show side by side").click()
    cells = page.locator("[data-side-by-side] [data-answer-section]")
    expect(cells).to_have_count(3)
    page.wait_for_function(
        "() => [...document.querySelectorAll('video')].every(v => v.readyState >= 1)"
    )
    expect(cells.first.locator("[data-transcript]")).to_contain_text("billing")
    axe_check(page)

    # Play the first with the keyboard, then move to the next: one plays at a time.
    page.locator("h1").click()
    page.keyboard.press("k")
    page.wait_for_function(
        "() => document.querySelector('[data-side-by-side] video').currentTime > 0.3"
    )
    assert playing(page) == [True, False, False]
    expect(cells.first).to_have_class("review-answer side-by-side-cell is-active")
    page.keyboard.press("n")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-side-by-side] video')[1].currentTime > 0.2"
    )
    assert playing(page) == [False, True, False]
    expect(cells.nth(1)).to_have_class("review-answer side-by-side-cell is-active")
    page.keyboard.press("k")
    assert playing(page) == [False, False, False]

    # Rate each in place.
    for n, score in enumerate(["4", "2", "5"]):
        form = cells.nth(n).locator("[data-rating-form]")
        form.get_by_label(score, exact=True).check()
        expect(form.locator("[data-rating-status]")).to_have_text(f"Saved: {score}")
    shown = [cells.nth(n).locator("h2").inner_text() for n in range(3)]
    scores = dict(
        Rating.objects.filter(review__reviewer=reviewer).values_list("invitation__name", "score")
    )
    assert [scores[name] for name in shown] == [4, 2, 5]
    axe_check(page)
