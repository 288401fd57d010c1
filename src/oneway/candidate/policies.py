"""Upload policies (contract B) for the candidate's recordings.

``answer``: one upload per take (one take per start), sized and timed by the question's
limits with the candidate's accommodations; nothing after the deadline and its grace.
``device-check``: the short test clip on the device check page, played back to the
candidate and never shown to anyone else.
Both recognise WebM/Matroska and MP4 by their first bytes, whatever type is declared, and
check the finished file before it is accepted: an empty or unreadable recording is refused
(422), one longer than allowed too (413). A take refused as empty or unreadable is deleted:
it does not count against the takes allowed, so the candidate can record again.
"""

import contextlib
from datetime import timedelta
from typing import Any

import av
from django.core.files.storage import default_storage
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.candidate import rules
from oneway.candidate.device_clips import DEVICE_CHECK, device_check_uploads_discard
from oneway.candidate.recordings import inspect_recording, sniff_container
from oneway.candidate.services import CandidateError, ensure_open, limits_for, take_refuse
from oneway.candidate.session import session_invitation
from oneway.core.models import Invitation, Take
from oneway.core.models.answers import TakeState
from oneway.core.ratelimit import allow
from oneway.media.probe import Unprocessable
from oneway.uploads.models import Upload
from oneway.uploads.policy import Grant, UploadDenied, UploadPolicy, register_policy
from oneway.uploads.services import upload_terminate

ANSWER = "answer"


def _invitation(request: HttpRequest) -> Invitation:
    invitation = session_invitation(request)
    if invitation is None:
        raise UploadDenied(403, _("Your session has ended. Open the link from your email again."))
    return invitation


def _open(invitation: Invitation) -> None:
    try:
        ensure_open(invitation)
    except CandidateError as error:
        raise UploadDenied(error.status, error.message) from error


def _check_prefix(upload: Upload, prefix: bytes) -> None:
    if not prefix:
        return  # an empty upload: refused as empty when it completes
    kind = sniff_container(prefix)
    if kind is None:
        raise UploadDenied(
            415, _("This is not a recording we can accept: only WebM and MP4 videos are.")
        )
    upload.metadata["sniffed_type"] = kind


# The status of a recording refused because it is empty or cannot be played.
UNREADABLE = 422


def _check_length(upload: Upload, limit_seconds: float, *, require_video: bool = False) -> None:
    """The finished recording is real audio/video (422) within ``limit_seconds`` (413)."""
    if not upload.offset:
        raise UploadDenied(UNREADABLE, _("The recording is empty: nothing was recorded."))
    try:
        check = inspect_recording(
            upload.storage_name, limit_seconds=limit_seconds, require_video=require_video
        )
    except Unprocessable as error:
        raise UploadDenied(
            UNREADABLE,
            _("This recording cannot be played: %(reason)s") % {"reason": error.reason},
        ) from error
    if check.seconds > limit_seconds:
        raise UploadDenied(
            413,
            _("This recording lasts more than %(n)d seconds, longer than the %(max)d allowed.")
            % {"n": int(check.seconds), "max": int(limit_seconds)},
        )
    if check.cut_off:
        upload.metadata["cut_off_at"] = f"{check.seconds:.1f}"


def take_id_from_owner(owner: str) -> int | None:
    prefix = "take:"
    if owner.startswith(prefix) and owner[len(prefix) :].isdigit():
        return int(owner[len(prefix) :])
    return None


class AnswerUploadPolicy(UploadPolicy):
    def _take(self, invitation: Invitation, take_id: str | int | None) -> Take:
        take = (
            Take.objects.select_related("answer__question")
            .filter(pk=int(str(take_id)) if str(take_id or "").isdigit() else 0)
            .filter(answer__invitation=invitation)
            .first()
        )
        if take is None:
            raise UploadDenied(403, _("This recording does not belong to your interview."))
        take.answer.invitation = invitation
        return take

    def authorize_create(self, request: HttpRequest, metadata: dict[str, str]) -> Grant:
        invitation = _invitation(request)
        _open(invitation)
        take = self._take(invitation, metadata.get("take"))
        owner = f"take:{take.pk}"
        earlier = Upload.objects.filter(owner=owner).only("id", "offset", "completed_at").first()
        if take.state != TakeState.RECORDING or (
            earlier is not None and (earlier.offset or earlier.is_complete)
        ):
            raise UploadDenied(
                409, _("This take already has its recording. Start a new take to record again.")
            )
        if earlier is not None:
            # The recorder never learnt that upload's address (the answer to its creation
            # was lost with a web worker or the connection) and no byte reached it: it is
            # replaced, or the candidate would be told this take is already recorded.
            upload_terminate(upload_id=earlier.pk, request=request)
        # The recorder's chunks carry the upload's capability instead of being checked
        # against the session, invitation and take each time (three queries per chunk);
        # it lasts until the interview closes, and completion checks everything again.
        closes = invitation.deadline + timedelta(minutes=invitation.interview.grace_minutes)
        return Grant(
            owner=owner, max_size=limits_for(take.answer).max_bytes, capability_until=closes
        )

    def authorize(self, request: HttpRequest, upload: Upload) -> None:
        invitation = _invitation(request)
        self._take(invitation, take_id_from_owner(upload.owner))
        if request.method != "HEAD":
            _open(invitation)

    def validate_prefix(self, upload: Upload, prefix: bytes) -> None:
        _check_prefix(upload, prefix)

    def validate_complete(self, upload: Upload) -> None:
        take = Take.objects.select_related("answer__question", "answer__invitation__interview").get(
            pk=take_id_from_owner(upload.owner) or 0
        )
        # Chunks authorised by the capability skipped this check: a recording finished
        # after the interview was submitted, withdrawn or revoked is not accepted.
        _open(take.answer.invitation)
        limits = limits_for(take.answer)
        try:
            _check_length(
                upload, limits.max_seconds_accepted, require_video=limits.answer_type == "video"
            )
        except UploadDenied as denied:
            if denied.status != UNREADABLE:
                raise
            take_refuse(take=take, reason=denied.message)
            raise UploadDenied(
                UNREADABLE,
                _("%(reason)s It does not count as one of your takes: please record again.")
                % {"reason": denied.message},
            ) from denied


def _check_device_clip(upload: Upload) -> None:
    """A test clip lasts at most DEVICE_CHECK_MAX_SECONDS (plus tolerance), measured on
    every stream's packets, reading at most DEVICE_CHECK_MAX_PACKETS of them."""
    limit = rules.DEVICE_CHECK_MAX_SECONDS + rules.LENGTH_TOLERANCE_SECONDS
    too_long = UploadDenied(
        413,
        _("This recording lasts longer than the %(max)d seconds allowed.") % {"max": int(limit)},
    )
    try:
        with contextlib.ExitStack() as stack:
            source: Any
            try:  # FFmpeg reads a local file itself
                source = default_storage.path(upload.storage_name)
            except NotImplementedError:
                source = stack.enter_context(default_storage.open(upload.storage_name, "rb"))
            container = stack.enter_context(av.open(source, mode="r"))
            starts: dict[int, float] = {}
            for count, packet in enumerate(container.demux(), start=1):
                if count > rules.DEVICE_CHECK_MAX_PACKETS:
                    raise UploadDenied(
                        415, _("This is not a recording we can play back. Please record again.")
                    )
                if packet.pts is None or packet.time_base is None:
                    continue
                at = float(packet.pts * packet.time_base)
                start = starts.setdefault(packet.stream.index, at)
                if at + float((packet.duration or 0) * packet.time_base) - start > limit:
                    raise too_long
    except (av.FFmpegError, OSError, ValueError):
        return  # unreadable past some point: what was read is within the limits


def device_check_owner(invitation: Invitation) -> str:
    return f"device-check:{invitation.pk}"


class DeviceCheckUploadPolicy(UploadPolicy):
    def authorize_create(self, request: HttpRequest, metadata: dict[str, str]) -> Grant:
        invitation = _invitation(request)
        _open(invitation)
        owner = device_check_owner(invitation)
        if not allow(owner, limit=rules.DEVICE_CHECK_PER_HOUR, window=3600):
            raise UploadDenied(
                429,
                _(
                    "You have tested your camera and microphone many times in the last hour. "
                    "You can go on to the interview, or test again later."
                ),
            )
        # One test clip is recorded at a time: an earlier unfinished one is abandoned.
        device_check_uploads_discard(owner=owner, finished=False)
        return Grant(
            owner=owner,
            max_size=rules.device_check_max_bytes(),
            expires_at=timezone.now() + rules.DEVICE_CHECK_KEEP,
        )

    def authorize(self, request: HttpRequest, upload: Upload) -> None:
        invitation = _invitation(request)
        if upload.owner != device_check_owner(invitation):
            raise UploadDenied(403, _("This recording does not belong to your interview."))
        if request.method != "HEAD":
            _open(invitation)

    def validate_prefix(self, upload: Upload, prefix: bytes) -> None:
        _check_prefix(upload, prefix)

    def validate_complete(self, upload: Upload) -> None:
        _check_device_clip(upload)  # cheap and bounded first: many tiny packets, too long
        _check_length(upload, rules.DEVICE_CHECK_MAX_SECONDS + rules.LENGTH_TOLERANCE_SECONDS)


def register() -> None:
    register_policy(ANSWER, AnswerUploadPolicy())
    register_policy(DEVICE_CHECK, DeviceCheckUploadPolicy())
