"""Comments at a time code, threaded replies, @mentions that email."""

from collections.abc import Callable

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import Invitation, Organisation
from oneway.reviews.models import Comment, CommentMention
from oneway.reviews.services import comment_add, comment_delete, review_rate, review_submit
from oneway.reviews.services.comments import mentionable_members, parse_time_code

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "ms"),
    [("1:23", 83_000), ("83", 83_000), ("0:05.5", 5_500), ("1:02:03", 3_723_000), ("", None)],
)
def test_time_codes_parse(text: str, ms: int | None) -> None:
    assert parse_time_code(text) == ms


@pytest.mark.parametrize("text", ["1:2:3:4", "abc", "-1", "1:"])
def test_bad_time_codes_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_time_code(text)


def test_comment_at_a_time_code_shows_as_a_seek_link(
    candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    answer = candidate.answers.exclude(submitted_take=None).first()
    response = reviewer_client.post(
        reverse("dashboard:review_comment_add", args=[candidate.pk]),
        {"body": "Strong example here", "answer_id": answer.pk, "time_code": "0:03"},
    )
    comment = Comment.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{comment.pk}")
    assert comment.time_ms == 3000 and comment.answer == answer
    page = reviewer_client.get(reverse("dashboard:review_candidate", args=[candidate.pk]))
    content = page.content.decode()
    assert f'data-seek="3.000" data-answer="{answer.pk}"' in content
    assert "at 0:03" in content and "Strong example here" in content


def test_bad_comment_re_renders_with_the_error(
    candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    answer = candidate.answers.exclude(submitted_take=None).first()
    response = reviewer_client.post(
        reverse("dashboard:review_comment_add", args=[candidate.pk]),
        {"body": "x", "answer_id": answer.pk, "time_code": "soon"},
    )
    assert response.status_code == 400
    assert b"minutes:seconds" in response.content
    assert not Comment.objects.exists()


def test_replies_thread_under_the_first_comment(
    candidate: Invitation, assigned_reviewer: User, second_reviewer: User
) -> None:
    answer = candidate.answers.first()
    root = comment_add(
        invitation=candidate, author=assigned_reviewer, body="Root", answer=answer, time_ms=1000
    )
    reply = comment_add(invitation=candidate, author=second_reviewer, body="Reply", parent=root)
    nested = comment_add(invitation=candidate, author=assigned_reviewer, body="Again", parent=reply)
    assert reply.parent == root and nested.parent == root
    assert reply.answer == answer and reply.time_ms is None


def test_mentions_email_the_mentioned_member_once(
    candidate: Invitation,
    assigned_reviewer: User,
    second_reviewer: User,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        comment = comment_add(
            invitation=candidate,
            author=assigned_reviewer,
            body="@sam.lee what do you think of 0:03?",
            answer=candidate.answers.first(),
            time_ms=3000,
        )
    assert list(comment.mentions.all()) == [second_reviewer]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [second_reviewer.email]
    assert "mentioned you on Grace Hopper" in message.subject
    # Sam has not submitted a review of Grace yet: the comment waits on the page.
    assert "what do you think" not in message.body and "at 0:03" in message.body
    assert "once you have submitted your own review" in message.body
    assert CommentMention.objects.get().emailed_at is not None
    from oneway.reviews.tasks import send_mention_emails

    send_mention_emails.call_local(comment.pk)
    assert len(mail.outbox) == 1


def test_mention_email_quotes_the_comment_once_the_member_reviewed(
    candidate: Invitation,
    assigned_reviewer: User,
    second_reviewer: User,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    for answer in candidate.answers.all():
        review_rate(
            invitation=candidate, question=answer.question, score=3, reviewer=second_reviewer
        )
    review_submit(invitation=candidate, recommendation="yes", note="", reviewer=second_reviewer)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        comment_add(invitation=candidate, author=assigned_reviewer, body="@sam.lee agree?")
    assert "agree?" in mail.outbox[-1].body


def test_only_people_who_may_see_the_interview_can_be_mentioned(
    candidate: Invitation,
    assigned_reviewer: User,
    org: Organisation,
    make_member: Callable[..., User],
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    make_member(org, Role.REVIEWER, email="outsider@example.com")
    admin = make_member(org, Role.ADMIN, email="boss@example.com")
    handles = mentionable_members(candidate.interview)
    assert "outsider" not in handles and "boss" in handles
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        comment = comment_add(
            invitation=candidate, author=assigned_reviewer, body="@outsider @boss look"
        )
    assert list(comment.mentions.all()) == [admin]
    assert [m.to for m in mail.outbox] == [["boss@example.com"]]


def test_author_or_admin_deletes_a_comment(
    candidate: Invitation,
    assigned_reviewer: User,
    second_reviewer: User,
    client_for: Callable[[User], Client],
    admin_client: Client,
) -> None:
    comment = comment_add(invitation=candidate, author=assigned_reviewer, body="Oops")
    url = reverse("dashboard:review_comment_delete", args=[comment.pk])
    assert client_for(second_reviewer).post(url).status_code == 403
    assert admin_client.post(url).status_code == 302
    comment.refresh_from_db()
    assert comment.deleted_at is not None and comment.body == ""
    comment_delete(comment=comment, actor=assigned_reviewer)  # a second time is a no-op
