"""What the candidate flow does when one of its uploads completes (contract B)."""

import logging
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction

from oneway.candidate.policies import ANSWER, DEVICE_CHECK, take_id_from_owner
from oneway.candidate.services import take_upload_completed
from oneway.uploads.models import Upload

logger = logging.getLogger(__name__)


def on_upload_completed(sender: Any, upload: Upload, **kwargs: Any) -> None:
    if upload.purpose == ANSWER:
        take_id = take_id_from_owner(upload.owner)
        if take_id is not None:
            take_upload_completed(take_id=take_id, upload=upload)
    elif upload.purpose == DEVICE_CHECK:
        device_check_clips_delete(owner=upload.owner, keep=upload)


def device_check_clips_delete(*, owner: str, keep: Upload | None = None) -> int:
    """Delete a candidate's earlier test clips (only the latest is ever played back)."""
    old = Upload.objects.filter(owner=owner, completed_at__isnull=False)
    if keep is not None:
        old = old.exclude(pk=keep.pk)
    deleted = 0
    for clip in old:
        name = clip.storage_name
        clip.delete()
        if name:
            transaction.on_commit(lambda name=name: _delete_file(name))  # type: ignore[misc]
        deleted += 1
    return deleted


def _delete_file(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("Could not delete test clip %s", name, exc_info=True)
