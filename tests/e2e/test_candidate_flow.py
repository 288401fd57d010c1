"""A candidate records a whole interview in a real browser (fake camera, flite voice)."""

from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from oneway.candidate.selectors import take_storage_name
from oneway.core.models import Answer, InvitationStatus, Take

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_media_processing"),
]

QUESTION = {"answer_type": "video", "thinking_seconds": 30, "max_answer_seconds": 30, "retakes": 1}


def test_a_candidate_records_the_whole_interview_and_nothing_is_lost(
    page, make_candidate, candidate_browser, axe_check, media_tools, tmp_path: Path
) -> None:
    link = make_candidate(questions=[QUESTION, QUESTION, QUESTION], practice_enabled=True)
    candidate = candidate_browser(record_chunks=True)

    candidate.open(link)
    axe_check(page)  # landing
    candidate.consent()
    candidate.device_check(before_continue=lambda: axe_check(page))

    candidate.reveal()  # the practice question
    candidate.record(1.5)
    candidate.send_answer()

    candidate.reveal()  # question 1: a take, a retake
    axe_check(page)
    first = candidate.record(3)
    candidate.retake()
    second = candidate.record(3)
    axe_check(page)
    candidate.send_answer()
    for _ in range(2):  # questions 2 and 3
        candidate.reveal()
        candidate.record(3)
        candidate.send_answer()
    candidate.send_interview()
    axe_check(page)  # done

    invitation = link.invitation
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.COMPLETED
    answers = list(
        Answer.objects.filter(invitation=invitation, is_practice=False)
        .select_related("submitted_take")
        .order_by("question__position")
    )
    assert len(answers) == 3
    assert answers[0].takes.count() == 2
    assert answers[0].submitted_take_id == second  # the last take counts
    assert Take.objects.filter(pk=first, answer=answers[0]).exists()
    practice = Answer.objects.get(invitation=invitation, is_practice=True)
    assert practice.takes.get().media is None  # never shown to reviewers

    paths = []
    for answer in answers:
        take = answer.submitted_take
        assert take is not None and take.media is not None
        name = take_storage_name(take)
        with default_storage.open(name, "rb") as handle:
            stored = handle.read()
        # Every byte the browser produced (and kept in IndexedDB) is stored, nothing else.
        assert stored == candidate.chunks.take_bytes(take.pk)
        paths.append(Path(default_storage.path(name)))
    joined = media_tools.probe(media_tools.concat(paths, tmp_path / "answers.mkv"))
    recorded = sum(a.submitted_take.client_duration_ms for a in answers) / 1000
    wall = sum(candidate.durations[a.submitted_take_id] for a in answers)
    assert {"video", "audio"} <= joined.kinds
    assert abs(joined.seconds - recorded) <= 0.1 * recorded, (joined.seconds, recorded)
    assert abs(joined.seconds - wall) <= 0.1 * wall, (joined.seconds, wall)


def test_audio_and_written_answers_work_the_same_way(
    page, make_candidate, candidate_browser, media_tools, tmp_path: Path
) -> None:
    link = make_candidate(
        questions=[
            {"answer_type": "audio", "thinking_seconds": 3, "max_answer_seconds": 20},
            {"answer_type": "text", "max_characters": 200},
        ],
        practice_enabled=False,
    )
    candidate = candidate_browser(record_chunks=True)
    candidate.open(link)
    candidate.consent()
    candidate.device_check(skip=True)
    candidate.reveal()
    assert page.locator("#level").is_visible()  # a level meter instead of a camera preview
    take_id = candidate.record(2.5)
    candidate.send_answer()
    candidate.reveal()
    page.get_by_label("Your answer").fill("I would start by listening to the team.")
    assert "characters left" in page.locator("#char-count").inner_text()
    page.get_by_role("button", name="Send this answer").click()
    candidate.send_interview()

    take = Take.objects.select_related("media").get(pk=take_id)
    assert take.media is not None and take.media.kind == "audio"
    path = tmp_path / "audio"
    with default_storage.open(take_storage_name(take), "rb") as handle:
        path.write_bytes(handle.read())
    assert path.read_bytes() == candidate.chunks.take_bytes(take_id)
    assert media_tools.probe(path).kinds == {"audio"}
    written = Answer.objects.get(question=link.questions[1])
    assert written.text == "I would start by listening to the team."
