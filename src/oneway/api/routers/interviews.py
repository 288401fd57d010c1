"""Interviews with their questions: list, read, create."""

import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from oneway.access import access_interview, require, visible_interviews
from oneway.api.common import (
    CURSOR_DESCRIPTION,
    UPDATED_SINCE_DESCRIPTION,
    Id,
    Input,
    Limit,
    Page,
    UtcDateTime,
    utc,
    viewer_of,
)
from oneway.api.pagination import DEFAULT_LIMIT, page
from oneway.api.problems import Problem, field_error
from oneway.core.models import AnswerType, DeadlineMode, Interview
from oneway.core.services.interviews import interview_create, question_create

router = Router(tags=["Interviews"])


class QuestionOut(Schema):
    id: int
    position: int
    prompt: str
    answer_type: str
    thinking_seconds: int
    max_answer_seconds: int
    max_characters: int
    retakes: int
    rubric: str


class InterviewOut(Schema):
    id: int
    title: str
    intro_text: str
    contact_email: str
    language: str = Field(description="The language candidates read unless an invitation says.")
    deadline_mode: str
    deadline_at: datetime.datetime | None
    deadline_timezone: str
    deadline_days: int
    blind_mode: bool
    practice_enabled: bool
    archived: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    questions: list[QuestionOut]


def interview_out(interview: Interview) -> InterviewOut:
    return InterviewOut(
        id=interview.pk,
        title=interview.title,
        intro_text=interview.intro_text,
        contact_email=interview.contact_email,
        language=interview.language,
        deadline_mode=interview.deadline_mode,
        deadline_at=utc(interview.deadline_at),
        deadline_timezone=interview.deadline_timezone,
        deadline_days=interview.deadline_days,
        blind_mode=interview.blind_mode,
        practice_enabled=interview.practice_enabled,
        archived=interview.archived_at is not None,
        created_at=utc(interview.created_at),  # type: ignore[arg-type]
        updated_at=utc(interview.updated_at),  # type: ignore[arg-type]
        questions=[
            QuestionOut(
                id=q.pk,
                position=q.position,
                prompt=q.prompt,
                answer_type=q.answer_type,
                thinking_seconds=q.thinking_seconds,
                max_answer_seconds=q.max_answer_seconds,
                max_characters=q.max_characters,
                retakes=q.retakes,
                rubric=q.rubric,
            )
            for q in interview.questions.all()
        ],
    )


class InterviewFilters(Schema):
    status: Literal["active", "archived"] | None = None
    updated_since: UtcDateTime | None = Field(None, description=UPDATED_SINCE_DESCRIPTION)
    cursor: str | None = Field(None, max_length=200, description=CURSOR_DESCRIPTION)
    limit: Limit = DEFAULT_LIMIT


@router.get("/interviews", response=Page[InterviewOut], summary="List interviews")
def list_interviews(request: HttpRequest, filters: Query[InterviewFilters]) -> Page[InterviewOut]:
    interviews = visible_interviews(viewer_of(request)).prefetch_related("questions")
    if filters.status == "active":
        interviews = interviews.filter(archived_at__isnull=True)
    elif filters.status == "archived":
        interviews = interviews.filter(archived_at__isnull=False)
    if filters.updated_since is not None:
        interviews = interviews.filter(updated_at__gte=filters.updated_since)
    rows, next_cursor = page(interviews, cursor=filters.cursor, limit=filters.limit)
    return Page[InterviewOut](data=[interview_out(i) for i in rows], next_cursor=next_cursor)


@router.get("/interviews/{interview_id}", response=InterviewOut, summary="Get an interview")
def get_interview(request: HttpRequest, interview_id: Id) -> InterviewOut:
    return interview_out(access_interview(viewer_of(request), interview_id))


class QuestionIn(Input):
    prompt: str = Field(min_length=1, max_length=5000)
    answer_type: AnswerType = AnswerType.VIDEO
    thinking_seconds: int | None = Field(None, ge=0, le=300)
    max_answer_seconds: int | None = Field(None, ge=10, le=600)
    max_characters: int | None = Field(None, ge=50, le=20000)
    retakes: int | None = Field(None, ge=0, le=5)
    rubric: str = Field("", max_length=5000)


class InterviewIn(Input):
    title: str = Field(min_length=1, max_length=200)
    contact_email: str = Field(max_length=254, description="Where candidates write with questions.")
    intro_text: str = Field("", max_length=10000)
    thank_you_text: str = Field("", max_length=10000)
    language: str = Field(
        "en",
        max_length=16,
        description="What candidates read: en, de, fr, es, nl, pt-br, pl or ar.",
    )
    deadline_mode: DeadlineMode = DeadlineMode.RELATIVE
    deadline_at: UtcDateTime | None = Field(None, description="For a fixed deadline.")
    deadline_timezone: str | None = Field(None, max_length=64)
    deadline_days: int = Field(5, ge=1, le=90)
    blind_mode: bool = False
    practice_enabled: bool = True
    questions: list[QuestionIn] = Field(default_factory=list, max_length=50)


@router.post(
    "/interviews", response={201: InterviewOut}, summary="Create an interview with questions"
)
def create_interview(request: HttpRequest, body: InterviewIn) -> Status[InterviewOut]:
    viewer = viewer_of(request)
    require(viewer, "interviews.edit")
    if viewer.interview_ids is not None:
        raise Problem(403, "A key limited to some interviews cannot create interviews.")
    fields = body.model_dump(exclude={"questions"}, exclude_none=True)
    with transaction.atomic():
        interview = interview_create(
            organisation=viewer.org, fields=fields, actor=viewer.user, request=request
        )
        for index, question in enumerate(body.questions):
            try:
                question_create(
                    interview=interview,
                    fields=question.model_dump(exclude_none=True),
                    actor=viewer.user,
                    request=request,
                )
            except ValidationError as exc:
                raise Problem(
                    422,
                    "A question is not valid.",
                    errors=[
                        field_error(f"questions.{index}.{field}", message)
                        for field, messages in exc.message_dict.items()
                        for message in messages
                    ],
                ) from exc
    interview = Interview.objects.prefetch_related("questions").get(pk=interview.pk)
    return Status(201, interview_out(interview))
