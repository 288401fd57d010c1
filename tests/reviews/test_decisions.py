"""The decision pipeline: a person moves a candidate, history is kept, the candidate may be
told by email from the interview's templates."""

from collections.abc import Callable

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Interview, Invitation
from oneway.reviews.models import Decision, DecisionEmailTemplate, DecisionEvent
from oneway.reviews.services import decision_change, decision_template_save

pytestmark = pytest.mark.django_db


def test_decision_changes_keep_a_history(
    candidate: Invitation, assigned_reviewer: User, admin_user: User
) -> None:
    decision_change(invitation=candidate, status="shortlisted", actor=assigned_reviewer)
    decision_change(invitation=candidate, status="rejected", actor=admin_user, reason="Role filled")
    decision = Decision.objects.get(invitation=candidate)
    assert decision.status == "rejected" and decision.changed_by == admin_user
    history = list(DecisionEvent.objects.filter(invitation=candidate).order_by("id"))
    assert [(e.from_status, e.to_status) for e in history] == [
        ("new", "shortlisted"),
        ("shortlisted", "rejected"),
    ]
    assert history[1].reason == "Role filled"
    assert AuditEntry.objects.filter(action="decision.changed").count() == 2
    with pytest.raises(ValidationError):
        decision_change(invitation=candidate, status="rejected", actor=admin_user)
    with pytest.raises(ValidationError):
        decision_change(invitation=candidate, status="hired-by-robot", actor=admin_user)


def test_reviewer_shortlists_from_the_page_and_sees_the_history(
    candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    response = reviewer_client.post(
        reverse("dashboard:review_decision", args=[candidate.pk]),
        {"status": "shortlisted", "reason": "Clear answers"},
    )
    assert response.status_code == 302
    page = reviewer_client.get(reverse("dashboard:review_candidate", args=[candidate.pk]))
    content = page.content.decode()
    assert "New → <strong>Shortlisted</strong>" in content and "Clear answers" in content


def test_a_reviewer_may_not_email_the_candidate(
    candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    response = reviewer_client.post(
        reverse("dashboard:review_decision", args=[candidate.pk]),
        {"status": "rejected", "notify": "on"},
    )
    assert response.status_code == 403
    assert not Decision.objects.exists() and not mail.outbox


def test_decision_email_uses_the_interviews_template_and_leads_with_the_format_card(
    candidate: Invitation,
    admin_user: User,
    admin_client: Client,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    decision_template_save(
        interview=candidate.interview,
        status="rejected",
        subject="About {interview_title}",
        body="Dear {candidate_name}, thank you. Write to {contact_email}.",
        actor=admin_user,
    )
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = admin_client.post(
            reverse("dashboard:review_decision", args=[candidate.pk]),
            {"status": "rejected", "notify": "on"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [candidate.email]
    assert message.subject == "About Backend engineer"
    assert message.body.startswith("== RECORDED INTERVIEW ==")
    assert "Dear Grace Hopper, thank you. Write to jobs@acme.test." in message.body
    event = DecisionEvent.objects.get()
    assert event.candidate_emailed_at is not None
    assert AuditEntry.objects.filter(action="decision.candidate_emailed").exists()


def test_default_templates_exist_for_every_outcome_but_new(
    candidate: Invitation,
    admin_user: User,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        decision_change(
            invitation=candidate, status="advanced", actor=admin_user, notify_candidate=True
        )
    assert "next step" in mail.outbox[0].subject
    with pytest.raises(ValidationError):
        decision_change(invitation=candidate, status="new", actor=admin_user, notify_candidate=True)


def test_template_placeholders_are_checked(interview: Interview, admin_user: User) -> None:
    with pytest.raises(ValidationError) as error:
        decision_template_save(
            interview=interview, status="rejected", subject="Hi", body="{salary}", actor=admin_user
        )
    assert "{salary}" in str(error.value)
    assert not DecisionEmailTemplate.objects.exists()


def test_decision_emails_page_saves_and_re_renders_errors(
    interview: Interview, admin_client: Client, reviewer_client: Client
) -> None:
    url = reverse("dashboard:review_decision_emails", args=[interview.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and b"on our shortlist" in page.content
    bad = admin_client.post(url, {"status": "on_hold", "on_hold-subject": "", "on_hold-body": ""})
    assert bad.status_code == 400 and b"This field is required" in bad.content
    good = admin_client.post(
        url, {"status": "on_hold", "on_hold-subject": "Wait", "on_hold-body": "Please wait."}
    )
    assert good.status_code == 302
    assert DecisionEmailTemplate.objects.get().subject == "Wait"
    assert reviewer_client.get(url).status_code in (403, 404)


def test_nothing_changes_a_decision_automatically(candidate: Invitation) -> None:
    """Completing, reviewing and rating never move the pipeline: only decision_change does."""
    assert not Decision.objects.exists()
    import inspect

    import oneway.reviews.tasks as tasks

    assert "decision_change" not in inspect.getsource(tasks)
