"""Scorecard rating in Chromium: an admin sets up competencies, a reviewer rates each
competency of each answer against its anchors, sees nothing of the scores before
submitting and the weighted scores after; a second reviewer's spread appears once both
assigned reviewers have submitted."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from test_review import completed_candidate, signed_in, stored_files  # noqa: F401

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import Organisation
from oneway.reviews.models import CompetencyRating, Rating, ReviewerAssignment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_scorecard_rating_hidden_until_submitted(
    live_server,  # type: ignore[no-untyped-def]
    page: Page,
    new_context,  # type: ignore[no-untyped-def]
    org: Organisation,
    admin_user: User,
    make_member,  # type: ignore[no-untyped-def]
    stored_files: list[str],  # noqa: F811
    axe_check,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    invitation = completed_candidate(org, stored_files, tmp_path)
    interview = invitation.interview
    rita = make_member(org, Role.REVIEWER, email="rita@example.com")
    sam = make_member(org, Role.REVIEWER, email="sam@example.com")
    for user in (rita, sam):
        ReviewerAssignment.objects.create(organisation=org, interview=interview, user=user)

    # The admin sets up two competencies; a negative weight is refused first.
    signed_in(page.context, admin_user, live_server.url)
    page.goto(f"{live_server.url}/app/reviews/interviews/{interview.pk}/scorecard/")
    rows = page.locator("#competency-rows fieldset.competency-row")

    def fill(n: int, name: str, weight: str, questions: list[str]) -> None:
        row = rows.nth(n)
        row.get_by_role("textbox", name="Competency", exact=True).fill(name)
        row.get_by_role("spinbutton", name="Weight").fill(weight)
        row.get_by_role("textbox", name="What a 1 looks like").fill(f"{name}: nothing concrete")
        row.get_by_role("textbox", name="What a 3 looks like").fill(f"{name}: a plain example")
        row.get_by_role("textbox", name="What a 5 looks like").fill(f"{name}: a measured result")
        for question in questions:
            row.get_by_label(question).check()

    fill(0, "Problem solving", "-2", ["Question 1", "Question 2"])
    page.get_by_role("button", name="Add a competency").click()
    fill(1, "Communication", "1", ["Question 1"])
    page.get_by_role("button", name="Save scorecard").click()
    expect(page.get_by_role("alert")).to_contain_text("a weight cannot be negative")
    rows.nth(0).get_by_role("spinbutton", name="Weight").fill("2")
    axe_check(page)
    page.get_by_role("button", name="Save scorecard").click()
    expect(page.get_by_text("Scorecard version 1 saved.")).to_be_visible()

    # Sam rates and submits first (through the page, like Rita below).
    def review(page: Page, user: User, scores: dict[tuple[int, str], str]) -> None:
        signed_in(page.context, user, live_server.url)
        page.goto(f"{live_server.url}/app/reviews/candidates/{invitation.pk}/")
        for (answer, competency), score in scores.items():
            form = page.get_by_role("group", name=f"{competency} in answer {answer}")
            form.get_by_label(score, exact=False).first.check()
            expect(form.locator("[data-rating-status]")).to_have_text(f"Saved: {score}")

    sam_page = new_context().new_page()
    review(
        sam_page,
        sam,
        {(1, "Problem solving"): "5", (2, "Problem solving"): "5", (1, "Communication"): "1"},
    )
    sam_page.get_by_label("Yes", exact=True).check()
    sam_page.get_by_role("button", name="Submit review").click()
    expect(sam_page.get_by_text("You submitted your review")).to_be_visible()

    # Rita sees the anchors and nothing of Sam's scores before she submits.
    page.context.clear_cookies()
    review(
        page,
        rita,
        {(1, "Problem solving"): "4", (2, "Problem solving"): "2", (1, "Communication"): "5"},
    )
    group = page.get_by_role("group", name="Communication in answer 1")
    expect(group).to_contain_text("Communication: a measured result")
    scorecard = page.locator("#scorecard")
    expect(scorecard).to_contain_text("appear once you submit your review")
    expect(scorecard.locator("table")).to_have_count(0)
    expect(page.locator("[data-rating-progress]")).to_have_text("2 of 2 answers rated")
    assert Rating.objects.filter(review__reviewer=rita).count() == 2
    assert CompetencyRating.objects.filter(review__reviewer=rita).count() == 3
    axe_check(page)

    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_text("You submitted your review")).to_be_visible()
    # Rita: problem solving 3, communication 5 -> (3*2 + 5)/3 = 3.67; the team's too.
    expect(scorecard.locator("[data-my-overall]")).to_have_text("3.67")
    expect(scorecard.locator("[data-team-overall]")).to_have_text("3.67")
    first = scorecard.locator("[data-disagreement] li").first
    expect(first).to_contain_text("Communication")
    expect(first).to_contain_text("from 1.0 to 5.0 (spread 4.0)")
    axe_check(page)
