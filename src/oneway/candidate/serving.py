"""Serving a candidate their own recording, with HTTP Range (players seek with it), and the
signed URLs of the team's welcome and question videos."""

import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import get_language

if TYPE_CHECKING:
    from oneway.core.models import Invitation, Question
    from oneway.media.models import MediaItem

RANGE = re.compile(r"\Abytes=(\d*)-(\d*)\Z")
BLOCK = 256 * 1024


def _read(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            block = handle.read(min(BLOCK, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block
    finally:
        handle.close()


def content_type_for(name: str, sniffed: str = "") -> str:
    if sniffed == "webm" or name.endswith((".webm", ".mkv")):
        return "video/webm"
    if sniffed == "mp4" or name.endswith((".mp4", ".m4a")):
        return "video/mp4"
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def recording_response(request: HttpRequest, name: str, *, content_type: str) -> HttpResponseBase:
    """The stored file ``name``, whole (200) or one range (206, 416 when unsatisfiable)."""
    if not name or not default_storage.exists(name):
        raise Http404
    size = default_storage.size(name)
    start, end = 0, size - 1
    status = 200
    match = RANGE.match(request.headers.get("Range", "").strip())
    if match and (match.group(1) or match.group(2)):
        first, last = match.group(1), match.group(2)
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # the last N bytes
            start = max(0, size - int(last))
        if start >= size or start > end:
            refused = HttpResponse(status=416)
            refused["Content-Range"] = f"bytes */{size}"
            return refused
        status = 206
    length = end - start + 1
    handle = default_storage.open(name, "rb")
    response = StreamingHttpResponse(_read(handle, start, length), status=status)
    response["Content-Type"] = content_type
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


# --- The team's videos for candidates (issue 16) --------------------------------------

# How long the URLs of a welcome or question video stay valid: the page may stay open a
# while before the candidate presses play (and seeks). They name the organisation's own
# video, never a candidate's recording.
PROMPT_VIDEO_URL_SECONDS = 3 * 3600


@dataclass(frozen=True)
class PromptVideo:
    """A welcome or question video as a candidate's page shows it."""

    src: str
    poster: str
    captions: str
    captions_language: str
    text: str  # the text version


def prompt_video(
    item: "MediaItem | None",
    *,
    invitation: "Invitation",
    text: str,
    request: HttpRequest | None = None,
) -> PromptVideo | None:
    """Signed URLs for a team's video that has been processed (None otherwise: a video
    still processing or failed is not shown, and the page works without it)."""
    from oneway.candidate.services import candidate_label
    from oneway.media.models import ProcessingState
    from oneway.media.signing import media_url

    if item is None or item.state != ProcessingState.READY or not item.has_video:
        return None
    label = candidate_label(invitation)

    def url(variant: str) -> str:
        return media_url(
            item=item,
            user=None,
            actor_label=label,
            variant=variant,
            request=request,
            seconds=PROMPT_VIDEO_URL_SECONDS,
        )

    return PromptVideo(
        src=url("rendition"),
        poster=url("poster") if item.poster_name else "",
        captions=url("captions") if item.captions_name else "",
        captions_language=item.transcript_language or item.spoken_language or get_language(),
        text=text,
    )


def welcome_video(
    invitation: "Invitation", request: HttpRequest | None = None
) -> PromptVideo | None:
    """The interview's welcome video; its text version is what the team typed, else the
    transcript the pipeline made."""
    from oneway.media.models import TranscriptState

    interview = invitation.interview
    item = interview.welcome_media
    if item is None:
        return None
    text = interview.welcome_text
    if not text and item.transcript_state == TranscriptState.READY:
        text = item.transcript_text
    return prompt_video(item, invitation=invitation, text=text, request=request)


def question_video(
    question: "Question | None", invitation: "Invitation", request: HttpRequest | None = None
) -> PromptVideo | None:
    """A question's video; the question's text is its text version."""
    if question is None or question.prompt_media is None:
        return None
    return prompt_video(
        question.prompt_media, invitation=invitation, text=question.prompt, request=request
    )
