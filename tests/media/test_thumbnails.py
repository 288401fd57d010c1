"""List thumbnails: made small from the poster, and made once for items processed before
thumbnails existed (``make-thumbnails``)."""

import io
from collections.abc import Callable
from typing import Any

import av
import pytest
from av.video.frame import VideoFrame
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from oneway.core.models import Organisation
from oneway.media.models import MediaItem, ProcessingState
from oneway.media.posters import encode_jpeg, thumbnail_from_poster, thumbnail_size
from oneway.media.thumbnails import thumbnail_backfill


def jpeg(width: int, height: int) -> bytes:
    frame = VideoFrame(width, height, "yuv420p")
    for plane in frame.planes:
        plane.update(bytes([90]) * plane.buffer_size)
    return encode_jpeg(frame)


def size_of(data: bytes) -> tuple[int, int]:
    with av.open(io.BytesIO(data), mode="r", format="jpeg_pipe") as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


@pytest.mark.parametrize(
    ("poster", "thumb"),
    [((1280, 720), (160, 90)), ((640, 480), (160, 120)), ((720, 1280), (160, 284)),
     ((100, 60), (100, 60))],
)  # fmt: skip
def test_thumbnail_is_160_px_wide_in_the_posters_shape(
    poster: tuple[int, int], thumb: tuple[int, int]
) -> None:
    assert thumbnail_size(*poster) == thumb
    data = thumbnail_from_poster(jpeg(*poster))
    assert data is not None and data.startswith(b"\xff\xd8")
    assert size_of(data) == thumb
    assert len(data) < 8000


def test_a_poster_that_is_not_a_jpeg_gives_no_thumbnail() -> None:
    assert thumbnail_from_poster(b"not a picture") is None


@pytest.mark.django_db
def test_backfill_makes_missing_thumbnails_once(
    org: Organisation, capsys: pytest.CaptureFixture[str], settings: Any
) -> None:
    def item(poster: bytes | None, **fields: Any) -> MediaItem:
        made = MediaItem.objects.create(
            organisation=org, original_name="uploads/x.webm", state=ProcessingState.READY, **fields
        )
        if poster is not None:
            made.poster_name = default_storage.save(
                f"media/{org.pk}/{made.pk}/poster.jpg", ContentFile(poster)
            )
            made.save(update_fields=["poster_name"])
        return made

    old = item(jpeg(1280, 720))
    audio = item(None, kind="audio")
    broken = item(b"garbage")
    queued = item(jpeg(640, 480))
    MediaItem.objects.filter(pk=queued.pk).update(state=ProcessingState.QUEUED)
    assert thumbnail_backfill() == {"made": 1, "failed": 1}
    old.refresh_from_db()
    assert old.thumbnail_name == f"media/{org.pk}/{old.pk}/thumbnail.jpg"
    with default_storage.open(old.thumbnail_name) as fh:
        assert size_of(fh.read()) == (160, 90)
    for other in (audio, broken, queued):
        other.refresh_from_db()
        assert other.thumbnail_name == ""
    # Again: nothing new (the broken poster is reported again, never half-made).
    assert thumbnail_backfill() == {"made": 0, "failed": 1}
    call_command("make-thumbnails")
    out = capsys.readouterr().out
    assert "1 recordings without a thumbnail." in out and "Made 0; could not make 1." in out


@pytest.mark.django_db
def test_deleting_an_item_deletes_its_thumbnail(
    org: Organisation, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    from oneway.media.services import media_item_delete

    made = MediaItem.objects.create(
        organisation=org, original_name="uploads/y.webm", state=ProcessingState.READY
    )
    made.thumbnail_name = default_storage.save(
        f"media/{org.pk}/{made.pk}/thumbnail.jpg", ContentFile(jpeg(160, 90))
    )
    made.save(update_fields=["thumbnail_name"])
    with django_capture_on_commit_callbacks(execute=True):
        media_item_delete(item=made)
    assert not default_storage.exists(made.thumbnail_name)
