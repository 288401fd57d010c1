"""Device-check test clips: a candidate's own, short-lived uploads (purpose
``device-check``, owner ``device-check:<invitation id>``).

At most one is recording at a time (starting another discards an unfinished one), only
the latest finished one is kept, and none outlives ``rules.DEVICE_CHECK_KEEP``: unfinished
ones expire then (the upload sweep removes them), finished ones are removed by
``device_check_clips_expire`` (a periodic job).
"""

import datetime
import logging
from functools import partial

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from oneway.candidate import rules
from oneway.core.audit import log_action
from oneway.uploads.models import Upload
from oneway.uploads.services import upload_discard_data

logger = logging.getLogger(__name__)

DEVICE_CHECK = "device-check"


def _delete(clips: "QuerySet[Upload]", *, reason: str) -> int:
    """Delete these uploads (rows locked one by one; one being written is skipped) and
    their data once the transaction commits."""
    deleted = 0
    for upload_id in list(clips.values_list("id", flat=True)):
        with transaction.atomic():
            upload = clips.select_for_update(skip_locked=True).filter(pk=upload_id).first()
            if upload is None:
                continue
            log_action(
                "upload.discarded",
                organisation=None,
                actor_label="system",
                obj=upload,
                data={"purpose": upload.purpose, "owner": upload.owner, "reason": reason},
            )
            Upload.objects.filter(pk=upload.pk).delete()
            if upload.completed_at is None:
                transaction.on_commit(partial(upload_discard_data, upload=upload))
            elif upload.storage_name:
                transaction.on_commit(partial(_delete_file, upload.storage_name))
            deleted += 1
    return deleted


def device_check_uploads_discard(*, owner: str, keep: Upload | None = None, finished: bool) -> int:
    """Discard a candidate's other test clips: the finished ones (only the latest is ever
    played back) or the unfinished ones (a new recording replaces them)."""
    clips = Upload.objects.filter(
        purpose=DEVICE_CHECK, owner=owner, completed_at__isnull=not finished
    )
    if keep is not None:
        clips = clips.exclude(pk=keep.pk)
    return _delete(clips, reason="replaced")


def device_check_clips_expire(*, now: datetime.datetime | None = None) -> int:
    """Remove finished test clips older than DEVICE_CHECK_KEEP."""
    cutoff = (now or timezone.now()) - rules.DEVICE_CHECK_KEEP
    clips = Upload.objects.filter(purpose=DEVICE_CHECK, completed_at__lte=cutoff)
    return _delete(clips, reason="expired")


def _delete_file(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("Could not delete test clip %s", name, exc_info=True)
