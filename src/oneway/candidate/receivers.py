"""What the candidate flow does when one of its uploads completes (contract B)."""

from typing import Any

from oneway.candidate.device_clips import device_check_uploads_discard
from oneway.candidate.policies import ANSWER, DEVICE_CHECK, take_id_from_owner
from oneway.candidate.services import take_upload_completed
from oneway.uploads.models import Upload


def on_upload_completed(sender: Any, upload: Upload, **kwargs: Any) -> None:
    if upload.purpose == ANSWER:
        take_id = take_id_from_owner(upload.owner)
        if take_id is not None:
            take_upload_completed(take_id=take_id, upload=upload)
    elif upload.purpose == DEVICE_CHECK:
        device_check_uploads_discard(owner=upload.owner, keep=upload, finished=True)
