"""The per-upload capability: a chunk of a recording is authorised by its upload row alone
(no session, invitation or take queries), until the interview closes; completion checks
everything again."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from oneway.candidate.services import answer_reveal, take_start
from oneway.core.models import Take
from oneway.core.services.invitations import invitation_revoke
from oneway.core.tokens import hash_token
from oneway.uploads.lane import UploadsHandler
from oneway.uploads.models import Upload


class LaneHandler(ClientHandler):
    """The test client's handler with the uploads lane's middleware and URLs, as
    oneway.wsgi sends /uploads/ requests in production."""

    load_middleware = UploadsHandler.load_middleware
    resolve_request = UploadsHandler.resolve_request


def lane_client(like: Client) -> Client:
    client = Client()
    client.handler = LaneHandler()
    client.cookies = like.cookies
    return client


TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


@pytest.fixture
def recording_take(make_candidate, enter):
    def make(**kwargs):
        kwargs.setdefault("practice_enabled", False)
        link = make_candidate(**kwargs)
        client = enter(link)
        client.post("/c/", {"action": "consent", "agree": "on"})
        link.invitation.refresh_from_db()
        answer = answer_reveal(invitation=link.invitation, question=link.questions[0])
        return link, client, take_start(answer=answer)

    return make


def _meta(take: Take) -> dict[str, str]:
    return {"purpose": "answer", "take": str(take.pk), "filetype": "video/webm"}


def _patch(client: Client, url: str, offset: int, data: bytes, token: str = "", **extra: str):
    headers = {"HTTP_UPLOAD_OFFSET": str(offset), **TUS, **extra}
    if token:
        headers["HTTP_X_UPLOAD_TOKEN"] = token
    return client.generic(
        "PATCH",
        url,
        data,
        content_type="application/offset+octet-stream",
        CONTENT_TYPE="application/offset+octet-stream",
        **headers,
    )


def test_creation_hands_out_a_capability_stored_only_hashed(recording_take, tus_for) -> None:
    link, client, take = recording_take(grace_minutes=5)
    created = tus_for(client).create(**_meta(take))
    assert created.status_code == 201
    token = created["X-Upload-Token"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 256 bits
    upload = Upload.objects.get(owner=f"take:{take.pk}")
    assert upload.capability_hash == hash_token(token)
    assert token not in str(Upload.objects.filter(pk=upload.pk).values().get())
    invitation = link.invitation
    assert upload.capability_until == invitation.deadline + datetime.timedelta(minutes=5)


def test_a_chunk_with_the_capability_needs_no_session(
    recording_take, tus_for, make_recording
) -> None:
    data = make_recording(seconds=1)
    _, client, take = recording_take()
    created = tus_for(client).create(**_meta(take))
    url, token = created["Location"], created["X-Upload-Token"]
    anonymous = Client()  # another browser context: no session cookie at all
    assert _patch(anonymous, url, 0, data[:104], token).status_code == 204
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert _patch(anonymous, url, 104, data[104:154], forged).status_code == 403
    assert _patch(anonymous, url, 104, data[104:154]).status_code == 403
    head = anonymous.head(url, HTTP_X_UPLOAD_TOKEN=token, **TUS)
    assert head["Upload-Offset"] == "104"


def test_a_chunk_costs_only_the_upload_rows_queries(
    recording_take, tus_for, make_recording
) -> None:
    data = make_recording(seconds=1)
    _, client, take = recording_take()
    created = tus_for(client).create(**_meta(take))
    url, token = created["Location"], created["X-Upload-Token"]
    client = lane_client(client)
    assert _patch(client, url, 0, data[:104], token).status_code == 204
    offset = 104
    with CaptureQueriesContext(connection) as with_capability:
        assert _patch(client, url, offset, b"\x01" * 1000, token).status_code == 204
    offset += 1000
    with CaptureQueriesContext(connection) as with_session:
        assert _patch(client, url, offset, b"\x02" * 1000).status_code == 204
    tables = re.compile(r'(?:FROM|UPDATE|INTO)\s+"?(\w+)"?', re.IGNORECASE)
    touched = {t for q in with_capability.captured_queries for t in tables.findall(q["sql"])}
    assert touched <= {"uploads_upload"}, with_capability.captured_queries
    # The session path reads the session, the invitation and the take on top.
    assert len(with_session) - len(with_capability) == 3
    # Pinned. On PostgreSQL the row's read, lock and write go through psycopg's own
    # cursors (oneway.uploads.rows), uncounted: only the test transaction's savepoint is.
    expected = 2 if connection.vendor == "postgresql" else 5  # read, lock, write (+savepoint)
    assert len(with_capability) == expected, with_capability.captured_queries


def test_the_capability_ends_when_the_interview_closes(
    recording_take, tus_for, make_recording
) -> None:
    data = make_recording(seconds=1)
    link, client, take = recording_take(grace_minutes=5)
    created = tus_for(client).create(**_meta(take))
    url, token = created["Location"], created["X-Upload-Token"]
    Upload.objects.filter(owner=f"take:{take.pk}").update(
        capability_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    # Past its time the capability is not enough; the session still is (until closing).
    assert _patch(Client(), url, 0, data[:100], token).status_code == 403
    assert _patch(client, url, 0, data[:100], token).status_code == 204


def test_a_recording_completed_after_revocation_is_refused(
    recording_take, tus_for, admin_user, django_capture_on_commit_callbacks, make_recording
) -> None:
    link, client, take = recording_take()
    data = make_recording(seconds=1)
    created = tus_for(client).create(**_meta(take))
    url, token = created["Location"], created["X-Upload-Token"]
    assert _patch(Client(), url, 0, data[:200], token).status_code == 204
    invitation_revoke(invitation=link.invitation, actor=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        last = _patch(Client(), url, 200, data[200:], token, HTTP_UPLOAD_LENGTH=str(len(data)))
    assert last.status_code in (409, 410), last.content
    assert not Upload.objects.filter(owner=f"take:{take.pk}").exists()
