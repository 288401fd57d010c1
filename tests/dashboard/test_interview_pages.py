import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from isolation_objects import make_interview

from oneway.accounts.models import User
from oneway.core.models import Interview, LibraryQuestion, Organisation


@pytest.fixture
def interview(org: Organisation, owner: User) -> Interview:
    return make_interview(org, created_by=owner)


def interview_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Data analyst",
        "intro_text": "Welcome.",
        "thank_you_text": "Thanks!",
        "contact_email": "jobs@acme.test",
        "deadline_mode": "relative",
        "deadline_days": "5",
        "deadline_time": "17:00",
        "deadline_at": "",
        "deadline_timezone": "Europe/London",
        "default_thinking_seconds": "30",
        "default_answer_seconds": "120",
        "default_retakes": "1",
        "practice_enabled": "on",
        "accommodations_enabled": "on",
        "reminder_hours": "48, 24",
        "grace_minutes": "15",
    }
    data.update(overrides)
    return data


def test_create_interview_then_add_questions(admin_client: Client, org: Organisation) -> None:
    response = admin_client.post(reverse("dashboard:interview_create"), interview_form())
    assert response.status_code == 302
    interview = Interview.objects.get(title="Data analyst")
    assert interview.organisation == org and interview.reminder_hours == [48, 24]
    assert response["Location"] == reverse("dashboard:interview_detail", args=[interview.pk])
    page = admin_client.get(response["Location"])
    assert b"Add at least one question before inviting anyone." in page.content
    assert b"Invite a candidate" not in page.content
    response = admin_client.post(
        reverse("dashboard:question_create", args=[interview.pk]),
        {
            "prompt": "Why data?",
            "answer_type": "video",
            "thinking_seconds": "20",
            "max_answer_seconds": "90",
            "max_characters": "2000",
            "retakes": "2",
            "rubric": "",
        },
    )
    assert response.status_code == 302
    page = admin_client.get(reverse("dashboard:interview_detail", args=[interview.pk]))
    assert b"Why data?" in page.content and b"Invite a candidate" in page.content


def test_interview_form_re_renders_with_field_errors(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("dashboard:interview_create"),
        interview_form(
            title="",
            contact_email="nope",
            deadline_mode="fixed",
            default_thinking_seconds="999",
            default_answer_seconds="5",
            reminder_hours="48, soon",
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {
        "title",
        "contact_email",
        "deadline_at",
        "default_thinking_seconds",
        "default_answer_seconds",
        "reminder_hours",
    }
    assert b'aria-invalid="true"' in response.content
    assert b"error-summary" in response.content
    assert not Interview.objects.exists()


def test_fixed_deadline_is_entered_in_its_time_zone(
    admin_client: Client, interview: Interview
) -> None:
    response = admin_client.post(
        reverse("dashboard:interview_edit", args=[interview.pk]),
        interview_form(
            deadline_mode="fixed",
            deadline_at="2099-07-01T17:00",
            deadline_timezone="America/New_York",
        ),
    )
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.deadline_at == datetime.datetime(2099, 7, 1, 21, 0, tzinfo=datetime.UTC)
    page = admin_client.get(reverse("dashboard:interview_edit", args=[interview.pk]))
    assert b'value="2099-07-01T17:00"' in page.content


def test_question_limits_are_field_errors(admin_client: Client, interview: Interview) -> None:
    response = admin_client.post(
        reverse("dashboard:question_create", args=[interview.pk]),
        {
            "prompt": "",
            "answer_type": "video",
            "thinking_seconds": "301",
            "max_answer_seconds": "601",
            "max_characters": "10",
            "retakes": "6",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {
        "prompt",
        "thinking_seconds",
        "max_answer_seconds",
        "max_characters",
        "retakes",
    }
    assert interview.questions.count() == 2


def test_up_and_down_buttons_reorder(admin_client: Client, interview: Interview) -> None:
    first, second = interview.questions.order_by("position")
    page = admin_client.get(reverse("dashboard:interview_detail", args=[interview.pk]))
    assert b'aria-label="Move question 2 up"' in page.content
    url = reverse("dashboard:question_move", args=[interview.pk, second.pk])
    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url, {"direction": "up"})
    assert response.status_code == 302 and response["Location"].endswith(f"#question-{second.pk}")
    assert list(interview.questions.order_by("position")) == [second, first]


def test_delete_question_asks_first(admin_client: Client, interview: Interview) -> None:
    question = interview.questions.first()
    assert question is not None
    url = reverse("dashboard:question_delete", args=[interview.pk, question.pk])
    assert b"Delete this question?" in admin_client.get(url).content
    assert admin_client.post(url).status_code == 302
    assert interview.questions.count() == 1


def test_library_save_and_add(
    admin_client: Client, interview: Interview, org: Organisation
) -> None:
    question = interview.questions.first()
    assert question is not None
    admin_client.post(
        reverse("dashboard:question_save_to_library", args=[interview.pk, question.pk])
    )
    item = LibraryQuestion.objects.get(organisation=org)
    other = make_interview(org, questions=0, title="Other")
    page = admin_client.get(reverse("dashboard:question_from_library", args=[other.pk]))
    assert question.prompt.encode() in page.content
    response = admin_client.post(
        reverse("dashboard:question_from_library", args=[other.pk]), {"library_question": [item.pk]}
    )
    assert response.status_code == 302
    assert [q.prompt for q in other.questions.all()] == [question.prompt]


def test_duplicate_and_archive(admin_client: Client, interview: Interview) -> None:
    response = admin_client.post(reverse("dashboard:interview_duplicate", args=[interview.pk]))
    copy = Interview.objects.exclude(pk=interview.pk).get()
    assert response["Location"] == reverse("dashboard:interview_edit", args=[copy.pk])
    admin_client.post(reverse("dashboard:interview_archive", args=[interview.pk]))
    listing = admin_client.get(reverse("dashboard:interview_list"))
    assert interview.title.encode() in listing.content  # the copy has it in its title
    assert f'href="{reverse("dashboard:interview_detail", args=[interview.pk])}"'.encode() not in (
        listing.content
    )
    archived = admin_client.get(reverse("dashboard:interview_list") + "?archived=1")
    assert f'href="{reverse("dashboard:interview_detail", args=[interview.pk])}"'.encode() in (
        archived.content
    )


def test_interview_list_query_count_is_flat(
    admin_client: Client, org: Organisation, django_assert_max_num_queries: Any
) -> None:
    for n in range(15):
        make_interview(org, title=f"Interview {n}")
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("dashboard:interview_list"))
    assert response.status_code == 200


def test_audit_pages_show_entries(admin_client: Client, interview: Interview) -> None:
    admin_client.post(reverse("dashboard:interview_archive", args=[interview.pk]))
    for url in (
        reverse("dashboard:audit"),
        reverse("dashboard:interview_audit", args=[interview.pk]),
    ):
        page = admin_client.get(url)
        assert b"interview.archived" in page.content
    page = admin_client.get(reverse("dashboard:audit") + "?action=member.")
    assert b"interview.archived" not in page.content


def test_interview_page_query_count_does_not_grow_with_candidates(
    admin_client: Client, interview: Interview, django_assert_max_num_queries: Any
) -> None:
    from isolation_objects import make_invitation

    url = reverse("dashboard:interview_detail", args=[interview.pk])
    for _ in range(3):
        make_invitation(interview)
    with django_assert_max_num_queries(20) as few:
        admin_client.get(url)
    for _ in range(40):
        make_invitation(interview)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(url)
    assert response.status_code == 200 and response.context["page"].paginator.count == 43


def test_audit_page_query_count_is_flat(
    admin_client: Client, interview: Interview, admin_user: User, django_assert_max_num_queries: Any
) -> None:
    from oneway.core.services.interviews import interview_update

    for n in range(30):
        interview_update(interview=interview, fields={"title": f"T{n}"}, actor=admin_user)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("dashboard:audit"))
    assert response.status_code == 200
