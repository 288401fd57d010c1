"""Answers with short-lived signed media URLs, and their transcripts (text and WebVTT)."""

import datetime
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from oneway.access import access_answer, access_invitation
from oneway.api.common import Id, utc, viewer_of
from oneway.api.problems import Problem
from oneway.core.models import Answer
from oneway.media.models import MediaItem, ProcessingState
from oneway.media.signing import media_url, url_seconds
from oneway.reviews.captions import webvtt

router = Router(tags=["Answers"])


class MediaOut(Schema):
    state: str
    duration_ms: int | None
    video_url: str | None
    poster_url: str | None
    urls_expire_at: datetime.datetime | None


class AnswerOut(Schema):
    id: int
    invitation_id: int
    question_id: int | None
    answer_type: str
    revealed_at: datetime.datetime | None
    submitted_at: datetime.datetime | None
    text: str | None
    media: MediaOut | None
    transcript_state: str | None


def _media_out(request: HttpRequest, item: MediaItem) -> MediaOut:
    ready = item.state == ProcessingState.READY
    label = f"api-key:{request.api_key_id}"  # type: ignore[attr-defined]

    def url(variant: str) -> str:
        path = media_url(item=item, user=None, variant=variant, request=request, actor_label=label)
        return settings.BASE_URL + path

    return MediaOut(
        state=item.state,
        duration_ms=item.duration_ms,
        video_url=url("rendition") if ready and item.rendition_name else None,
        poster_url=url("poster") if ready and item.poster_name else None,
        urls_expire_at=(
            datetime.datetime.fromtimestamp(int(time.time()) + url_seconds(), tz=datetime.UTC)
            if ready
            else None
        ),
    )


def answer_out(request: HttpRequest, answer: Answer) -> AnswerOut:
    take = answer.submitted_take if answer.submitted_at is not None else None
    item = take.media if take is not None else None
    question = answer.question
    return AnswerOut(
        id=answer.pk,
        invitation_id=answer.invitation_id,
        question_id=answer.question_id,
        answer_type=question.answer_type if question is not None else "",
        revealed_at=utc(answer.revealed_at),
        submitted_at=utc(answer.submitted_at),
        text=answer.text if answer.submitted_at is not None and item is None else None,
        media=_media_out(request, item) if item is not None else None,
        transcript_state=item.transcript_state if item is not None else None,
    )


@router.get(
    "/invitations/{invitation_id}/answers",
    response=list[AnswerOut],
    summary="A candidate's answers",
    description="Media URLs are signed and expire after a few minutes (`urls_expire_at`).",
)
def list_answers(request: HttpRequest, invitation_id: Id) -> list[AnswerOut]:
    invitation = access_invitation(viewer_of(request), invitation_id)
    answers = (
        Answer.objects.filter(invitation=invitation, is_practice=False)
        .select_related("question", "submitted_take__media__organisation")
        .order_by("question__position", "question_id")
    )
    return [answer_out(request, answer) for answer in answers]


@router.get("/answers/{answer_id}", response=AnswerOut, summary="Get an answer")
def get_answer(request: HttpRequest, answer_id: Id) -> AnswerOut:
    return answer_out(request, access_answer(viewer_of(request), answer_id))


class TranscriptOut(Schema):
    answer_id: int
    state: str
    text: str


def _transcribed(request: HttpRequest, answer_id: int) -> MediaItem:
    answer = access_answer(viewer_of(request), answer_id)
    take = answer.submitted_take if answer.submitted_at is not None else None
    if take is None or take.media is None:
        raise Problem(404, "This answer has no recording.", kind="no-recording")
    return take.media


@router.get(
    "/answers/{answer_id}/transcript",
    response=TranscriptOut,
    summary="An answer's transcript as text",
)
def get_transcript(request: HttpRequest, answer_id: Id) -> TranscriptOut:
    item = _transcribed(request, answer_id)
    return TranscriptOut(
        answer_id=answer_id, state=item.transcript_state, text=item.transcript_text
    )


@router.get(
    "/answers/{answer_id}/transcript.vtt",
    summary="An answer's transcript as WebVTT captions",
    openapi_extra={
        "responses": {
            200: {
                "description": "WebVTT captions",
                "content": {"text/vtt": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_transcript_vtt(request: HttpRequest, answer_id: Id) -> HttpResponse:
    item = _transcribed(request, answer_id)
    return HttpResponse(webvtt(item.transcript_words), content_type="text/vtt; charset=utf-8")
