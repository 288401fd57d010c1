"""The team's videos for candidates (issue 16): an interview's welcome video and the
video of a question.

A team member records one in the browser (a tus upload, purpose ``prompt-video``) or
uploads a file; either way the stored file becomes a media item that goes through the
same pipeline as answers (rendition, poster, captions, transcript). Replacing a video
deletes the previous one; a video that fails processing is simply not shown to
candidates (the interview stays usable) and the team sees why on the interview page.

These videos are the organisation's, not a candidate's: they are not part of any
candidate's data (export or erasure) and are deleted with their interview or question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest

from oneway.core.audit import log_action
from oneway.core.models import Interview, Question

if TYPE_CHECKING:
    from oneway.media.models import MediaItem

# A recording or file longer or larger than this is refused (a welcome is a minute or
# two; a question well under one).
PROMPT_VIDEO_MAX_SECONDS = 300
PROMPT_VIDEO_MAX_BYTES = 300 * 1024 * 1024


def _log(
    action: str,
    interview: Interview,
    *,
    actor: Any,
    obj: Any,
    data: dict[str, Any],
    request: HttpRequest | None,
) -> None:
    log_action(
        action,
        organisation=interview.organisation,
        actor=actor,
        obj=obj,
        interview_id=interview.pk,
        data=data,
        request=request,
    )


def _locked_target(interview: Interview, question: Question | None) -> Interview | Question:
    if question is not None:
        if question.interview_id != interview.pk:
            raise ValueError("The question belongs to another interview.")
        return Question.objects.select_for_update().get(pk=question.pk)
    return Interview.objects.select_for_update().get(pk=interview.pk)


def _swap(
    interview: Interview,
    question: Question | None,
    target: Interview | Question,
    item: MediaItem | None,
) -> MediaItem | None:
    """Point the locked row (and the caller's object) at ``item``; returns the video it
    pointed at before. Saves nothing when both are None."""
    field = "prompt_media" if question is not None else "welcome_media"
    previous = getattr(target, field)
    if previous is None and item is None:
        return None
    setattr(target, field, item)
    target.save(update_fields=[field])
    setattr(question if question is not None else interview, field, item)
    return previous


def prompt_video_set(
    *,
    interview: Interview,
    question: Question | None = None,
    original_name: str,
    size: int,
    actor: Any,
    source: str,
    request: HttpRequest | None = None,
) -> Any:
    """Make the stored file ``original_name`` the interview's welcome video (or, with
    ``question``, that question's video), replacing any earlier one, and queue its
    processing. ``source`` is "recorded" or "uploaded". Returns the new media item."""
    from oneway.media.models import MediaKind
    from oneway.media.services import media_item_create, media_item_delete

    with transaction.atomic():
        target = _locked_target(interview, question)
        item = media_item_create(
            organisation=interview.organisation,
            original_name=original_name,
            size=size,
            kind=MediaKind.VIDEO,
            # The original goes once the rendition is verified (a failure keeps it for
            # a retry): nobody reviews a team's own video.
            keep_original=False,
            # The team speaks the interview's language (captions carry it as srclang).
            spoken_language=interview.language,
            actor=actor,
        )
        previous = _swap(interview, question, target, item)
        _log(
            "question.video_set" if question is not None else "interview.welcome_video_set",
            interview,
            actor=actor,
            obj=target,
            data={
                "media": item.pk,
                "source": source,
                "size": size,
                "replaced": previous.pk if previous is not None else None,
            },
            request=request,
        )
        if previous is not None:
            media_item_delete(item=previous, actor=actor)
    return item


def prompt_video_remove(
    *,
    interview: Interview,
    question: Question | None = None,
    actor: Any,
    request: HttpRequest | None = None,
) -> bool:
    """Remove the welcome video (or the question's video) and delete its files. Returns
    False when there was none."""
    from oneway.media.services import media_item_delete

    with transaction.atomic():
        target = _locked_target(interview, question)
        previous = _swap(interview, question, target, None)
        if previous is None:
            return False
        _log(
            "question.video_removed" if question is not None else "interview.welcome_video_removed",
            interview,
            actor=actor,
            obj=target,
            data={"media": previous.pk},
            request=request,
        )
        media_item_delete(item=previous, actor=actor)
    return True


def interview_welcome_text_update(
    *, interview: Interview, text: str, actor: Any, request: HttpRequest | None = None
) -> Interview:
    """The text version of the welcome video that candidates read (empty: the transcript)."""
    text = text.strip()
    if text == interview.welcome_text:
        return interview
    with transaction.atomic():
        interview.welcome_text = text
        interview.save(update_fields=["welcome_text", "updated_at"])
        _log(
            "interview.welcome_text_updated",
            interview,
            actor=actor,
            obj=interview,
            data={"characters": len(text)},
            request=request,
        )
    return interview
