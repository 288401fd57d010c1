"""A legal hold shows on the interview's and the candidate's staff pages."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oneway.accounts.models import User
from oneway.candidate.testing import create_candidate
from oneway.core.models import Organisation

pytestmark = pytest.mark.django_db


def test_the_interview_and_invitation_pages_show_a_hold(
    owner_client: Client, org: Organisation, owner: User
) -> None:
    invitation = create_candidate(org, actor=owner).invitation
    interview = invitation.interview
    interview_url = reverse("dashboard:interview_detail", args=[interview.pk])
    invitation_url = reverse("dashboard:invitation_detail", args=[interview.pk, invitation.pk])
    assert "Legal hold" not in owner_client.get(interview_url).content.decode()
    assert "Legal hold" not in owner_client.get(invitation_url).content.decode()

    invitation.legal_hold_at = timezone.now()
    invitation.legal_hold_note = "Tribunal claim 2026-118"
    invitation.save(update_fields=["legal_hold_at", "legal_hold_note"])
    page = owner_client.get(invitation_url).content.decode()
    assert "Legal hold" in page and "Tribunal claim 2026-118" in page
    assert "Legal hold" not in owner_client.get(interview_url).content.decode()

    interview.legal_hold_at = timezone.now()
    interview.legal_hold_note = "Audit of the whole round"
    interview.save(update_fields=["legal_hold_at", "legal_hold_note"])
    page = owner_client.get(interview_url).content.decode()
    assert "Legal hold" in page and "Audit of the whole round" in page
