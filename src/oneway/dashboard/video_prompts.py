"""Recording the team's videos in the browser: the ``prompt-video`` upload policy and what
happens when such an upload completes (contract B).

The staff page records with the candidate's recorder (``candidate/recorder.js``) and
streams it over tus like an answer. The upload names its target in its metadata
(``target``: ``welcome:<interview id>`` or ``question:<question id>``); only a member who
may edit that interview (through the access gate: another organisation's interview is
not found) may create it, and every request on it is authorised again (or by the
upload's capability, for one recording's few minutes). The finished file must be a video
we can play, at most ``PROMPT_VIDEO_MAX_SECONDS`` long; it then becomes the target's
video (``prompt_video_set``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.access import Viewer, access_interview, access_question
from oneway.candidate.recordings import inspect_recording, sniff_container
from oneway.core.models import Interview, Membership, Question
from oneway.core.services.video_prompts import (
    PROMPT_VIDEO_MAX_BYTES,
    PROMPT_VIDEO_MAX_SECONDS,
    prompt_video_set,
)
from oneway.media.probe import Unprocessable
from oneway.uploads.models import Upload
from oneway.uploads.policy import Grant, UploadDenied, UploadPolicy, register_policy

PROMPT_VIDEO = "prompt-video"
# How long a recording's chunks are accepted on the upload's capability alone.
CAPABILITY_SECONDS = 2 * 3600
EDIT = "interviews.edit"


@dataclass(frozen=True)
class Target:
    interview: Interview
    question: Question | None

    @property
    def key(self) -> str:
        if self.question is not None:
            return f"question:{self.question.pk}"
        return f"welcome:{self.interview.pk}"


def target_key(interview: Interview, question: Question | None) -> str:
    return Target(interview, question).key


def _parse(key: str) -> tuple[str, int] | None:
    kind, _sep, number = key.partition(":")
    if kind in ("welcome", "question") and number.isdigit():
        return kind, int(number)
    return None


def find_target(viewer: Viewer, key: str) -> Target:
    """The interview (and question) named by ``key``, through the access gate: Http404
    for anything the viewer does not see."""
    parsed = _parse(key)
    if parsed is None:
        raise Http404
    kind, number = parsed
    if kind == "welcome":
        return Target(access_interview(viewer, number), None)
    question = access_question(viewer, number)
    return Target(question.interview, question)


def _viewer(request: HttpRequest) -> Viewer:
    membership = getattr(request, "membership", None)
    if not request.user.is_authenticated or membership is None:
        raise UploadDenied(403, _("Sign in to record a video for your interview."))
    viewer = Viewer(org=request.org, user=request.user, role=membership.role)  # type: ignore[attr-defined,arg-type]
    if not viewer.can(EDIT):
        raise UploadDenied(403, _("Your role cannot change this interview's videos."))
    return viewer


def _owner(target: Target, user_id: int) -> str:
    return f"{PROMPT_VIDEO}:{target.key}:{user_id}"


def _from_owner(owner: str) -> tuple[str, int] | None:
    """(target key, user id) from an upload's owner."""
    prefix = PROMPT_VIDEO + ":"
    rest = owner[len(prefix) :] if owner.startswith(prefix) else ""
    key, _sep, user_id = rest.rpartition(":")
    if _parse(key) is None or not user_id.isdigit():
        return None
    return key, int(user_id)


def _access(request: HttpRequest, key: str) -> Target:
    viewer = _viewer(request)
    try:
        return find_target(viewer, key)
    except Http404 as missing:
        raise UploadDenied(404, _("This interview or question was not found.")) from missing


def check_video_prefix(prefix: bytes) -> str:
    """ "webm" or "mp4" (QuickTime files too) from a file's first bytes; UploadDenied(415)
    for anything else."""
    kind = sniff_container(prefix)
    if kind is None and len(prefix) >= 12 and prefix[4:8] == b"ftyp" and b"qt  " in prefix[:64]:
        kind = "mp4"
    if kind is None:
        raise UploadDenied(
            415, _("This is not a video we can accept: WebM, MP4 and MOV videos are.")
        )
    return kind


def check_video_file(storage_name: str) -> None:
    """The stored file is a video we can play, no longer than the limit (UploadDenied)."""
    try:
        check = inspect_recording(
            storage_name, limit_seconds=PROMPT_VIDEO_MAX_SECONDS, require_video=True
        )
    except Unprocessable as error:
        raise UploadDenied(
            422, _("This video cannot be played: %(reason)s") % {"reason": error.reason}
        ) from error
    if check.seconds > PROMPT_VIDEO_MAX_SECONDS:
        raise UploadDenied(
            413,
            _("This video lasts more than %(max)d minutes; please keep it shorter.")
            % {"max": PROMPT_VIDEO_MAX_SECONDS // 60},
        )


class PromptVideoUploadPolicy(UploadPolicy):
    def authorize_create(self, request: HttpRequest, metadata: dict[str, str]) -> Grant:
        target = _access(request, metadata.get("target", ""))
        return Grant(
            owner=_owner(target, int(request.user.pk or 0)),
            max_size=PROMPT_VIDEO_MAX_BYTES,
            capability_until=timezone.now() + timedelta(seconds=CAPABILITY_SECONDS),
        )

    def authorize(self, request: HttpRequest, upload: Upload) -> None:
        parsed = _from_owner(upload.owner)
        if parsed is None or parsed[1] != request.user.pk:
            raise UploadDenied(403, _("This upload is not yours."))
        _access(request, parsed[0])

    def validate_prefix(self, upload: Upload, prefix: bytes) -> None:
        if prefix:
            upload.metadata["sniffed_type"] = check_video_prefix(prefix)

    def validate_complete(self, upload: Upload) -> None:
        if not upload.offset:
            raise UploadDenied(422, _("The recording is empty: nothing was recorded."))
        check_video_file(upload.storage_name)


def on_upload_completed(sender: Any, upload: Upload, **kwargs: Any) -> None:
    """A recorded video is stored: it becomes its target's video, if the member may still
    edit the interview and the target still exists."""
    if upload.purpose != PROMPT_VIDEO:
        return
    parsed = _from_owner(upload.owner)
    if parsed is None:
        return
    key, user_id = parsed
    user = get_user_model().objects.filter(pk=user_id).first()
    kind, number = _parse(key) or ("", 0)
    question = Question.objects.filter(pk=number).first() if kind == "question" else None
    interview_id = question.interview_id if question is not None else number
    interview = Interview.objects.select_related("organisation").filter(pk=interview_id).first()
    if user is None or interview is None:
        return
    membership = Membership.objects.filter(user=user, organisation=interview.organisation).first()
    if membership is None:
        return
    viewer = Viewer(org=interview.organisation, user=user, role=membership.role)
    try:
        target = find_target(viewer, key)
    except Http404:
        return
    if not viewer.can(EDIT):
        return
    prompt_video_set(
        interview=target.interview,
        question=target.question,
        original_name=upload.storage_name,
        size=upload.length or upload.offset,
        actor=user,
        # The page sends a chosen file over tus too (it names it so).
        source="uploaded" if upload.metadata.get("source") == "file" else "recorded",
    )


def register() -> None:
    register_policy(PROMPT_VIDEO, PromptVideoUploadPolicy())
