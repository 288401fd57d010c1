import time
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from isolation_objects import make_invitation

from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Interview, Invitation, InvitationImport
from oneway.core.services.invitation_imports import (
    invitation_import_confirm,
    invitation_import_create,
)

GOOD_AND_BAD = (
    "Name,Email,Time zone,Deadline\n"
    "Ada Lovelace,ada@example.com,Europe/London,\n"
    "Grace Hopper,grace@example.com,America/New_York,2099-03-14 17:00\n"
    "No Email,,,\n"
    "Bad Email,not-an-email,,\n"
    "Ada Again,ADA@example.com,,\n"
    "Martian,mars@example.com,Mars/Olympus_Mons,\n"
    "Late,late@example.com,,2001-01-01 10:00\n"
    "Typo,typo@example.com,,next friday\n"
    ",noname@example.com,,\n"
    "Known,known@example.com,,\n"
)


def upload(interview: Interview, owner: User, text: str) -> InvitationImport:
    return invitation_import_create(
        interview=interview, raw=text.encode(), filename="people.csv", actor=owner
    )


def test_preview_lists_each_rows_errors_and_sends_nothing(
    interview: Interview, owner: User
) -> None:
    make_invitation(interview, email="known@example.com")
    result = upload(interview, owner, GOOD_AND_BAD)
    by_line = {row["line"]: row for row in result.rows}
    assert by_line[2]["errors"] == [] and by_line[2]["timezone"] == "Europe/London"
    assert by_line[3]["errors"] == [] and by_line[3]["deadline"].startswith("2099-03-14T21:00")
    assert by_line[4]["errors"] == ["Email is missing."]
    assert by_line[5]["errors"] == ["Not a valid email address."]
    assert by_line[6]["errors"] == ["Duplicate: the same email is on line 2."]
    assert "Unknown time zone Mars/Olympus_Mons" in by_line[7]["errors"][0]
    assert by_line[8]["errors"] == ["Deadline is in the past."]
    assert "Deadline is not a date" in by_line[9]["errors"][0]
    assert by_line[10]["errors"] == ["Name is missing."]
    assert by_line[11]["errors"] == ["Already invited to this interview."]
    assert len(result.valid_rows) == 2
    assert Invitation.objects.count() == 1 and mail.outbox == []


def test_confirm_invites_only_the_good_rows_once(
    interview: Interview, owner: User, django_capture_on_commit_callbacks: Callable
) -> None:
    result = upload(interview, owner, GOOD_AND_BAD)
    with django_capture_on_commit_callbacks(execute=True):
        created = invitation_import_confirm(invitation_import=result, actor=owner)
    expected = ["ada@example.com", "grace@example.com", "known@example.com"]
    assert sorted(i.email for i in created) == expected
    assert sorted(m.to[0] for m in mail.outbox) == expected
    grace = Invitation.objects.get(email="grace@example.com")
    assert grace.timezone == "America/New_York" and grace.source == "csv"
    assert AuditEntry.objects.filter(action="invitation.created").count() == 3
    with pytest.raises(ValidationError, match="already invited"):
        invitation_import_confirm(invitation_import=result, actor=owner)


def test_unreadable_files_are_refused(interview: Interview, owner: User) -> None:
    for text, message in [
        ("", "empty"),
        ("who,what\nx,y\n", "name, email not found"),
        ("name,email\n", "no candidates"),
    ]:
        with pytest.raises(ValidationError, match=message):
            upload(interview, owner, text)
    with pytest.raises(ValidationError, match="not a text"):
        invitation_import_create(
            interview=interview, raw=b"\xff\xfe\x00\x81\x8d", filename="x.csv", actor=owner
        )


def test_semicolons_and_a_bom_are_understood(interview: Interview, owner: User) -> None:
    result = upload(interview, owner, "\ufeffname;email\nAda;ada@example.com\n")
    assert result.rows[0]["email"] == "ada@example.com" and result.rows[0]["errors"] == []


def test_a_thousand_rows_in_one_go(
    interview: Interview, owner: User, django_capture_on_commit_callbacks: Callable
) -> None:
    lines = ["name,email,timezone"] + [
        f"Candidate {n},candidate{n}@example.com,Europe/Berlin" for n in range(1000)
    ]
    started = time.monotonic()
    result = upload(interview, owner, "\n".join(lines))
    assert len(result.valid_rows) == 1000
    with django_capture_on_commit_callbacks() as callbacks:
        created = invitation_import_confirm(invitation_import=result, actor=owner)
    elapsed = time.monotonic() - started
    assert len(created) == 1000 and Invitation.objects.count() == 1000
    # One task carries all the emails (sending is tested above with a small file).
    assert len(callbacks) == 1
    assert elapsed < 10, elapsed
