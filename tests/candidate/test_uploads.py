"""The server's rules on recordings, through the tus service (upload policies, contract B)."""

import datetime
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from oneway.candidate import rules
from oneway.candidate.services import answer_reveal, take_start
from oneway.core.models import AuditEntry, Take
from oneway.core.models.answers import TakeState
from oneway.uploads.models import Upload


@pytest.fixture
def recording_take(make_candidate, enter):
    """A candidate (own session) with a take just started on question 1."""

    def make(**kwargs):
        kwargs.setdefault("practice_enabled", False)
        link = make_candidate(**kwargs)
        client = enter(link)
        client.post("/c/", {"action": "consent", "agree": "on"})
        link.invitation.refresh_from_db()
        answer = answer_reveal(invitation=link.invitation, question=link.questions[0])
        take = take_start(answer=answer)
        return link, client, take

    return make


def _meta(take: Take) -> dict[str, str]:
    return {"purpose": "answer", "take": str(take.pk), "filetype": "video/webm"}


def test_a_recording_streamed_while_recorded_becomes_the_takes_media(
    recording_take, tus_for, make_recording, django_capture_on_commit_callbacks
) -> None:
    link, client, take = recording_take()
    data = make_recording(3)
    with django_capture_on_commit_callbacks(execute=True):
        response = tus_for(client).send(data, pieces=4, **_meta(take))
    assert response.status_code == 204, response.content
    take.refresh_from_db()
    assert take.state == TakeState.UPLOADED
    assert take.size == len(data)
    assert take.media is not None
    assert take.media.organisation == link.invitation.organisation
    assert take.media.original_size == len(data)
    assert AuditEntry.objects.filter(action="take.uploaded", invitation_id=link.invitation.pk)

    # The candidate watches it back from the server, with ranges for seeking.
    whole = client.get(f"/c/takes/{take.pk}/recording")
    assert b"".join(whole.streaming_content) == data
    part = client.get(f"/c/takes/{take.pk}/recording", HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert b"".join(part.streaming_content) == data[10:20]


def test_mp4_is_recognised_too(recording_take, tus_for, make_recording) -> None:
    _, client, take = recording_take()
    response = tus_for(client).send(make_recording(2, "mp4"), **_meta(take))
    assert response.status_code == 204, response.content


def test_one_upload_per_take(recording_take, tus_for) -> None:
    _, client, take = recording_take()
    tus = tus_for(client)
    first = tus.create(**_meta(take))
    assert first.status_code == 201
    assert tus.patch(first["Location"], 0, b"\x1aE\xdf\xa3 some bytes").status_code == 204
    second = tus.create(**_meta(take))
    assert second.status_code == 409
    assert "already has its recording" in second.json()["detail"]


def test_a_creation_whose_answer_was_lost_can_be_made_again(recording_take, tus_for) -> None:
    """A web worker killed after creating the upload, before the recorder read the answer:
    the recorder retries the creation; nothing had arrived, so the take starts afresh."""
    _, client, take = recording_take()
    tus = tus_for(client)
    lost = tus.create(**_meta(take))
    again = tus.create(**_meta(take))
    assert again.status_code == 201
    assert again["Location"] != lost["Location"]
    assert list(Upload.objects.filter(owner=f"take:{take.pk}").values_list("id", flat=True)) == [
        uuid.UUID(again["Location"].rstrip("/").rsplit("/", 1)[1])
    ]
    assert tus.patch(lost["Location"], 0, b"late").status_code == 404


def test_only_webm_and_mp4_are_accepted_whatever_the_declared_type(recording_take, tus_for) -> None:
    _, client, take = recording_take()
    wav = b"RIFF\x24\x08\x00\x00WAVEfmt " + b"\x00" * 200
    response = tus_for(client).send(wav, pieces=1, **_meta(take))
    assert response.status_code == 415
    assert "only WebM and MP4" in response.json()["detail"]
    take.refresh_from_db()
    assert take.state == TakeState.RECORDING


def test_size_beyond_the_limit_is_refused(recording_take, tus_for) -> None:
    _, client, take = recording_take(questions=[{"answer_type": "video", "max_answer_seconds": 30}])
    limit = rules.question_limits(take.answer.question, take.answer.invitation).max_bytes
    response = tus_for(client).create(length=limit + 1, **_meta(take))
    assert response.status_code == 413


def test_a_recording_longer_than_the_limit_and_its_tolerance_is_refused(
    recording_take, tus_for, make_recording
) -> None:
    _, client, take = recording_take(questions=[{"answer_type": "video", "max_answer_seconds": 10}])
    too_long = make_recording(10 + rules.LENGTH_TOLERANCE_SECONDS + 2)
    response = tus_for(client).send(too_long, **_meta(take))
    assert response.status_code == 413
    assert "longer than the 13 allowed" in response.json()["detail"]
    take.refresh_from_db()
    assert take.state == TakeState.RECORDING
    assert not Upload.objects.filter(owner=f"take:{take.pk}").exists()


def test_accommodated_time_is_accepted(
    recording_take, tus_for, make_recording, django_capture_on_commit_callbacks
) -> None:
    link, client, take = recording_take(
        questions=[{"answer_type": "video", "max_answer_seconds": 10}]
    )
    link.invitation.accommodation_time_factor = 2
    link.invitation.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = tus_for(client).send(make_recording(16), **_meta(take))
    assert response.status_code == 204, response.content


def test_no_upload_after_the_deadline_and_its_grace(recording_take, tus_for) -> None:
    link, client, take = recording_take(grace_minutes=5)
    tus = tus_for(client)
    created = tus.create(**_meta(take))
    link.invitation.deadline = timezone.now() - datetime.timedelta(minutes=6)
    link.invitation.save()
    late = tus.patch(created["Location"], 0, b"\x1a\x45\xdf\xa3" + b"\x00" * 100)
    assert late.status_code == 410
    assert "deadline has passed" in late.json()["detail"]
    assert tus.create(**_meta(take)).status_code == 410


def test_another_candidates_take_cannot_be_uploaded_to(
    recording_take, tus_for, make_candidate, enter
) -> None:
    _, _, take = recording_take()
    stranger = enter(make_candidate(email="someone@example.com"))
    assert tus_for(stranger).create(**_meta(take)).status_code == 403
    assert tus_for(Client()).create(**_meta(take)).status_code == 403


def test_device_check_clips_play_back_to_their_candidate_only(
    make_candidate, enter, tus_for, make_recording, django_capture_on_commit_callbacks
) -> None:
    client = enter(make_candidate())
    data = make_recording(2)
    tus = tus_for(client)
    with django_capture_on_commit_callbacks(execute=True):
        first = tus.send(data, purpose="device-check")
    assert first.status_code == 204
    first_id = first.upload_url.rsplit("/", 1)[1]
    clip = client.get(f"/c/device-check/clips/{first_id}/")
    assert clip.status_code == 200
    assert b"".join(clip.streaming_content) == data
    stranger = enter(make_candidate(email="someone@example.com"))
    assert stranger.get(f"/c/device-check/clips/{first_id}/").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        second = tus.send(data, purpose="device-check")
    assert second.status_code == 204
    # Only the latest clip is kept.
    assert client.get(f"/c/device-check/clips/{first_id}/").status_code == 404
    assert Upload.objects.filter(purpose="device-check").count() == 1


def test_device_check_clips_are_short(make_candidate, enter, tus_for, make_recording) -> None:
    client = enter(make_candidate())
    too_long = make_recording(rules.DEVICE_CHECK_MAX_SECONDS + rules.LENGTH_TOLERANCE_SECONDS + 2)
    assert tus_for(client).send(too_long, purpose="device-check").status_code == 413
