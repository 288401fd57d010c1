"""Questions one at a time: reveal, takes, retakes, submission, written answers, tabs."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from oneway.candidate.services import CandidateError, answer_submit, take_start
from oneway.core.models import Answer, AuditEntry, Take
from oneway.core.models.answers import TakeState


@pytest.fixture
def started(make_candidate, enter):
    """A candidate past consent and the device check, practice off."""

    def start(**kwargs):
        kwargs.setdefault("practice_enabled", False)
        link = make_candidate(**kwargs)
        client = enter(link)
        client.post("/c/", {"action": "consent", "agree": "on"})
        client.post("/c/device-check/", {"action": "done"})
        link.invitation.refresh_from_db()
        return link, client

    return start


def _post_json(client: Client, url: str, data: dict | None = None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def _reveal(client: Client, question) -> Answer:
    client.post(f"/c/questions/{question.pk}/", {"action": "reveal"})
    return Answer.objects.get(question=question)


def _saved_take(answer: Answer) -> Take:
    take = take_start(answer=answer)
    take.state = TakeState.UPLOADED
    take.save()
    return take


def test_the_question_text_reaches_the_browser_only_once_started(started) -> None:
    link, client = started()
    question = link.questions[0]
    url = f"/c/questions/{question.pk}/"
    before = client.get(url).content.decode()
    assert question.prompt not in before
    assert "Question 1 of 3" in before
    assert not Answer.objects.filter(question=question).exists()

    answer = _reveal(client, question)
    assert answer.revealed_at is not None
    assert question.prompt in client.get(url).content.decode()
    first = answer.revealed_at
    _reveal(client, question)  # a reload or a second click keeps the first time
    answer.refresh_from_db()
    assert answer.revealed_at == first
    assert AuditEntry.objects.filter(action="answer.revealed").count() == 1


def test_questions_come_one_at_a_time_in_order(started) -> None:
    link, client = started()
    second = f"/c/questions/{link.questions[1].pk}/"
    assert client.get(second)["Location"] == f"/c/questions/{link.questions[0].pk}/"
    assert client.get("/c/submit/")["Location"] == f"/c/questions/{link.questions[0].pk}/"


def test_one_take_per_start_and_no_more_takes_than_allowed(started) -> None:
    link, client = started(questions=[{"answer_type": "video", "retakes": 1}])
    answer = _reveal(client, link.questions[0])
    url = f"/c/api/answers/{answer.pk}/takes/"
    first = _post_json(client, url)
    second = _post_json(client, url)
    assert (first.status_code, second.status_code) == (201, 201)
    assert [first.json()["take"]["number"], second.json()["take"]["number"]] == [1, 2]
    third = _post_json(client, url)
    assert third.status_code == 409
    assert third.json()["error"] == "You have used all the takes allowed for this question."
    assert Take.objects.filter(answer=answer).count() == 2


def test_takes_need_the_question_shown_first(started) -> None:
    link, client = started()
    answer = Answer.objects.create(invitation=link.invitation, question=link.questions[0])
    response = _post_json(client, f"/c/api/answers/{answer.pk}/takes/")
    assert response.status_code == 409


def test_nothing_is_accepted_after_the_deadline_and_its_grace(started) -> None:
    link, client = started(grace_minutes=10)
    answer = _reveal(client, link.questions[0])
    take = _saved_take(answer)
    invitation = link.invitation
    invitation.deadline = timezone.now() - datetime.timedelta(minutes=11)
    invitation.save()
    response = _post_json(client, f"/c/api/answers/{answer.pk}/takes/")
    assert response.status_code == 410
    assert "deadline has passed" in response.json()["error"]
    answer.invitation = invitation
    with pytest.raises(CandidateError) as refused:
        answer_submit(answer=answer, take=take)
    assert refused.value.status == 410


def test_an_answer_is_sent_with_the_chosen_take_or_else_the_last_saved(started) -> None:
    link, client = started(questions=[{"answer_type": "video", "retakes": 2}, "video"])
    answer = _reveal(client, link.questions[0])
    first, second = _saved_take(answer), _saved_take(answer)
    response = client.post(
        f"/c/questions/{link.questions[0].pk}/", {"action": "submit", "take": first.pk}
    )
    assert response["Location"] == f"/c/questions/{link.questions[1].pk}/"
    answer.refresh_from_db()
    assert answer.submitted_take == first
    assert answer.submitted_at is not None
    assert second.pk != first.pk

    other = _reveal(client, link.questions[1])
    _saved_take(other)
    last = _saved_take(other)
    client.post(f"/c/questions/{link.questions[1].pk}/", {"action": "submit"})
    other.refresh_from_db()
    assert other.submitted_take == last


def test_a_take_still_uploading_cannot_be_sent(started) -> None:
    link, client = started()
    answer = _reveal(client, link.questions[0])
    take = take_start(answer=answer)
    response = client.post(
        f"/c/questions/{link.questions[0].pk}/", {"action": "submit", "take": take.pk}
    )
    assert response.status_code == 409
    assert "still uploading" in response.content.decode()


def test_a_sent_answer_takes_no_more_takes(started) -> None:
    link, client = started()
    answer = _reveal(client, link.questions[0])
    _saved_take(answer)
    client.post(f"/c/questions/{link.questions[0].pk}/", {"action": "submit"})
    response = _post_json(client, f"/c/api/answers/{answer.pk}/takes/")
    assert response.status_code == 409


def test_written_answers_are_held_to_their_character_limit(started) -> None:
    link, client = started(questions=[{"answer_type": "text", "max_characters": 50}])
    url = f"/c/questions/{link.questions[0].pk}/"
    _reveal(client, link.questions[0])
    too_long = client.post(url, {"action": "submit", "text": "x" * 51})
    assert too_long.status_code == 400
    assert "at most 50 characters" in too_long.content.decode()
    ok = client.post(url, {"action": "submit", "text": "A short and honest answer."})
    assert ok["Location"] == "/c/submit/"
    assert Answer.objects.get().text == "A short and honest answer."


def test_practice_answers_are_never_counted_as_answers(started) -> None:
    link, client = started(practice_enabled=True)
    assert client.get("/c/")  # landing still there
    assert client.get(f"/c/questions/{link.questions[0].pk}/")["Location"] == "/c/practice/"
    client.post("/c/practice/", {"action": "reveal"})
    practice = Answer.objects.get(is_practice=True)
    assert practice.question is None
    _saved_take(practice)
    response = client.post("/c/practice/", {"action": "submit"})
    assert response["Location"] == f"/c/questions/{link.questions[0].pk}/"


def test_the_practice_can_be_skipped(started) -> None:
    link, client = started(practice_enabled=True)
    response = client.post("/c/practice/", {"action": "skip"})
    assert response["Location"] == f"/c/questions/{link.questions[0].pk}/"


def test_submitting_the_interview_needs_every_answer_and_completes_it(
    started, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    link, client = started(questions=["text", "text"])
    for question in link.questions:
        _reveal(client, question)
        client.post(f"/c/questions/{question.pk}/", {"action": "submit", "text": "Answer."})
    page = client.get("/c/submit/")
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/c/submit/")
    assert response["Location"] == "/c/status/"
    link.invitation.refresh_from_db()
    assert link.invitation.status == "completed"
    assert any(link.invitation.email in m.to for m in mailoutbox)  # the receipt
    status = client.get("/c/status/").content.decode()
    assert "Your interview has been sent" in status
    assert client.get(f"/c/questions/{link.questions[0].pk}/")["Location"] == "/c/status/"


def test_a_second_tab_is_told_and_can_take_over(started) -> None:
    link, client = started()
    first, second = "tab-one-aaaaaaaa", "tab-two-bbbbbbbb"
    assert _post_json(client, "/c/api/tab/", {"tab": first}).status_code == 200
    refused = _post_json(client, "/c/api/tab/", {"tab": second})
    assert refused.status_code == 409
    assert refused.json()["code"] == "other_tab"
    assert _post_json(client, "/c/api/tab/", {"tab": second, "takeover": True}).status_code == 200
    # The first tab is paused: it can no longer start takes.
    answer = _reveal(client, link.questions[0])
    paused = _post_json(client, f"/c/api/answers/{answer.pk}/takes/", {"tab": first})
    assert paused.status_code == 409
    assert paused.json()["code"] == "other_tab"
    assert _post_json(client, "/c/api/tab/", {"tab": first}).status_code == 409
    ok = _post_json(client, f"/c/api/answers/{answer.pk}/takes/", {"tab": second})
    assert ok.status_code == 201


def test_a_silent_tab_is_replaced_without_asking(started, settings) -> None:
    from django.core.cache import cache

    link, client = started()
    assert _post_json(client, "/c/api/tab/", {"tab": "tab-one-aaaaaaaa"}).status_code == 200
    cache.delete(f"candidate-tab-seen:{link.invitation.pk}")  # its heartbeat stopped
    assert _post_json(client, "/c/api/tab/", {"tab": "tab-two-bbbbbbbb"}).status_code == 200
