"""Upload policies (contract B) for the candidate's recordings.

``answer``: one upload per take (one take per start), sized and timed by the question's
limits with the candidate's accommodations; nothing after the deadline and its grace.
``device-check``: the short test clip on the device check page, played back to the
candidate and never shown to anyone else.
Both recognise WebM/Matroska and MP4 by their first bytes, whatever type is declared.
"""

from datetime import timedelta

from django.http import HttpRequest
from django.utils.translation import gettext as _

from oneway.candidate import rules
from oneway.candidate.recordings import recording_seconds, sniff_container
from oneway.candidate.services import CandidateError, ensure_open, limits_for
from oneway.candidate.session import session_invitation
from oneway.core.models import Invitation, Take
from oneway.core.models.answers import TakeState
from oneway.uploads.models import Upload
from oneway.uploads.policy import Grant, UploadDenied, UploadPolicy, register_policy

ANSWER = "answer"
DEVICE_CHECK = "device-check"


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
    kind = sniff_container(prefix)
    if kind is None:
        raise UploadDenied(
            415, _("This is not a recording we can accept: only WebM and MP4 videos are.")
        )
    upload.metadata["sniffed_type"] = kind


def _check_length(upload: Upload, limit_seconds: float) -> None:
    seconds = recording_seconds(upload.storage_name)
    if seconds is not None and seconds > limit_seconds:
        raise UploadDenied(
            413,
            _("This recording lasts %(n)d seconds, longer than the %(max)d allowed.")
            % {"n": round(seconds), "max": int(limit_seconds)},
        )


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
        if take.state != TakeState.RECORDING or Upload.objects.filter(owner=owner).exists():
            raise UploadDenied(
                409, _("This take already has its recording. Start a new take to record again.")
            )
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
        _check_length(upload, limits_for(take.answer).max_seconds_accepted)


def device_check_owner(invitation: Invitation) -> str:
    return f"device-check:{invitation.pk}"


class DeviceCheckUploadPolicy(UploadPolicy):
    def authorize_create(self, request: HttpRequest, metadata: dict[str, str]) -> Grant:
        invitation = _invitation(request)
        _open(invitation)
        return Grant(owner=device_check_owner(invitation), max_size=rules.device_check_max_bytes())

    def authorize(self, request: HttpRequest, upload: Upload) -> None:
        invitation = _invitation(request)
        if upload.owner != device_check_owner(invitation):
            raise UploadDenied(403, _("This recording does not belong to your interview."))
        if request.method != "HEAD":
            _open(invitation)

    def validate_prefix(self, upload: Upload, prefix: bytes) -> None:
        _check_prefix(upload, prefix)

    def validate_complete(self, upload: Upload) -> None:
        _check_length(upload, rules.DEVICE_CHECK_MAX_SECONDS + rules.LENGTH_TOLERANCE_SECONDS)


def register() -> None:
    register_policy(ANSWER, AnswerUploadPolicy())
    register_policy(DEVICE_CHECK, DeviceCheckUploadPolicy())
