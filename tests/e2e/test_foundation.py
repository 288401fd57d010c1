"""A recruiter's first morning, in a real browser: sign in, set up an interview with two
questions, invite a candidate; the candidate's email leads to a page with the format card."""

import re
from collections.abc import Callable

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from oneway.accounts.models import User
from oneway.core.models import Interview, Invitation

PASSWORD = "correct horse battery staple 42"


@pytest.mark.e2e
def test_sign_in_set_up_invite_and_open_the_link(
    page: Page, live_server, owner: User, axe_check: Callable[[Page], None]
) -> None:
    base = live_server.url
    page.goto(base + "/app/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    axe_check(page)
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Acme Hiring")).to_be_visible()

    # A new interview; the form explains itself and re-renders errors next to fields.
    page.get_by_role("link", name="New interview").first.click()
    axe_check(page)
    page.get_by_label("Title").fill("Support engineer")
    page.get_by_label("Contact for candidates' questions").fill("")
    page.get_by_role("button", name="Create interview").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("This field is required")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_contact_email")
    page.get_by_label("Contact for candidates' questions").fill("jobs@acme.test")
    page.get_by_role("spinbutton", name="Days after the invitation").fill("3")
    page.get_by_role("button", name="Create interview").click()
    expect(page.get_by_role("heading", name="Support engineer")).to_be_visible()
    expect(page.get_by_text("Add at least one question before inviting anyone.")).to_be_visible()

    for prompt in ("Tell us about yourself.", "Describe a hard problem you solved."):
        page.get_by_role("link", name="Add a question").click()
        page.get_by_role("textbox", name="Question").fill(prompt)
        page.get_by_label("Maximum answer length (seconds)").fill("90")
        page.get_by_role("button", name="Add question", exact=True).click()
        expect(page.get_by_text(prompt)).to_be_visible()
    # Reorder with the keyboard-operable buttons.
    page.get_by_role("button", name="Move question 2 up").click()
    expect(page.locator(".question-list li").first).to_contain_text("Describe a hard problem")
    axe_check(page)

    page.get_by_role("link", name="Invite a candidate").click()
    page.get_by_label("Candidate's name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Candidate's time zone").select_option("America/New_York")
    page.get_by_role("button", name="Send invitation", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Ada Lovelace"))).to_be_visible()
    expect(page.get_by_text("Invited", exact=True).first).to_be_visible()
    axe_check(page)

    interview = Interview.objects.get(title="Support engineer")
    assert [q.prompt for q in interview.questions.all()] == [
        "Describe a hard problem you solved.",
        "Tell us about yourself.",
    ]
    invitation = Invitation.objects.get(interview=interview)

    [message] = [m for m in mail.outbox if m.to == ["ada@example.com"]]
    assert message.body.lstrip().startswith("== RECORDED INTERVIEW ==")
    assert "(America/New_York)" in message.body and "2 questions" in message.body
    link = re.search(r"https?://\S+?(/c/[A-Za-z0-9_-]+/)", message.body)
    assert link is not None

    # The candidate, in another browser context: no staff session.
    candidate = page.context.browser.new_context()  # type: ignore[union-attr]
    try:
        candidate_page = candidate.new_page()
        candidate_page.goto(base + link.group(1))
        # The token is exchanged for a session and dropped from the address.
        expect(candidate_page).not_to_have_url(re.compile(link.group(1)))
        card = candidate_page.locator(".format-card")
        expect(card).to_contain_text("Recorded interview: no one will be on the call")
        expect(card).to_contain_text("(America/New_York)")
        expect(card).to_contain_text("2 questions")
        expect(card).to_contain_text("jobs@acme.test")
    finally:
        candidate.close()
    invitation.refresh_from_db()
    assert invitation.status == "opened"
