"""Test helpers for the candidate flow (used by this project's tests and by other areas'
tests): an interview with questions and an invitation with its link token.

    link = create_candidate(org, questions=["video", "audio", "text"], practice_enabled=False)
    client.get(link.path)  # opens the candidate's session
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone

from oneway.accounts.models import User
from oneway.core.models import Interview, Invitation, Organisation, Question
from oneway.core.services.invitations import invitation_create


@dataclass
class CandidateLink:
    invitation: Invitation
    token: str
    interview: Interview
    questions: list[Question] = field(default_factory=list)

    @property
    def path(self) -> str:
        return reverse("candidate:enter", args=[self.token])


QuestionSpec = str | dict[str, Any]


def create_candidate(
    organisation: Organisation,
    *,
    actor: User | None = None,
    questions: list[QuestionSpec] | None = None,
    name: str = "Alex Candidate",
    email: str = "alex@example.com",
    deadline: datetime.datetime | None = None,
    **interview_fields: Any,
) -> CandidateLink:
    """An interview of ``organisation`` with ``questions`` (answer types, or dicts of
    Question fields) and one invitation; returns it with its link token."""
    interview_fields.setdefault("title", "Backend engineer")
    interview_fields.setdefault("contact_email", "jobs@acme.example")
    interview_fields.setdefault("intro_text", "Thanks for applying! Three short questions.")
    interview = Interview.objects.create(organisation=organisation, **interview_fields)
    specs = questions if questions is not None else ["video", "video", "video"]
    created = []
    for position, spec in enumerate(specs):
        fields: dict[str, Any] = {"answer_type": spec} if isinstance(spec, str) else dict(spec)
        fields.setdefault("prompt", f"Question {position + 1}: tell us about a project you liked.")
        fields.setdefault("thinking_seconds", 5)
        fields.setdefault("max_answer_seconds", 30)
        fields.setdefault("retakes", 1)
        created.append(Question.objects.create(interview=interview, position=position, **fields))
    invitation, token = invitation_create(
        interview=interview,
        name=name,
        email=email,
        deadline=deadline or timezone.now() + datetime.timedelta(days=3),
        actor=actor,
        send=False,
    )
    return CandidateLink(invitation=invitation, token=token, interview=interview, questions=created)
