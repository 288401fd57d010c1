"""Candidate lists: a thumbnail of each candidate's first video answer (the alias's
placeholder in blind mode), the time taken, cacheable signed thumbnail URLs that the gate
checks again when served, and query counts that do not grow with the list."""

import datetime
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from av.video.frame import VideoFrame
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import AuditEntry, Interview, Invitation, Organisation
from oneway.media.models import MediaItem
from oneway.media.posters import encode_jpeg
from oneway.media.signing import THUMBNAIL_WINDOW, thumbnail_url
from oneway.reviews.models import ReviewerAssignment
from oneway.reviews.thumbnails import duration_text

pytestmark = pytest.mark.django_db

THUMB_URL = re.compile(r'src="(/media/(\d+)/thumbnail\?t=[^"]+)"')


def jpeg(width: int = 160, height: int = 90) -> bytes:
    frame = VideoFrame(width, height, "yuv420p")
    for plane in frame.planes:
        plane.update(bytes([128]) * plane.buffer_size)
    return encode_jpeg(frame)


def with_thumbnails(invitation: Invitation) -> list[MediaItem]:
    """Give the candidate's video answers a stored thumbnail, as the pipeline does."""
    items = []
    for answer in invitation.answers.select_related("submitted_take__media", "question"):
        item = answer.submitted_take.media if answer.submitted_take else None
        if item is None or item.kind != "video":
            continue
        name = default_storage.save(f"media/thumbs/{item.pk}.jpg", ContentFile(jpeg()))
        item.thumbnail_name = name
        item.save(update_fields=["thumbnail_name"])
        items.append(item)
    return items


def status(client: Client, url: str) -> int:
    """GET, reading a served file to its end (which closes it)."""
    response = client.get(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return int(response.status_code)


def thumbnails_in(response: Any) -> list[tuple[str, int]]:
    html = response.content.decode().replace("&amp;", "&")
    return [(url, int(item_id)) for url, item_id in THUMB_URL.findall(html)]


def dashboard(interview: Interview) -> str:
    return reverse("dashboard:review_dashboard", args=[interview.pk])


def first_video_item(invitation: Invitation) -> MediaItem:
    answer = (
        invitation.answers.filter(submitted_take__media__kind="video")
        .order_by("question__position")
        .select_related("submitted_take__media")
        .first()
    )
    assert answer is not None and answer.submitted_take is not None
    return answer.submitted_take.media


def test_dashboard_shows_the_first_video_answers_thumbnail_and_the_time_taken(
    reviewer_client: Client,
    assigned_reviewer: User,
    interview: Interview,
    make_candidate: Callable[..., Invitation],
) -> None:
    # The reviewer's zone is far from the organisation's (London): a duration has none.
    assigned_reviewer.timezone = "Asia/Tokyo"
    assigned_reviewer.save(update_fields=["timezone"])
    done = timezone.now()
    person = make_candidate(interview, started_at=done - datetime.timedelta(minutes=65))
    Invitation.objects.filter(pk=person.pk).update(completed_at=done)
    with_thumbnails(person)
    response = reviewer_client.get(dashboard(interview))
    assert response.status_code == 200
    shown = thumbnails_in(response)
    assert [item_id for _url, item_id in shown] == [first_video_item(person).pk]
    assert "1 h 05 min" in response.content.decode()
    # The row carries what the page shows, computed from the two instants.
    row = response.context["dash"].rows[0]
    assert row.time_taken == datetime.timedelta(minutes=65)


def test_a_candidate_without_a_video_thumbnail_gets_the_neutral_placeholder(
    reviewer_client: Client,
    assigned_reviewer: User,
    interview: Interview,
    make_candidate: Callable[..., Invitation],
) -> None:
    make_candidate(interview)  # video answers, but no thumbnail made (yet)
    response = reviewer_client.get(dashboard(interview))
    assert thumbnails_in(response) == []
    assert 'class="thumb thumb-none"' in response.content.decode()


def test_thumbnail_is_served_cacheable_through_the_signed_path_without_audit_per_image(
    reviewer_client: Client,
    assigned_reviewer: User,
    interview: Interview,
    make_candidate: Callable[..., Invitation],
) -> None:
    person = make_candidate(interview)
    with_thumbnails(person)
    before = AuditEntry.objects.count()
    first = thumbnails_in(reviewer_client.get(dashboard(interview)))
    again = thumbnails_in(reviewer_client.get(dashboard(interview)))
    # Same URL on the next view (same hour): the browser's cached copy is used.
    assert first == again and len(first) == 1
    assert not AuditEntry.objects.filter(pk__gt=0, action="media.url_issued").exists()
    assert AuditEntry.objects.count() == before
    response = reviewer_client.get(first[0][0])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xff\xd8")
    match = re.fullmatch(r"private, max-age=(\d+)", response["Cache-Control"])
    assert match, response["Cache-Control"]
    expires = (int(time.time()) // THUMBNAIL_WINDOW + 2) * THUMBNAIL_WINDOW
    assert 0 < int(match.group(1)) <= expires - int(time.time()) + 1
    # A revalidation answers 304 with the same headers.
    cached = reviewer_client.get(first[0][0], HTTP_IF_NONE_MATCH=response["ETag"])
    assert cached.status_code == 304
    assert cached["Cache-Control"].startswith("private, max-age=")


def test_thumbnail_url_is_stable_within_its_hour_and_expires_after_the_next(
    reviewer_client: Client,
    assigned_reviewer: User,
    interview: Interview,
    make_candidate: Callable[..., Invitation],
) -> None:
    item = with_thumbnails(make_candidate(interview))[0]
    start = (int(time.time()) // THUMBNAIL_WINDOW) * THUMBNAIL_WINDOW
    same = {
        thumbnail_url(item_id=item.pk, user=assigned_reviewer, now=start + s)
        for s in (0, 59, THUMBNAIL_WINDOW - 1)
    }
    assert len(same) == 1
    assert (
        thumbnail_url(item_id=item.pk, user=assigned_reviewer, now=start + THUMBNAIL_WINDOW)
        not in same
    )
    old = thumbnail_url(item_id=item.pk, user=assigned_reviewer, now=start - 2 * THUMBNAIL_WINDOW)
    assert status(reviewer_client, old) == 410
    tampered = same.pop().replace(f"/media/{item.pk}/", f"/media/{item.pk + 1000}/")
    assert status(reviewer_client, tampered) in (403, 404)


def test_thumbnail_is_refused_after_unassignment_and_to_another_organisation(
    reviewer_client: Client,
    assigned_reviewer: User,
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    other_org: Organisation,
    make_member: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    item = with_thumbnails(make_candidate(interview))[0]
    url = thumbnail_url(item_id=item.pk, user=assigned_reviewer)
    assert status(reviewer_client, url) == 200
    stranger = make_member(other_org, Role.ADMIN, email="stranger@example.com")
    stranger_client = client_for(stranger)
    assert status(stranger_client, url) == 403  # issued to someone else
    own = thumbnail_url(item_id=item.pk, user=stranger)
    assert status(stranger_client, own) == 404  # not their organisation's
    ReviewerAssignment.objects.filter(user=assigned_reviewer, interview=interview).delete()
    assert status(reviewer_client, url) == 404
    assert status(Client(), url) == 403  # signed out


def test_blind_mode_lists_show_the_alias_placeholder_and_never_serve_the_face(
    reviewer_client: Client,
    assigned_reviewer: User,
    interview: Interview,
    make_candidate: Callable[..., Invitation],
) -> None:
    interview.blind_mode = True
    interview.save(update_fields=["blind_mode"])
    person = make_candidate(interview, name="Ada Lovelace")
    item = with_thumbnails(person)[0]
    for url in (
        dashboard(interview),
        reverse("dashboard:review_todo"),
        reverse("dashboard:home"),
        reverse("dashboard:interview_detail", args=[interview.pk]),
        reverse("dashboard:review_side_by_side", args=[interview.pk])
        + f"?question={interview.questions.first().pk}",  # type: ignore[union-attr]
    ):
        response = reviewer_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert thumbnails_in(response) == [], url
        assert "thumb-blind" in html, url
        assert "Ada" not in html, url
    # Even a URL signed for the reviewer is refused while blind mode hides the candidate.
    assert status(reviewer_client, thumbnail_url(item_id=item.pk, user=assigned_reviewer)) == 404


LIST_PAGES = ["dashboard", "todo", "home", "interview", "side_by_side"]


def list_url(name: str, interview: Interview) -> str:
    question = interview.questions.first()
    assert question is not None
    return {
        "dashboard": dashboard(interview),
        "todo": reverse("dashboard:review_todo"),
        "home": reverse("dashboard:home"),
        "interview": reverse("dashboard:interview_detail", args=[interview.pk]),
        "side_by_side": reverse("dashboard:review_side_by_side", args=[interview.pk])
        + f"?question={question.pk}",
    }[name]


@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_query_counts_do_not_grow_with_thumbnails(
    name: str,
    admin_client: Client,
    admin_user: User,
    interview: Interview,
    make_candidate: Callable[..., Invitation],
) -> None:
    for n in range(2):
        with_thumbnails(make_candidate(interview, name=f"Early {n}"))
    url = list_url(name, interview)
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(thumbnails_in(response)) == 2
    for n in range(6):
        with_thumbnails(make_candidate(interview, name=f"Later {n}"))
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert len(thumbnails_in(response)) == 8
    assert len(many) == len(few), name


def test_dashboard_with_thumbnails_has_a_pinned_query_count(
    reviewer_client: Client,
    assigned_reviewer: User,
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    django_assert_num_queries: Callable[..., Any],
) -> None:
    for n in range(5):
        with_thumbnails(make_candidate(interview, name=f"Person {n}"))
    reviewer_client.get(dashboard(interview))
    # session, user, membership; interview; status and decision counts; COUNT; the page;
    # the thumbnails (one query for the page); question count; the org switcher.
    with django_assert_num_queries(10):
        response = reviewer_client.get(dashboard(interview))
    assert len(thumbnails_in(response)) == 5


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0.5, "under a minute"), (42, "42 min"), (65, "1 h 05 min"), (60 * 27 + 3, "1 day 3 h")],
)
def test_duration_text(minutes: float, text: str) -> None:
    assert duration_text(datetime.timedelta(minutes=minutes)) == text
    assert duration_text(None) == ""
