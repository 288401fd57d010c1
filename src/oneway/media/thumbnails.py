"""Thumbnails for items processed before thumbnails existed: made from the stored poster,
once (``python -m oneway make-thumbnails``; running it again does nothing new)."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from django.db.models import QuerySet

from oneway.media import storage
from oneway.media.models import MediaItem, ProcessingState
from oneway.media.posters import thumbnail_from_poster

logger = logging.getLogger(__name__)


def missing_thumbnails() -> QuerySet[MediaItem]:
    """Processed items with a poster and no thumbnail yet."""
    return MediaItem.objects.filter(state=ProcessingState.READY, thumbnail_name="").exclude(
        poster_name=""
    )


def thumbnail_backfill(*, limit: int | None = None) -> dict[str, int]:
    """Make the missing thumbnails; returns how many were made and failed.

    Only an item still without one is updated (``thumbnail_name=""`` in the UPDATE), so a
    worker processing the same item meanwhile, or a second run, changes nothing.
    """
    made = failed = 0
    work = Path(tempfile.mkdtemp(prefix="thumbnails-", dir=storage.work_dir_root()))
    try:
        items = missing_thumbnails().only("pk", "organisation_id", "poster_name").order_by("pk")
        for item in items[:limit] if limit else items.iterator(chunk_size=500):
            try:
                with storage.media_storage().open(item.poster_name, "rb") as fh:
                    data = thumbnail_from_poster(fh.read())
            except OSError:
                data = None
            if not data:
                logger.warning("media item %s: no thumbnail from its poster", item.pk)
                failed += 1
                continue
            name = f"{storage.item_prefix(item.organisation_id, item.pk)}thumbnail.jpg"
            storage.put_bytes(data, name, work)
            made += MediaItem.objects.filter(pk=item.pk, thumbnail_name="").update(
                thumbnail_name=name
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"made": made, "failed": failed}
