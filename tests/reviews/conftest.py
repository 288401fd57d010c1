"""Fixtures for the review workspace: interviews with candidates who answered, reviewers."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from isolation_objects import make_interview, make_invitation

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import Answer, AnswerType, Interview, Invitation, Organisation, Take
from oneway.media.models import MediaItem
from oneway.reviews.models import ReviewerAssignment

WORDS = "I led the migration of our billing system to a new database with zero downtime"


def transcript_words(text: str = WORDS, start: float = 0.2) -> list[dict[str, Any]]:
    words = []
    t = start
    for word in text.split():
        words.append({"w": word, "start": round(t, 2), "end": round(t + 0.3, 2)})
        t += 0.4
    return words


@pytest.fixture(autouse=True)
def huey_immediate() -> Any:
    """Run queued tasks at once (emails land in the outbox during the test)."""
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


def add_answer(
    invitation: Invitation,
    question: Any,
    *,
    transcript: str = WORDS,
    text: str = "",
    takes: int = 1,
    rendition: str = "",
    poster: str = "",
    duration_ms: int = 4000,
    state: str = "ready",
) -> Answer:
    now = timezone.now()
    answer = Answer.objects.create(
        invitation=invitation,
        question=question,
        revealed_at=now - datetime.timedelta(minutes=3),
        submitted_at=now - datetime.timedelta(minutes=1),
        text=text if question.answer_type == AnswerType.TEXT else "",
    )
    if question.answer_type == AnswerType.TEXT:
        return answer
    take = None
    for number in range(1, takes + 1):
        item = MediaItem.objects.create(
            organisation=invitation.organisation,
            kind="audio" if question.answer_type == AnswerType.AUDIO else "video",
            original_name=f"originals/{invitation.pk}-{question.pk}-{number}.webm",
            rendition_name=rendition or f"renditions/{invitation.pk}-{question.pk}-{number}.mp4",
            poster_name=poster or f"posters/{invitation.pk}-{question.pk}-{number}.jpg",
            state=state,
            duration_ms=duration_ms,
            transcript_state="ready",
            transcript_text=transcript,
            transcript_words=transcript_words(transcript),
        )
        take = Take.objects.create(answer=answer, number=number, state="uploaded", media=item)
    answer.submitted_take = take
    answer.save(update_fields=["submitted_take"])
    return answer


@pytest.fixture
def make_candidate() -> Callable[..., Invitation]:
    def make(
        interview: Interview,
        *,
        name: str = "Grace Hopper",
        email: str | None = None,
        status: str = "completed",
        answered: int | None = None,
        transcript: str = WORDS,
        **fields: Any,
    ) -> Invitation:
        now = timezone.now()
        invitation = make_invitation(
            interview,
            name=name,
            email=email or f"{name.split()[0].lower()}-{Invitation.objects.count()}@example.com",
            status=status,
            completed_at=now if status == "completed" else None,
            **fields,
        )
        questions = list(interview.questions.all())
        count = len(questions) if answered is None else answered
        for question in questions[:count]:
            add_answer(
                invitation,
                question,
                transcript=transcript,
                text=f"My written answer mentions {transcript.split()[-1]}.",
            )
        return invitation

    return make


@pytest.fixture
def interview(org: Organisation) -> Interview:
    interview = make_interview(org, title="Backend engineer", questions=2)
    interview.questions.create(
        position=2, prompt="Write about a bug you fixed.", answer_type=AnswerType.TEXT
    )
    first = interview.questions.first()
    assert first is not None
    first.rubric = "5: concrete example with measurable result."
    first.save()
    return interview


@pytest.fixture
def assign() -> Callable[[User, Interview], ReviewerAssignment]:
    def make(user: User, interview: Interview) -> ReviewerAssignment:
        return ReviewerAssignment.objects.create(
            organisation=interview.organisation, interview=interview, user=user
        )

    return make


@pytest.fixture
def assigned_reviewer(
    reviewer: User, interview: Interview, assign: Callable[..., ReviewerAssignment]
) -> User:
    assign(reviewer, interview)
    return reviewer


@pytest.fixture
def second_reviewer(
    org: Organisation,
    interview: Interview,
    make_member: Callable[..., User],
    assign: Callable[..., ReviewerAssignment],
) -> User:
    user = make_member(org, Role.REVIEWER, email="sam.lee@example.com")
    assign(user, interview)
    return user


@pytest.fixture
def candidate(interview: Interview, make_candidate: Callable[..., Invitation]) -> Invitation:
    return make_candidate(interview)
