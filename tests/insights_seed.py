"""Candidates in every state, for the insights tests (unit and browser).

Candidate ``n`` of an interview with two questions follows pattern ``n % 5``:
0 invited only; 1 submitted in 8 minutes, reviewed and decided; 2 submitted in 25
minutes after a slow device check; 3 left at question 2; 4 failed the device check in
Firefox and went no further.
"""

import datetime

from django.utils import timezone
from isolation_objects import make_invitation

from oneway.accounts.models import User
from oneway.core.models import Answer, AuditEntry, Interview, Invitation
from oneway.reviews.models import DecisionEvent, Rating, Review

CHROME = "Chrome"


def _device(invitation: Invitation, result: str, browser: str, at: datetime.datetime) -> None:
    AuditEntry.objects.create(
        organisation=invitation.organisation,
        action="candidate.device_checked",
        actor_label="candidate",
        interview_id=invitation.interview_id,
        invitation_id=invitation.pk,
        data={"skipped": not result.startswith("ok"), "result": result, "browser": browser},
        created_at=at,
    )


def _answer(invitation: Invitation, position: int, at: datetime.datetime, done: bool) -> None:
    question = invitation.interview.questions.get(position=position)
    Answer.objects.create(
        invitation=invitation,
        question=question,
        revealed_at=at,
        submitted_at=at + datetime.timedelta(minutes=2) if done else None,
    )


def seed_insights(interview: Interview, count: int, reviewers: list[User]) -> list[Invitation]:
    now = timezone.now() - datetime.timedelta(days=10)
    made = []
    first = interview.invitations.count()
    for n in range(first, first + count):
        kind = n % 5
        at = now + datetime.timedelta(minutes=n)
        invitation = make_invitation(
            interview, name=f"Seeded Candidate {n}", email=f"seeded-{interview.pk}-{n}@example.com"
        )
        made.append(invitation)
        if kind == 0:
            continue
        invitation.opened_at = at
        if kind == 4:
            _device(invitation, "NotAllowedError", "Firefox", at)
            invitation.save()
            continue
        _device(invitation, "ok-slow" if kind == 2 else "ok", "Safari" if kind == 2 else CHROME, at)
        invitation.started_at = at + datetime.timedelta(minutes=1)
        _answer(invitation, 0, invitation.started_at, True)
        _answer(invitation, 1, invitation.started_at + datetime.timedelta(minutes=3), kind != 3)
        if kind in (1, 2):
            minutes = 8 if kind == 1 else 25
            invitation.completed_at = invitation.started_at + datetime.timedelta(minutes=minutes)
            invitation.status = "completed"
        else:
            invitation.status = "in_progress"
        invitation.save()
        if kind == 1:
            for reviewer, scores in zip(reviewers, [(4, 4), (2, 3)], strict=False):
                review = Review.objects.create(
                    organisation=invitation.organisation,
                    invitation=invitation,
                    reviewer=reviewer,
                    recommendation="yes",
                    submitted_at=invitation.completed_at + datetime.timedelta(hours=12),
                )
                for question, score in zip(interview.questions.all(), scores, strict=True):
                    Rating.objects.create(
                        review=review, invitation=invitation, question=question, score=score
                    )
            DecisionEvent.objects.create(
                organisation=invitation.organisation,
                invitation=invitation,
                from_status="new",
                to_status="advanced",
                created_at=invitation.completed_at + datetime.timedelta(days=2),
            )
    return made
