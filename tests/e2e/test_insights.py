"""The insights page in Chromium: the numbers in its tables equal direct counts over the
seeded data, the charts are labelled images, and axe finds nothing serious."""

import pytest
from insights_seed import seed_insights
from isolation_objects import make_interview
from playwright.sync_api import Page, expect
from test_review import signed_in

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import AuditEntry, Organisation
from oneway.reviews.models import Rating

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def table_values(page: Page, chart: str) -> dict[str, int]:
    section = page.locator(f"[data-chart={chart}]")
    values = {}
    for row in section.locator("tbody tr").all():
        values[row.locator("th").inner_text()] = int(row.locator("td").first.inner_text())
    return values


def test_insights_numbers_equal_direct_counts(
    live_server,  # type: ignore[no-untyped-def]
    page: Page,
    org: Organisation,
    admin_user: User,
    make_member,  # type: ignore[no-untyped-def]
    axe_check,  # type: ignore[no-untyped-def]
) -> None:
    interview = make_interview(org, title="Warehouse lead", questions=2)
    reviewers = [make_member(org, Role.REVIEWER, email=f"r{n}@example.com") for n in range(2)]
    seed_insights(interview, 23, reviewers)
    invitations = interview.invitations.all()
    signed_in(page.context, admin_user, live_server.url)
    page.goto(f"{live_server.url}/app/reviews/interviews/{interview.pk}/insights/")
    expect(page.get_by_role("heading", name="Funnel")).to_be_visible()

    funnel = table_values(page, "funnel")
    device_passed = (
        AuditEntry.objects.filter(
            interview_id=interview.pk,
            action="candidate.device_checked",
            data__result__in=["ok", "ok-slow"],
        )
        .values("invitation_id")
        .distinct()
        .count()
    )
    assert funnel == {
        "Invited": invitations.count(),
        "Opened the link": invitations.filter(opened_at__isnull=False).count(),
        "Passed the device check": device_passed,
        "Started": invitations.filter(started_at__isnull=False).count(),
        "Submitted": invitations.filter(completed_at__isnull=False).count(),
    }
    device = table_values(page, "device")
    assert device == {
        "NotAllowedError · Firefox": AuditEntry.objects.filter(
            interview_id=interview.pk, data__result="NotAllowedError"
        ).count()
    }
    completion = table_values(page, "completion")
    assert sum(completion.values()) == invitations.filter(completed_at__isnull=False).count()
    reviewers_table = page.locator("[data-chart=reviewers] tbody tr")
    expect(reviewers_table).to_have_count(2)
    shown = sum(
        int(cell.inner_text())
        for row in reviewers_table.all()
        for cell in row.locator("td").all()[:5]
    )
    assert shown == Rating.objects.filter(invitation__interview=interview).count()
    expect(page.locator("svg[role=img]")).to_have_count(7)
    assert "Seeded Candidate" not in page.content()
    axe_check(page)

    page.goto(f"{live_server.url}/app/reviews/insights/")
    assert table_values(page, "funnel")["Invited"] == invitations.count()
    axe_check(page)
