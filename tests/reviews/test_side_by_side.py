"""Side-by-side compare: one question, up to four candidates, in the reviewer's order."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from oneway.access import Viewer, candidate_alias
from oneway.accounts.models import User
from oneway.core.models import Interview, Invitation
from oneway.reviews.selectors import compare_order

pytestmark = pytest.mark.django_db


def url(interview: Interview, question_id: int | None = None, chosen: list[int] = ()) -> str:  # type: ignore[assignment]
    base = reverse("dashboard:review_side_by_side", args=[interview.pk])
    params = ([f"question={question_id}"] if question_id else []) + [f"c={c}" for c in chosen]
    return base + ("?" + "&".join(params) if params else "")


@pytest.fixture
def five(interview: Interview, make_candidate: Callable[..., Invitation]) -> list[Invitation]:
    names = ["Ada One", "Bea Two", "Cy Three", "Di Four", "Ed Five"]
    return [make_candidate(interview, name=name) for name in names]


def test_pick_a_question_then_candidates_then_the_grid_in_my_order(
    interview: Interview,
    five: list[Invitation],
    assigned_reviewer: User,
    reviewer_client: Client,
) -> None:
    question = interview.questions.first()
    assert question is not None
    page = reviewer_client.get(url(interview)).content.decode()
    assert 'name="question"' in page and 'name="c"' not in page
    page = reviewer_client.get(url(interview, question.pk)).content.decode()
    assert page.count('name="c"') == 5
    chosen = [five[0].pk, five[2].pk, five[4].pk]
    response = reviewer_client.get(url(interview, question.pk, chosen))
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count("<video") == 3 and content.count('class="transcript"') == 3
    assert content.count("data-rating-form") == 3
    shown = re.findall(r'id="cell-title-(\d+)"', content)
    viewer = Viewer(org=interview.organisation, user=assigned_reviewer, role="reviewer")
    mine = [pk for pk in compare_order(viewer, question) if pk in chosen]
    assert [int(pk) for pk in shown] == mine


def test_more_than_four_is_refused_with_a_message_and_the_choice_kept(
    interview: Interview, five: list[Invitation], assigned_reviewer: User, reviewer_client: Client
) -> None:
    question = interview.questions.first()
    assert question is not None
    response = reviewer_client.get(url(interview, question.pk, [i.pk for i in five]))
    assert response.status_code == 400
    content = response.content.decode()
    assert "Pick up to 4 candidates to watch side by side." in content
    assert content.count("checked") == 5 + 1  # the five kept, and the question
    assert "<video" not in content


def test_another_organisations_candidate_is_404(
    interview: Interview,
    five: list[Invitation],
    other_org: object,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    reviewer_client: Client,
) -> None:
    from isolation_objects import make_interview

    foreign = make_candidate(make_interview(other_org, questions=1), name="Far Away")
    question = interview.questions.first()
    assert question is not None
    response = reviewer_client.get(url(interview, question.pk, [five[0].pk, foreign.pk]))
    assert response.status_code == 404


def test_blind_mode_shows_aliases_and_no_posters(
    interview: Interview, five: list[Invitation], assigned_reviewer: User, reviewer_client: Client
) -> None:
    interview.blind_mode = True
    interview.save()
    question = interview.questions.first()
    assert question is not None
    content = reviewer_client.get(
        url(interview, question.pk, [five[0].pk, five[1].pk])
    ).content.decode()
    assert "Ada One" not in content and "Bea Two" not in content
    assert candidate_alias(five[0].pk) in content
    assert "poster=" not in content
