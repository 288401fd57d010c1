"""Bad recordings are refused when their upload completes, with an answer the candidate
can act on; good ones never are (issue 13, section 3)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from media.mediagen import make_media, make_uneven

from oneway.candidate.selectors import answer_takes
from oneway.candidate.services import answer_reveal, take_start
from oneway.candidate.testing import CandidateLink
from oneway.core.models import AuditEntry, Take
from oneway.core.models.answers import TakeState
from oneway.media.models import ProcessingState
from oneway.uploads.models import Upload

pytestmark = pytest.mark.django_db

ONE_TAKE = [{"answer_type": "video", "max_answer_seconds": 60, "retakes": 0}]


@pytest.fixture(autouse=True)
def quick_transcriber(settings: Any) -> None:
    settings.TRANSCRIBER = "media.test_transcribe.EchoTranscriber"


@pytest.fixture
def one_take(
    make_candidate: Callable[..., CandidateLink], enter: Callable[[CandidateLink], Client]
) -> tuple[CandidateLink, Client, Take]:
    """A candidate on a 60 s question that allows one take, with that take started."""
    link = make_candidate(questions=ONE_TAKE, practice_enabled=False)
    client = enter(link)
    client.post("/c/", {"action": "consent", "agree": "on"})
    link.invitation.refresh_from_db()
    answer = answer_reveal(invitation=link.invitation, question=link.questions[0])
    return link, client, take_start(answer=answer)


def _meta(take: Take) -> dict[str, str]:
    return {"purpose": "answer", "take": str(take.pk), "filetype": "video/webm"}


def _assert_problem(response: Any, status: int, words: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert words in response.json()["detail"], response.json()


def _assert_refused_and_free_to_record_again(take: Take) -> None:
    assert not Take.objects.filter(pk=take.pk).exists(), "a refused take does not count"
    assert not Upload.objects.filter(owner=f"take:{take.pk}").exists()
    entry = AuditEntry.objects.get(action="take.refused", object_id=str(take.pk))
    assert entry.data["number"] == take.number and entry.data["reason"]
    answer = take.answer
    assert answer_takes(answer) == []
    again = take_start(answer=answer)  # the only take allowed: the refused one did not count
    assert again.number == take.number


def test_audio_outlasting_the_video_counts_for_the_length(
    one_take: tuple[CandidateLink, Client, Take], tus_for: Any, tmp_path: Path
) -> None:
    """1 s of video, 200 s of audio and no Duration element, for a 60 s question."""
    _, client, take = one_take
    data = make_uneven(tmp_path / "uneven.webm", video_seconds=1, audio_seconds=200).read_bytes()
    response = tus_for(client).send(data, **_meta(take))
    _assert_problem(response, 413, "longer than the 63 allowed")
    take.refresh_from_db()
    assert take.state == TakeState.RECORDING
    assert not Upload.objects.filter(owner=f"take:{take.pk}").exists()


def test_junk_behind_a_webm_header_is_refused_and_the_candidate_can_record_again(
    one_take: tuple[CandidateLink, Client, Take],
    tus_for: Any,
    make_recording: Callable[..., bytes],
) -> None:
    _, client, take = one_take
    junk = make_recording(3)[:40] + bytes(range(256)) * 200
    response = tus_for(client).send(junk, **_meta(take))
    _assert_problem(response, 422, "cannot be played")
    assert "does not count as one of your takes" in response.json()["detail"]
    _assert_refused_and_free_to_record_again(take)


def test_a_zero_byte_upload_is_refused_at_creation(
    one_take: tuple[CandidateLink, Client, Take], tus_for: Any
) -> None:
    _, client, take = one_take
    response = tus_for(client).create(length=0, **_meta(take))
    _assert_problem(response, 422, "The recording is empty")
    _assert_refused_and_free_to_record_again(take)


def test_a_deferred_upload_declared_empty_is_refused(
    one_take: tuple[CandidateLink, Client, Take], tus_for: Any
) -> None:
    _, client, take = one_take
    tus = tus_for(client)
    created = tus.create(**_meta(take))
    assert created.status_code == 201
    response = tus.patch(created["Location"], 0, b"", length=0)
    _assert_problem(response, 422, "The recording is empty")
    _assert_refused_and_free_to_record_again(take)


def test_a_take_cut_off_mid_cluster_is_accepted_and_salvaged(
    one_take: tuple[CandidateLink, Client, Take],
    tus_for: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _, client, take = one_take
    whole = make_media(tmp_path / "take.webm", fmt="webm", seconds=3, width=160, height=120)
    data = whole.read_bytes()
    cut = data[: len(data) // 2 + 777]
    with django_capture_on_commit_callbacks(execute=True):
        response = tus_for(client).send(cut, **_meta(take))
    assert response.status_code == 204, response.content
    take.refresh_from_db()
    assert take.state == TakeState.UPLOADED
    upload = Upload.objects.get(owner=f"take:{take.pk}")
    assert float(upload.metadata["cut_off_at"]) == pytest.approx(1.5, abs=0.2)
    assert take.media is not None
    take.media.refresh_from_db()
    assert take.media.state == ProcessingState.READY, take.media.error
    assert take.media.probe["cut_off_at"] == pytest.approx(1.5, abs=0.2)
    assert take.media.duration_ms == pytest.approx(1500, abs=200)


GOOD = {
    "VP8 + Opus WebM": dict(fmt="webm", vcodec="libvpx", acodec="libopus"),
    "VP9 + Opus WebM": dict(fmt="webm", vcodec="libvpx-vp9", acodec="libopus"),
    "H.264 + AAC MP4": dict(fmt="mp4", vcodec="libx264", acodec="aac"),
}


@pytest.mark.parametrize("kind", GOOD, ids=list(GOOD))
def test_normal_recordings_pass_every_check(
    kind: str,
    one_take: tuple[CandidateLink, Client, Take],
    tus_for: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _, client, take = one_take
    spec = GOOD[kind]
    path = make_media(tmp_path / f"take.{spec['fmt']}", seconds=2, width=320, height=240, **spec)
    with django_capture_on_commit_callbacks(execute=True):
        response = tus_for(client).send(path.read_bytes(), **_meta(take))
    assert response.status_code == 204, response.content
    take.refresh_from_db()
    assert take.state == TakeState.UPLOADED
    assert "cut_off_at" not in Upload.objects.get(owner=f"take:{take.pk}").metadata
    assert take.media is not None
    take.media.refresh_from_db()
    assert take.media.state == ProcessingState.READY, take.media.error
    assert (take.media.width, take.media.height) == (320, 240)
    assert take.media.probe["cut_off_at"] is None
