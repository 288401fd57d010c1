import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from isolation_objects import make_interview, make_invitation

from oneway.accounts.models import User
from oneway.core.models import Answer, AuditEntry, Interview, LibraryQuestion, Organisation
from oneway.core.services.interviews import (
    interview_apply_link_reset,
    interview_archive,
    interview_create,
    interview_duplicate,
    interview_restore,
    interview_update,
    library_question_add,
    library_question_create,
    library_question_delete,
    library_question_save,
    library_question_update,
    question_create,
    question_delete,
    question_move,
    question_update,
    questions_reorder,
)
from oneway.core.services.invitations import interview_invite_problems


def prompts(interview: Interview) -> list[str]:
    return [q.prompt for q in interview.questions.order_by("position")]


def test_create_with_defaults_and_audit(org: Organisation, owner: User) -> None:
    interview = interview_create(
        organisation=org,
        fields={"title": "Backend developer", "contact_email": "jobs@acme.test"},
        actor=owner,
    )
    assert interview.deadline_mode == "relative"
    assert interview.deadline_days == 5 and interview.deadline_time == datetime.time(17, 0)
    assert interview.reminder_hours == [48, 24]
    assert interview.apply_link_enabled is False
    entry = AuditEntry.objects.get(action="interview.created")
    assert entry.actor == owner and entry.interview_id == interview.pk


def test_create_validates_every_field(org: Organisation, owner: User) -> None:
    with pytest.raises(ValidationError) as exc:
        interview_create(
            organisation=org,
            fields={
                "title": "",
                "contact_email": "nope",
                "deadline_mode": "fixed",
                "deadline_timezone": "Nowhere/Town",
                "default_thinking_seconds": 301,
                "default_answer_seconds": 5,
                "default_retakes": 6,
                "reminder_hours": [0],
            },
            actor=owner,
        )
    assert set(exc.value.error_dict) >= {
        "title",
        "contact_email",
        "deadline_at",
        "deadline_timezone",
        "default_thinking_seconds",
        "default_answer_seconds",
        "default_retakes",
        "reminder_hours",
    }
    assert not Interview.objects.exists()


def test_update_records_what_changed(interview: Interview, owner: User) -> None:
    interview_update(
        interview=interview, fields={"title": "New title", "deadline_days": 7}, actor=owner
    )
    entry = AuditEntry.objects.get(action="interview.updated")
    assert entry.data["changed"] == ["deadline_days", "title"]
    interview_update(interview=interview, fields={"title": "New title"}, actor=owner)
    assert AuditEntry.objects.filter(action="interview.updated").count() == 1


def test_turning_on_the_apply_link_creates_a_token(interview: Interview, owner: User) -> None:
    interview_update(interview=interview, fields={"apply_link_enabled": True}, actor=owner)
    token = interview.apply_token
    assert len(token) >= 22
    interview_apply_link_reset(interview=interview, actor=owner)
    assert interview.apply_token != token


def test_duplicate_copies_settings_and_questions_not_candidates(
    interview: Interview, owner: User
) -> None:
    make_invitation(interview)
    interview_update(
        interview=interview, fields={"apply_link_enabled": True, "grace_minutes": 30}, actor=owner
    )
    copy = interview_duplicate(interview=interview, actor=owner)
    assert copy.pk != interview.pk and copy.title == f"Copy of {interview.title}"
    assert prompts(copy) == prompts(interview)
    assert copy.grace_minutes == 30 and copy.apply_link_enabled is False
    assert not copy.invitations.exists()
    assert AuditEntry.objects.get(action="interview.duplicated").data == {
        "from_interview": interview.pk
    }


def test_archive_stops_invitations_and_restore_allows_them(
    interview: Interview, owner: User
) -> None:
    interview_archive(interview=interview, actor=owner)
    assert interview.is_archived
    assert "archived" in interview_invite_problems(interview)[0]
    interview_restore(interview=interview, actor=owner)
    assert not interview.is_archived and interview_invite_problems(interview) == []


def test_questions_take_interview_defaults_and_validate_limits(
    org: Organisation, owner: User
) -> None:
    interview = make_interview(
        org, questions=0, default_thinking_seconds=45, default_answer_seconds=90, default_retakes=2
    )
    question = question_create(interview=interview, fields={"prompt": "Why?"}, actor=owner)
    assert (question.thinking_seconds, question.max_answer_seconds, question.retakes) == (45, 90, 2)
    with pytest.raises(ValidationError) as exc:
        question_create(
            interview=interview,
            fields={
                "prompt": "",
                "answer_type": "hologram",
                "thinking_seconds": 301,
                "max_answer_seconds": 601,
                "retakes": 6,
                "max_characters": 10,
            },
            actor=owner,
        )
    assert set(exc.value.error_dict) == {
        "prompt",
        "answer_type",
        "thinking_seconds",
        "max_answer_seconds",
        "retakes",
        "max_characters",
    }


def test_reorder_move_and_delete_keep_positions_tidy(interview: Interview, owner: User) -> None:
    third = question_create(interview=interview, fields={"prompt": "Third"}, actor=owner)
    first, second = list(interview.questions.order_by("position"))[:2]
    question_move(question=third, offset=-1, actor=owner)
    assert prompts(interview) == [first.prompt, "Third", second.prompt]
    question_move(question=first, offset=-1, actor=owner)  # already first: no change
    assert prompts(interview)[0] == first.prompt
    questions_reorder(
        interview=interview, question_ids=[second.pk, first.pk, third.pk], actor=owner
    )
    assert prompts(interview) == [second.prompt, first.prompt, "Third"]
    with pytest.raises(ValidationError):
        questions_reorder(interview=interview, question_ids=[second.pk], actor=owner)
    question_delete(question=first, actor=owner)
    assert list(interview.questions.values_list("position", flat=True)) == [0, 1]
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert {"question.created", "question.moved", "question.reordered", "question.deleted"} <= set(
        actions
    )


def test_answered_question_cannot_be_deleted_or_change_type(
    interview: Interview, owner: User
) -> None:
    question = interview.questions.first()
    assert question is not None
    Answer.objects.create(invitation=make_invitation(interview), question=question)
    with pytest.raises(ValidationError):
        question_delete(question=question, actor=owner)
    with pytest.raises(ValidationError):
        question_update(question=question, fields={"answer_type": "text"}, actor=owner)
    question_update(question=question, fields={"rubric": "Look for structure."}, actor=owner)


def test_library_round_trip(interview: Interview, owner: User, org: Organisation) -> None:
    question = interview.questions.first()
    assert question is not None
    saved = library_question_save(question=question, actor=owner)
    assert saved.prompt == question.prompt and saved.organisation == org
    with pytest.raises(ValidationError):
        library_question_save(question=question, actor=owner)
    other = make_interview(org, questions=0, title="Other")
    added = library_question_add(library_question=saved, interview=other, actor=owner)
    assert added.prompt == question.prompt and added.position == 0
    item = library_question_create(
        organisation=org, fields={"prompt": "Describe a failure.", "retakes": 0}, actor=owner
    )
    library_question_update(library_question=item, fields={"retakes": 2}, actor=owner)
    library_question_delete(library_question=item, actor=owner)
    assert list(LibraryQuestion.objects.values_list("pk", flat=True)) == [saved.pk]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "library.question_saved",
        "library.question_created",
        "library.question_updated",
        "library.question_deleted",
    } <= actions


def test_library_question_cannot_cross_organisations(
    interview: Interview, owner: User, other_org: Organisation
) -> None:
    foreign = LibraryQuestion.objects.create(organisation=other_org, prompt="Foreign")
    with pytest.raises(ValidationError):
        library_question_add(library_question=foreign, interview=interview, actor=owner)


def test_fixed_deadline_in_the_past_blocks_new_invitations(org: Organisation, owner: User) -> None:
    from oneway.core.services.invitations import invitation_create

    interview = make_interview(
        org, deadline_mode="fixed", deadline_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with pytest.raises(ValidationError, match="fixed deadline has passed"):
        invitation_create(interview=interview, name="A", email="a@x.test", actor=owner)
