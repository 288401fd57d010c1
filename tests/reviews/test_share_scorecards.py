"""A hiring manager rating through a share link on an interview with a scorecard: per
competency against the anchors, as a staff reviewer does, with the same hidden rule and
weighted mean; interviews without competencies keep one score per answer."""

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Interview, Invitation, Organisation
from oneway.reviews.models import Competency, CompetencyRating, Rating, Review, ShareLink
from oneway.reviews.services import review_rate, review_submit, share_link_create
from oneway.reviews.services.scorecards import CompetencyInput, scorecard_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_scorecard(interview: Interview, admin_user: User) -> Interview:
    q1, q2, _text = interview.questions.all()
    scorecard_save(
        interview=interview,
        competencies=[
            CompetencyInput(
                "Problem solving", Decimal(2), "Guesses", "Reasons", "Measures", (q1.pk, q2.pk)
            ),
            CompetencyInput("Communication", Decimal(1), "Unclear", "Clear", "Vivid", (q1.pk,)),
        ],
        actor=admin_user,
    )
    return interview


@pytest.fixture
def shared(candidate: Invitation, admin_user: User) -> tuple[ShareLink, str]:
    return share_link_create(
        interview=candidate.interview,
        invitations=[candidate],
        label="Dana (hiring manager)",
        actor=admin_user,
        allow_rating=True,
    )


def competency(interview: Interview, name: str) -> Competency:
    return Competency.objects.get(name=name, scorecard__interview=interview)


def post(client: Client, token: str, candidate: Invitation, data: dict[str, object]) -> int:
    url = reverse("dashboard:review_share_rate", args=[token, candidate.pk])
    return client.post(url, data).status_code


def rate_all(client: Client, token: str, candidate: Invitation) -> None:
    q1, q2, q3 = candidate.interview.questions.all()
    solving = competency(candidate.interview, "Problem solving").pk
    talking = competency(candidate.interview, "Communication").pk
    for question, comp, score in ((q1, solving, 4), (q2, solving, 2), (q1, talking, 5)):
        data = {"question_id": question.pk, "competency_id": comp, "score": score}
        assert post(client, token, candidate, data) == 302
    assert post(client, token, candidate, {"question_id": q3.pk, "score": 3}) == 302


def test_share_page_rates_competencies_against_their_anchors(
    with_scorecard: Interview, candidate: Invitation, shared: tuple[ShareLink, str]
) -> None:
    _link, token = shared
    page = Client().get(reverse("dashboard:review_share_candidate", args=[token, candidate.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "Problem solving in answer 1" in content and "Communication in answer 1" in content
    assert "Problem solving in answer 2" in content and "Communication in answer 2" not in content
    assert "Measures" in content and "Vivid" in content  # the anchors
    assert 'name="competency_id"' in content
    # The text answer has no competency: one score, as before.
    assert "Your rating of answer 3" in content
    assert "Your rating of answer 1" not in content


def test_share_rating_goes_through_the_scorecard_service(
    with_scorecard: Interview, candidate: Invitation, shared: tuple[ShareLink, str]
) -> None:
    link, token = shared
    q1, _q2, _q3 = candidate.interview.questions.all()
    client = Client()
    # One score for a scorecard answer is refused, as for staff.
    assert post(client, token, candidate, {"question_id": q1.pk, "score": 4}) == 302
    assert not Rating.objects.exists()
    rate_all(client, token, candidate)
    review = Review.objects.get(share_link=link)
    assert review.reviewer is None
    assert CompetencyRating.objects.filter(review=review).count() == 3
    # Answer 1: mean of 4 and 5 rounded half up; answer 2: 2; answer 3: its own score.
    assert dict(review.ratings.values_list("question__position", "score")) == {0: 5, 1: 2, 2: 3}
    entry = AuditEntry.objects.filter(action="review.competency_rated").latest("id")
    assert entry.actor is None and entry.actor_label == f"share:{link.pk}"


def test_results_hidden_until_submitted_then_weighted_mean(
    with_scorecard: Interview,
    candidate: Invitation,
    shared: tuple[ShareLink, str],
    admin_user: User,
) -> None:
    _link, token = shared
    client = Client()
    url = reverse("dashboard:review_share_candidate", args=[token, candidate.pk])
    rate_all(client, token, candidate)
    before = client.get(url).content.decode()
    assert "Scores per competency and overall appear once you submit your review." in before
    assert "data-my-overall" not in before
    assert post(client, token, candidate, {"action": "submit", "recommendation": "yes"}) == 302
    # A staff reviewer's scores are never shown to the link's holder.
    q1, q2, q3 = candidate.interview.questions.all()
    after = client.get(url).content.decode()
    # Problem solving (weight 2): mean of 4 and 2 = 3; Communication (weight 1): 5.
    # Overall: (3 * 2 + 5 * 1) / 3 = 3.67.
    assert '<td class="num" data-my-overall>3.67</td>' in after
    assert "Team mean" not in after
    assert "disabled" in after  # locked after submitting


def test_staff_scores_stay_hidden_from_the_link(
    with_scorecard: Interview,
    candidate: Invitation,
    shared: tuple[ShareLink, str],
    admin_user: User,
) -> None:
    from oneway.reviews.services.scorecards import review_rate_competency

    _link, token = shared
    q1, q2, q3 = candidate.interview.questions.all()
    for question, name, score in ((q1, "Problem solving", 1), (q2, "Problem solving", 1)):
        review_rate_competency(
            invitation=candidate,
            question=question,
            competency=competency(candidate.interview, name),
            score=score,
            reviewer=admin_user,
        )
    review_rate_competency(
        invitation=candidate,
        question=q1,
        competency=competency(candidate.interview, "Communication"),
        score=1,
        reviewer=admin_user,
    )
    review_rate(invitation=candidate, question=q3, score=1, reviewer=admin_user)
    review_submit(invitation=candidate, recommendation="no", note="", reviewer=admin_user)
    client = Client()
    rate_all(client, token, candidate)
    assert post(client, token, candidate, {"action": "submit", "recommendation": "yes"}) == 302
    after = client.get(reverse("dashboard:review_share_candidate", args=[token, candidate.pk]))
    content = after.content.decode()
    assert '<td class="num" data-my-overall>3.67</td>' in content
    assert '<td class="num">1.00</td>' not in content  # the staff reviewer's scores
    assert "Team mean" not in content and "disagree" not in content


def test_submit_needs_every_competency(
    with_scorecard: Interview, candidate: Invitation, shared: tuple[ShareLink, str]
) -> None:
    link, _token = shared
    from oneway.reviews.services.scorecards import review_rate_competency

    q1, q2, q3 = candidate.interview.questions.all()
    review_rate_competency(
        invitation=candidate,
        question=q1,
        competency=competency(candidate.interview, "Problem solving"),
        score=3,
        share_link=link,
    )
    with pytest.raises(ValidationError, match="still unrated"):
        review_submit(invitation=candidate, recommendation="yes", note="", share_link=link)


def test_expired_or_revoked_link_and_other_organisations_answer_404(
    with_scorecard: Interview,
    candidate: Invitation,
    shared: tuple[ShareLink, str],
    other_org: Organisation,
    make_candidate: Callable[..., Invitation],
) -> None:
    from isolation_objects import make_interview

    link, token = shared
    q1, _q2, _q3 = candidate.interview.questions.all()
    mine = competency(candidate.interview, "Problem solving")
    client = Client()
    # A competency of another organisation's interview: 404, nothing written.
    elsewhere = make_interview(other_org, title="Elsewhere", questions=1)
    foreign = Competency.objects.create(
        scorecard=elsewhere.scorecards.create(organisation=other_org, version=1),
        position=0,
        name="Foreign",
        weight=Decimal(1),
        anchor_1="a",
        anchor_3="b",
        anchor_5="c",
    )
    foreign.questions.set(list(elsewhere.questions.all()))
    data = {"question_id": q1.pk, "competency_id": foreign.pk, "score": 4}
    assert post(client, token, candidate, data) == 404
    # Another organisation's candidate through this link: 404.
    stranger = make_candidate(elsewhere, name="Stranger")
    data = {"question_id": q1.pk, "competency_id": mine.pk, "score": 4}
    assert post(client, token, stranger, data) == 404
    assert not CompetencyRating.objects.exists()
    # Revoked or expired: the link no longer rates.
    link.revoked_at = timezone.now()
    link.save()
    assert post(client, token, candidate, data) == 410
    link.revoked_at = None
    link.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    link.save()
    assert post(client, token, candidate, data) == 410
    assert not CompetencyRating.objects.exists()
    assert post(client, "x" * 43, candidate, data) == 404


def test_interview_without_scorecard_keeps_single_scores(
    candidate: Invitation, shared: tuple[ShareLink, str]
) -> None:
    link, token = shared
    page = Client().get(reverse("dashboard:review_share_candidate", args=[token, candidate.pk]))
    content = page.content.decode()
    assert "Your rating of answer 1" in content and 'name="competency_id"' not in content
    assert 'id="scorecard"' not in content
    q1 = candidate.interview.questions.first()
    assert q1 is not None
    assert post(Client(), token, candidate, {"question_id": q1.pk, "score": 4}) == 302
    assert Rating.objects.get(review__share_link=link).score == 4
