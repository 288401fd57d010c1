"""The team's welcome and question videos, staff side (issue 16): record over tus or upload
a file, processing through the media pipeline, replace, remove, who may do it."""

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from candidate.conftest import Tus
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from oneway.accounts.models import User
from oneway.candidate.testing import CandidateLink, create_candidate
from oneway.core.models import AuditEntry, Interview, Organisation, Question
from oneway.core.services.interviews import question_delete
from oneway.media.models import MediaItem, ProcessingState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_storage(settings: Any, tmp_path: Path) -> Path:
    settings.TRANSCRIBER = "media.test_transcribe.EchoTranscriber"  # quick captions
    settings.UPLOAD_TEMP_DIR = tmp_path / "incoming"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/m/"},
        },
    }
    return tmp_path


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Two seconds of test pattern and a tone, as a browser's WebM."""
    path = tmp_path_factory.mktemp("prompt") / "clip.webm"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "2",
         "-c:v", "libvpx", "-b:v", "100k", "-c:a", "libopus", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


@pytest.fixture
def link(org: Organisation, admin_user: User) -> CandidateLink:
    return create_candidate(org, actor=admin_user, questions=["video", "text"])


def _welcome_url(interview: Interview) -> str:
    return f"/app/interviews/{interview.pk}/welcome-video/"


def _question_url(question: Question) -> str:
    return f"/app/interviews/{question.interview_id}/questions/{question.pk}/video/"


def test_a_recording_streamed_over_tus_becomes_the_welcome_video_and_is_processed(
    link: CandidateLink,
    owner_client: Client,
    clip: bytes,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    interview = link.interview
    with django_capture_on_commit_callbacks(execute=True):
        response = Tus(owner_client).send(
            clip, pieces=3, purpose="prompt-video", target=f"welcome:{interview.pk}"
        )
    assert response.status_code == 204, response.content
    interview.refresh_from_db()
    item = interview.welcome_media
    assert item is not None and item.organisation == interview.organisation
    # The same pipeline as answers: rendition, poster, captions.
    assert item.state == ProcessingState.READY, item.error
    assert item.rendition_name.endswith(".mp4") and item.poster_name and item.captions_name
    entry = AuditEntry.objects.get(action="interview.welcome_video_set")
    assert entry.data["source"] == "recorded" and entry.interview_id == interview.pk

    page = owner_client.get(f"/app/interviews/{interview.pk}/")
    assert "ready, shown to candidates." in page.content.decode()
    manage = owner_client.get(_welcome_url(interview)).content.decode()
    assert '<track kind="captions"' in manage and "/media/" in manage


def test_an_uploaded_file_becomes_the_question_video_and_replaces_the_last(
    link: CandidateLink, owner_client: Client, clip: bytes
) -> None:
    question = link.questions[0]
    for _ in range(2):
        response = owner_client.post(
            _question_url(question),
            {"action": "upload", "video": SimpleUploadedFile("q.webm", clip, "video/webm")},
        )
        assert response.status_code == 302
    question.refresh_from_db()
    assert question.prompt_media is not None
    # The first video was replaced: one item left, its files go with the old row.
    assert MediaItem.objects.filter(organisation=link.invitation.organisation).count() == 1
    entries = AuditEntry.objects.filter(action="question.video_set").order_by("pk")
    assert [e.data["source"] for e in entries] == ["uploaded", "uploaded"]
    assert entries[1].data["replaced"] == entries[0].data["media"]


def test_a_file_that_is_not_a_video_is_refused_with_the_reason(
    link: CandidateLink, owner_client: Client
) -> None:
    response = owner_client.post(
        _question_url(link.questions[0]),
        {"action": "upload", "video": SimpleUploadedFile("cv.pdf", b"%PDF-1.4 " * 20)},
    )
    assert response.status_code == 400
    assert "This is not a video we can accept" in response.content.decode()
    assert not MediaItem.objects.exists()


def test_a_video_that_cannot_be_played_is_refused_and_not_kept(
    link: CandidateLink, owner_client: Client, own_storage: Path
) -> None:
    broken = b"\x1a\x45\xdf\xa3" + b"webm" + b"\x00" * 500
    response = owner_client.post(
        _welcome_url(link.interview),
        {"action": "upload", "video": SimpleUploadedFile("w.webm", broken)},
    )
    assert response.status_code == 400
    assert "This video cannot be played" in response.content.decode()
    assert not MediaItem.objects.exists()
    kept = own_storage / "media" / "uploads" / "prompt-video"
    assert not [path for path in kept.rglob("*") if path.is_file()]


def test_remove_deletes_the_video(link: CandidateLink, owner_client: Client, clip: bytes) -> None:
    url = _welcome_url(link.interview)
    owner_client.post(url, {"action": "upload", "video": SimpleUploadedFile("w.webm", clip)})
    assert MediaItem.objects.count() == 1
    assert owner_client.post(url, {"action": "remove"}).status_code == 302
    link.interview.refresh_from_db()
    assert link.interview.welcome_media is None
    assert not MediaItem.objects.exists()
    assert AuditEntry.objects.filter(action="interview.welcome_video_removed").exists()


def test_deleting_a_question_deletes_its_video(
    link: CandidateLink, owner_client: Client, admin_user: User, clip: bytes
) -> None:
    question = link.questions[1]
    owner_client.post(
        _question_url(question), {"action": "upload", "video": SimpleUploadedFile("q.webm", clip)}
    )
    question.refresh_from_db()
    question_delete(question=question, actor=admin_user)
    assert not MediaItem.objects.exists()


def test_the_text_version_is_saved(link: CandidateLink, owner_client: Client) -> None:
    response = owner_client.post(
        _welcome_url(link.interview), {"action": "text", "welcome_text": "Hello, and welcome."}
    )
    assert response.status_code == 302
    link.interview.refresh_from_db()
    assert link.interview.welcome_text == "Hello, and welcome."
    assert AuditEntry.objects.filter(action="interview.welcome_text_updated").exists()


def test_reviewers_are_refused_and_another_organisation_answers_404(
    link: CandidateLink,
    reviewer_client: Client,
    assign_reviewer: Callable[..., Any],
    make_org: Callable[..., Organisation],
    make_member: Callable[..., User],
    client_for: Callable[[User], Client],
    clip: bytes,
) -> None:
    interview, question = link.interview, link.questions[0]
    assign_reviewer(interview)
    assert reviewer_client.get(_welcome_url(interview)).status_code == 403
    assert reviewer_client.get(_question_url(question)).status_code == 403
    refused = Tus(reviewer_client).create(purpose="prompt-video", target=f"welcome:{interview.pk}")
    assert refused.status_code == 403

    stranger = client_for(make_member(make_org(), role="owner"))
    assert stranger.get(_welcome_url(interview)).status_code == 404
    assert stranger.get(_question_url(question)).status_code == 404
    assert (
        stranger.post(
            _welcome_url(interview),
            {"action": "upload", "video": SimpleUploadedFile("w.webm", clip)},
        ).status_code
        == 404
    )
    for target in (f"welcome:{interview.pk}", f"question:{question.pk}"):
        assert Tus(stranger).create(purpose="prompt-video", target=target).status_code == 404
    assert not MediaItem.objects.exists()


def test_a_failed_video_tells_the_team_and_offers_a_retry(
    link: CandidateLink, owner_client: Client, clip: bytes
) -> None:
    url = _welcome_url(link.interview)
    owner_client.post(url, {"action": "upload", "video": SimpleUploadedFile("w.webm", clip)})
    item = MediaItem.objects.get()
    MediaItem.objects.filter(pk=item.pk).update(
        state=ProcessingState.FAILED, error="The encoder ran out of memory."
    )
    page = owner_client.get(f"/app/interviews/{link.interview.pk}/").content.decode()
    assert "processing failed; candidates do not see it." in page
    assert "The encoder ran out of memory." in page
    manage = owner_client.get(url).content.decode()
    assert f"/media/items/{item.pk}/retry/" in manage
    assert "Candidates do not see this video until it is processed" in manage


def test_a_recording_that_is_not_a_video_is_refused_over_tus(
    link: CandidateLink,
    owner_client: Client,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    target = f"question:{link.questions[0].pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = Tus(owner_client).send(
            b"%PDF-1.4 " * 200, pieces=2, purpose="prompt-video", target=target
        )
    assert response.status_code == 415
    assert "This is not a video we can accept" in response.content.decode()
    assert not MediaItem.objects.exists()


def test_a_file_sent_over_tus_by_the_page_is_noted_as_uploaded(
    link: CandidateLink,
    owner_client: Client,
    clip: bytes,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    question = link.questions[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = Tus(owner_client).send(
            clip, purpose="prompt-video", target=f"question:{question.pk}", source="file"
        )
    assert response.status_code == 204, response.content
    question.refresh_from_db()
    assert question.prompt_media is not None
    assert AuditEntry.objects.get(action="question.video_set").data["source"] == "uploaded"
