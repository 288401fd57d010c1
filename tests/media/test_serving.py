"""Signed media URLs and ranged serving."""

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from media.answers import attach_to_answer
from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Organisation
from oneway.media.models import MediaItem, ProcessingState
from oneway.media.ranges import ByteRange, Unsatisfiable, parse_range
from oneway.media.signing import media_play_url, media_url

pytestmark = pytest.mark.django_db

SIZE = 10_000
BODY = bytes(i % 251 for i in range(SIZE))


@pytest.fixture
def ready_item(org: Organisation, reviewer: User) -> MediaItem:
    prefix = f"media/{org.pk}/x/"
    default_storage.save(prefix + "rendition.mp4", ContentFile(BODY))
    default_storage.save(prefix + "poster.jpg", ContentFile(b"\xff\xd8jpeg"))
    default_storage.save(prefix + "captions.vtt", ContentFile(b"WEBVTT\n"))
    original = default_storage.save("uploads/evil.html", ContentFile(b"<script>alert(1)</script>"))
    item = MediaItem.objects.create(
        organisation=org,
        original_name=original,
        rendition_name=prefix + "rendition.mp4",
        poster_name=prefix + "poster.jpg",
        captions_name=prefix + "captions.vtt",
        state=ProcessingState.READY,
    )
    attach_to_answer(item, assign=reviewer)
    return item


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_whole_file_with_safe_headers(
    reviewer_client: Client, reviewer: User, ready_item: MediaItem
) -> None:
    url = media_url(item=ready_item, user=reviewer, variant="rendition")
    response = reviewer_client.get(url)
    assert response.status_code == 200
    assert body(response) == BODY
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(SIZE)
    assert response["Accept-Ranges"] == "bytes"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith('inline; filename="answer-')
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"].startswith("private")
    entry = AuditEntry.objects.get(action="media.url_issued")
    assert entry.actor == reviewer and entry.data["variant"] == "rendition"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),  # first bytes
        ("bytes=4000-4999", 4000, 4999),  # middle
        ("bytes=-500", SIZE - 500, SIZE - 1),  # suffix
        ("bytes=9000-", 9000, SIZE - 1),  # open-ended
        ("bytes=9990-20000", 9990, SIZE - 1),  # runs past the end: clipped
        ("bytes=0-", 0, SIZE - 1),  # what Safari and Chrome ask first
    ],
)
def test_single_range(
    header: str,
    start: int,
    end: int,
    reviewer_client: Client,
    reviewer: User,
    ready_item: MediaItem,
) -> None:
    url = media_url(item=ready_item, user=reviewer, variant="rendition")
    response = reviewer_client.get(url, HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body(response) == BODY[start : end + 1]


def test_unsatisfiable_range_is_416(
    reviewer_client: Client, reviewer: User, ready_item: MediaItem
) -> None:
    url = media_url(item=ready_item, user=reviewer, variant="rendition")
    response = reviewer_client.get(url, HTTP_RANGE=f"bytes={SIZE}-{SIZE + 10}")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"


def test_multiple_ranges_are_sent_as_multipart(
    reviewer_client: Client, reviewer: User, ready_item: MediaItem
) -> None:
    url = media_url(item=ready_item, user=reviewer, variant="rendition")
    response = reviewer_client.get(url, HTTP_RANGE="bytes=0-9, 100-109, -5")
    assert response.status_code == 206
    match = re.fullmatch(r"multipart/byteranges; boundary=(\w+)", response["Content-Type"])
    assert match
    boundary = match.group(1).encode()
    data = body(response)
    assert len(data) == int(response["Content-Length"])
    parts = data.split(b"--" + boundary)[1:-1]
    assert len(parts) == 3
    expected = [(0, 9), (100, 109), (SIZE - 5, SIZE - 1)]
    for part, (start, end) in zip(parts, expected, strict=True):
        head, _, payload = part.partition(b"\r\n\r\n")
        assert f"Content-Range: bytes {start}-{end}/{SIZE}".encode() in head
        assert b"Content-Type: video/mp4" in head
        assert payload.removesuffix(b"\r\n") == BODY[start : end + 1]


def test_overlapping_ranges_merge_and_too_many_get_the_whole_file(
    reviewer_client: Client, reviewer: User, ready_item: MediaItem
) -> None:
    url = media_url(item=ready_item, user=reviewer, variant="rendition")
    merged = reviewer_client.get(url, HTTP_RANGE="bytes=0-50,40-99")
    assert merged.status_code == 206 and merged["Content-Range"] == f"bytes 0-99/{SIZE}"
    assert body(merged) == BODY[:100]
    many = ",".join(f"{i * 100}-{i * 100 + 10}" for i in range(40))
    whole = reviewer_client.get(url, HTTP_RANGE=f"bytes={many}")
    assert whole.status_code == 200 and body(whole) == BODY


def test_if_range_and_head(reviewer_client: Client, reviewer: User, ready_item: MediaItem) -> None:
    url = media_url(item=ready_item, user=reviewer, variant="rendition")
    first = reviewer_client.get(url)
    etag = first["ETag"]
    assert body(first) == BODY
    head = reviewer_client.head(url, HTTP_RANGE="bytes=0-9")
    assert head.status_code == 206 and body(head) == b""
    fresh = reviewer_client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    assert fresh.status_code == 206 and body(fresh) == BODY[:10]
    stale = reviewer_client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"other"')
    assert stale.status_code == 200 and body(stale) == BODY


def test_variants_have_fixed_safe_types(
    reviewer_client: Client, reviewer: User, ready_item: MediaItem
) -> None:
    expected = {
        "poster": "image/jpeg",
        "captions": "text/vtt; charset=utf-8",
        "original": "application/octet-stream",
    }
    for variant, content_type in expected.items():
        response = reviewer_client.get(media_url(item=ready_item, user=reviewer, variant=variant))
        assert response.status_code == 200
        body(response)
        assert response["Content-Type"] == content_type
        assert response["X-Content-Type-Options"] == "nosniff"
    original = reviewer_client.get(media_url(item=ready_item, user=reviewer, variant="original"))
    assert body(original).startswith(b"<script>")
    # An uploaded "HTML" file is only ever a download, named by us.
    assert original["Content-Disposition"].startswith('attachment; filename="answer-')
    assert ".html" not in original["Content-Disposition"]


def test_expired_url_is_refused(
    reviewer_client: Client, reviewer: User, ready_item: MediaItem, monkeypatch: Any
) -> None:
    url = media_url(item=ready_item, user=reviewer, variant="rendition", seconds=60)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)
    response = reviewer_client.get(url)
    assert response.status_code == 410


def test_tampered_or_swapped_url_is_refused(
    reviewer_client: Client, reviewer: User, ready_item: MediaItem
) -> None:
    url = media_url(item=ready_item, user=reviewer, variant="poster")
    assert reviewer_client.get(url[:-3] + "abc").status_code == 403
    # A poster token does not open the original.
    swapped = url.replace("/poster?", "/original?")
    assert reviewer_client.get(swapped).status_code == 403


def test_url_is_bound_to_its_user(
    reviewer: User,
    admin_client: Client,
    ready_item: MediaItem,
) -> None:
    url = media_url(item=ready_item, user=reviewer, variant="rendition")
    assert admin_client.get(url).status_code == 403
    assert Client().get(url).status_code == 403


def test_another_organisations_object_is_refused(
    other_org: Organisation,
    make_member: Callable[..., User],
    client_for: Callable[[User], Client],
    ready_item: MediaItem,
) -> None:
    outsider = make_member(other_org, "admin")
    # Even a correctly signed URL (issued, say, before the member left) is refused once
    # the user no longer belongs to the item's organisation.
    url = media_url(item=ready_item, user=outsider, variant="rendition")
    assert client_for(outsider).get(url).status_code == 404


def test_bearer_url_for_viewers_without_an_account(ready_item: MediaItem) -> None:
    url = media_url(item=ready_item, user=None, variant="poster", actor_label="share:7")
    response = Client().get(url)
    assert response.status_code == 200
    assert body(response) == b"\xff\xd8jpeg"
    entry = AuditEntry.objects.get(action="media.url_issued")
    assert entry.actor is None and entry.actor_label == "share:7"
    with pytest.raises(ValueError):
        media_url(item=ready_item, user=None, variant="poster")


def test_accel_redirect_hands_the_transfer_to_nginx(
    reviewer_client: Client, reviewer: User, ready_item: MediaItem, settings: Any
) -> None:
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    response = reviewer_client.get(media_url(item=ready_item, user=reviewer, variant="rendition"))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/" + ready_item.rendition_name
    assert response["Content-Type"] == "video/mp4"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b""


def test_every_play_is_audited(
    reviewer_client: Client, reviewer: User, ready_item: MediaItem, other_org: Organisation,
    make_member: Callable[..., User], client_for: Callable[[User], Client],
) -> None:  # fmt: skip
    url = media_play_url(ready_item)
    assert reviewer_client.post(url, {"position": "12.34"}).status_code == 200
    assert reviewer_client.post(url).status_code == 200
    entries = AuditEntry.objects.filter(action="media.played")
    assert entries.count() == 2
    assert {e.actor for e in entries} == {reviewer}
    assert entries.filter(data__position=12.3).count() == 1
    assert reviewer_client.get(url).status_code == 405
    outsider = client_for(make_member(other_org, "reviewer"))
    assert outsider.post(url).status_code == 404
    unassigned = client_for(make_member(ready_item.organisation, "reviewer", email="u@x.test"))
    assert unassigned.post(url).status_code == 404
    assert Client().post(url).status_code == 404
    shared = media_play_url(ready_item, actor_label="share:9")
    assert Client().post(shared).status_code == 200
    assert AuditEntry.objects.filter(action="media.played", actor_label="share:9").exists()
    assert Client().post(shared.replace("t=", "t=x")).status_code == 403


def test_missing_file_is_404(reviewer_client: Client, reviewer: User, org: Organisation) -> None:
    item = MediaItem.objects.create(organisation=org, original_name="uploads/nothing.webm")
    url = media_url(item=item, user=reviewer, variant="rendition")
    assert reviewer_client.get(url).status_code == 404
    with pytest.raises(ValueError):
        media_url(item=item, user=reviewer, variant="../../etc/passwd")
    assert reviewer_client.get(reverse("media:serve", args=[item.pk, "secret"])).status_code == 404


class TestParseRange:
    def test_forms(self) -> None:
        assert parse_range(None, 100) is None
        assert parse_range("items=0-1", 100) is None
        assert parse_range("bytes=5-1", 100) is None  # invalid: ignored
        assert parse_range("bytes=abc", 100) is None
        assert parse_range("bytes=0-0", 100) == [ByteRange(0, 0)]
        assert parse_range("bytes=-1000", 100) == [ByteRange(0, 99)]
        assert parse_range("bytes=0-4,5-9", 100) == [ByteRange(0, 9)]

    def test_unsatisfiable(self) -> None:
        for header in ("bytes=100-", "bytes=-0", "bytes=200-300,400-"):
            with pytest.raises(Unsatisfiable):
                parse_range(header, 100)
        with pytest.raises(Unsatisfiable):
            parse_range("bytes=0-", 0)


def test_s3_paths_are_not_required(media_storage: Path) -> None:
    """Sanity: the local test storage is where the fixture says."""
    assert Path(default_storage.path("x")).parent == media_storage


def test_url_stops_working_once_the_reviewer_is_unassigned(
    reviewer_client: Client, reviewer: User, ready_item: MediaItem
) -> None:
    from oneway.reviews.models import ReviewerAssignment

    url = media_url(item=ready_item, user=reviewer, variant="rendition")
    response = reviewer_client.get(url)
    assert response.status_code == 200 and body(response) == BODY
    ReviewerAssignment.objects.filter(user=reviewer).delete()
    assert reviewer_client.get(url).status_code == 404


def test_poster_url_is_refused_while_blind_mode_hides_the_candidate(
    reviewer_client: Client, reviewer: User, ready_item: MediaItem
) -> None:
    from oneway.core.models import Interview

    url = media_url(item=ready_item, user=reviewer, variant="poster")
    response = reviewer_client.get(url)
    assert response.status_code == 200 and body(response)
    Interview.objects.filter(invitations__answers__takes__media=ready_item).update(blind_mode=True)
    assert reviewer_client.get(url).status_code == 404
    response = reviewer_client.get(media_url(item=ready_item, user=reviewer, variant="rendition"))
    assert response.status_code == 200 and body(response) == BODY
