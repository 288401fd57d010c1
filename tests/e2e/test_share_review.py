"""A hiring manager opens a share link in a fresh browser and submits a full review.

Share pages send no referrer, so Chromium posts with ``Origin: null``; the "Origin: null,
token still required" CSRF variant (``oneway.core.csrf``) lets the ratings, the draft and
the submission through.
"""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext, expect
from test_review import completed_candidate, stored_files  # noqa: F401 (fixture)

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import Organisation
from oneway.reviews.models import Review
from oneway.reviews.services import share_link_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_hiring_manager_submits_a_full_review_through_a_share_link(
    live_server,  # type: ignore[no-untyped-def]
    new_context,  # type: ignore[no-untyped-def]
    org: Organisation,
    make_member,  # type: ignore[no-untyped-def]
    stored_files: list[str],  # noqa: F811
    tmp_path: Path,
) -> None:
    admin: User = make_member(org, Role.ADMIN, email="adam@example.com")
    invitation = completed_candidate(org, stored_files, tmp_path)
    invitation.interview.blind_mode = True
    invitation.interview.save()
    link, token = share_link_create(
        interview=invitation.interview,
        invitations=[invitation],
        label="Hiring manager",
        actor=admin,
        allow_rating=True,
    )
    context: BrowserContext = new_context()  # a fresh browser: no account, no cookies
    page = context.new_page()
    page.goto(live_server.url + reverse("dashboard:review_share", args=[token]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(invitation.interview.title)
    expect(page.locator("body")).not_to_contain_text("Grace Hopper")  # blind until submitted
    page.get_by_role("link", name="Candidate").first.click()

    for fieldset in page.locator("form.rating-form fieldset").all():
        fieldset.get_by_label("4").check()  # saved as soon as it is chosen
        expect(fieldset.locator("[data-rating-status]")).to_contain_text("Saved")

    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Note for the team (optional)").fill("Clear, calm answers.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_label("Note for the team (optional)")).to_have_value("Clear, calm answers.")
    review = Review.objects.get(share_link=link)
    assert review.submitted_at is None and review.note == "Clear, calm answers."

    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_text("You submitted: Yes. Thank you.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hopper")  # revealed now
    review.refresh_from_db()
    assert review.submitted_at is not None
    assert review.ratings.count() == invitation.interview.questions.count()


def test_hiring_manager_rates_competencies_through_a_share_link(
    live_server,  # type: ignore[no-untyped-def]
    new_context,  # type: ignore[no-untyped-def]
    org: Organisation,
    make_member,  # type: ignore[no-untyped-def]
    stored_files: list[str],  # noqa: F811
    tmp_path: Path,
) -> None:
    """On a scorecard interview the share page rates each competency against its anchors;
    the weighted overall shows only after submitting."""
    from decimal import Decimal

    from oneway.reviews.models import CompetencyRating
    from oneway.reviews.services.scorecards import CompetencyInput, scorecard_save

    admin: User = make_member(org, Role.ADMIN, email="adam@example.com")
    invitation = completed_candidate(org, stored_files, tmp_path)
    q1, q2 = invitation.interview.questions.all()
    scorecard_save(
        interview=invitation.interview,
        competencies=[
            CompetencyInput("Ownership", Decimal(3), "Blames", "Fixes", "Prevents", (q1.pk, q2.pk)),
            CompetencyInput("Clarity", Decimal(1), "Muddled", "Plain", "Vivid", (q1.pk,)),
        ],
        actor=admin,
    )
    link, token = share_link_create(
        interview=invitation.interview,
        invitations=[invitation],
        label="Hiring manager",
        actor=admin,
        allow_rating=True,
    )
    page = new_context().new_page()
    page.goto(
        live_server.url + reverse("dashboard:review_share_candidate", args=[token, invitation.pk])
    )
    expect(page.get_by_text("Prevents").first).to_be_visible()  # the anchors
    fieldsets = page.locator("form.competency-form fieldset")
    expect(fieldsets).to_have_count(3)  # Ownership in answers 1 and 2, Clarity in answer 1
    expect(page.locator("[data-my-overall]")).to_have_count(0)  # hidden until submitted
    # Ownership in answer 1: 2; Clarity in answer 1: 5 (its anchor); Ownership in answer 2: 4.
    for score, fieldset in zip(("2", "5", "4"), fieldsets.all(), strict=True):
        fieldset.locator(f'input[value="{score}"]').check()  # saved as soon as it is chosen
        expect(fieldset.locator("[data-rating-status]")).to_contain_text("Saved")
    assert CompetencyRating.objects.filter(review__share_link=link).count() == 3

    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_text("You submitted: Yes. Thank you.")).to_be_visible()
    # Ownership (weight 3): mean of 2 and 4 = 3; Clarity (weight 1): 5 -> (9 + 5) / 4 = 3.5.
    expect(page.locator("[data-my-overall]")).to_have_text("3.50")
