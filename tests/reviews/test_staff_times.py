"""Each staff member reads times in their own zone, and every staff time names its zone."""

import ast
import datetime
import pathlib
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.core.audit_words import ACTION_WORDS, action_words
from oneway.core.models import AuditEntry, Interview, Invitation

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def candidate_page(client: Client, invitation: Invitation) -> str:
    response = client.get(reverse("dashboard:review_candidate", args=[invitation.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_candidate_deadline_in_the_candidates_zone_and_mine_across_a_dst_change(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    reviewer_client: Client,
) -> None:
    # 18 Dec 03:00 UTC is 12:00 in Tokyo (no DST) and 22:00 the day before in New York.
    invitation = make_candidate(
        interview,
        timezone="Asia/Tokyo",
        deadline=datetime.datetime(2026, 12, 18, 3, 0, tzinfo=UTC),
    )
    assigned_reviewer.timezone = "America/New_York"
    assigned_reviewer.save()
    content = candidate_page(reviewer_client, invitation)
    assert "18 Dec 2026, 12:00 (Asia/Tokyo)" in content
    assert "17 Dec 2026, 22:00 (America/New_York)" in content
    assert "03:00 (Asia/Tokyo)" not in content  # the old bug: UTC under the Tokyo name

    # Across the US change back to standard time (1 Nov 2026), the same UTC hour moves.
    invitation.deadline = datetime.datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    invitation.save()
    content = candidate_page(reviewer_client, invitation)
    assert "1 Nov 2026, 01:00 (Asia/Tokyo)" in content
    assert "31 Oct 2026, 12:00 (America/New_York)" in content  # EDT, UTC-4
    invitation.deadline = datetime.datetime(2026, 11, 2, 16, 0, tzinfo=UTC)
    invitation.save()
    content = candidate_page(reviewer_client, invitation)
    assert "3 Nov 2026, 01:00 (Asia/Tokyo)" in content
    assert "2 Nov 2026, 11:00 (America/New_York)" in content  # EST, UTC-5


def test_a_member_without_a_zone_reads_the_organisations(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    reviewer_client: Client,
) -> None:
    assert assigned_reviewer.timezone == ""
    invitation = make_candidate(
        interview,
        timezone="Asia/Tokyo",
        deadline=datetime.datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
    )
    content = candidate_page(reviewer_client, invitation)
    assert "1 Jul 2026, 10:00 (Europe/London)" in content  # the organisation's zone, BST


def test_profile_sets_the_zone_used_on_every_staff_page(
    reviewer: User, reviewer_client: Client
) -> None:
    url = reverse("dashboard:profile")
    page = reviewer_client.get(url).content.decode()
    assert "Times are now shown in Europe/London." in page
    response = reviewer_client.post(url, {"name": "Ada L.", "timezone": "Asia/Tokyo"})
    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert (reviewer.name, reviewer.timezone) == ("Ada L.", "Asia/Tokyo")
    entry = AuditEntry.objects.get(action="account.profile_updated")
    assert entry.data == {"fields": ["name", "timezone"], "timezone": "Asia/Tokyo"}
    assert "Times are now shown in Asia/Tokyo." in reviewer_client.get(url).content.decode()


def test_profile_refuses_an_unknown_zone_and_keeps_the_input(
    reviewer: User, reviewer_client: Client
) -> None:
    response = reviewer_client.post(
        reverse("dashboard:profile"), {"name": "Ada", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Unknown time zone “Mars/Olympus”" in content
    assert 'value="Mars/Olympus"' in content
    reviewer.refresh_from_db()
    assert reviewer.timezone == ""
    assert not AuditEntry.objects.filter(action="account.profile_updated").exists()


def test_audit_table_times_in_my_zone(
    owner: User, owner_client: Client, interview: Interview
) -> None:
    owner.timezone = "Asia/Tokyo"
    owner.save()
    AuditEntry.objects.create(
        organisation=interview.organisation,
        action="live.slots_offered",
        actor_label="x@example.com",
        created_at=datetime.datetime(2026, 3, 1, 0, 30, tzinfo=UTC),
    )
    content = owner_client.get(reverse("dashboard:audit")).content.decode()
    assert "When (Asia/Tokyo)" in content
    assert "2026-03-01 09:30:00" in content
    assert "Offered time slots to choose from" in content


# --- history words -----------------------------------------------------------------------

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "oneway"
ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


def _loggers(trees: list[ast.Module]) -> dict[str, set[int]]:
    """Functions that pass one of their parameters on as an audit action: name -> the
    positions of that parameter (a set: two modules may each have a wrapper of one name)."""
    loggers: dict[str, set[int]] = {"log_action": {0}}
    changed = True
    while changed:
        changed = False
        for tree in trees:
            for fn in ast.walk(tree):
                if not isinstance(fn, ast.FunctionDef) or fn.name == "log_action":
                    continue
                params = [a.arg for a in fn.args.args]
                for call in ast.walk(fn):
                    if not isinstance(call, ast.Call):
                        continue
                    for index in loggers.get(_name(call.func), set()):
                        if len(call.args) <= index:
                            continue
                        arg = call.args[index]
                        if isinstance(arg, ast.Name) and arg.id in params:
                            position = params.index(arg.id)
                            if position not in loggers.setdefault(fn.name, set()):
                                loggers[fn.name].add(position)
                                changed = True
    return loggers


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def logged_actions() -> set[str]:
    trees = [ast.parse(p.read_text()) for p in SRC.rglob("*.py") if "migrations" not in p.parts]
    loggers = _loggers(trees)
    found: set[str] = set()
    for tree in trees:
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            args = [k.value for k in call.keywords if k.arg == "action"]
            for index in loggers.get(_name(call.func), set()):
                if len(call.args) > index:
                    args.append(call.args[index])
            for arg in args:
                for node in ast.walk(arg):
                    text = node.value if isinstance(node, ast.Constant) else None
                    if isinstance(text, str) and ACTION.match(text):
                        found.add(text)
    return found


def test_every_logged_action_has_words() -> None:
    actions = logged_actions()
    # The scan must find the ones passed through wrappers and conditional expressions.
    assert {"live.slots_offered", "live.scheduled", "media.failed", "question.moved"} <= actions
    assert len(actions) > 80
    missing = sorted(actions - set(ACTION_WORDS))
    assert not missing, f"audit actions without words in core/audit_words.py: {missing}"


def test_words_are_sentences_not_codes() -> None:
    for action, words in ACTION_WORDS.items():
        text = str(words)
        assert text[0].isupper() and "." not in text and "_" not in text, action
    assert action_words("live.slots_offered") == "Offered time slots to choose from"
    assert action_words("made.up") == "made.up"


def test_dashboard_rows_name_the_zone(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    reviewer_client: Client,
) -> None:
    assigned_reviewer.timezone = "Asia/Tokyo"
    assigned_reviewer.save()
    make_candidate(interview, deadline=datetime.datetime(2026, 12, 18, 3, 0, tzinfo=UTC))
    url = reverse("dashboard:review_dashboard", args=[interview.pk])
    content = reviewer_client.get(url).content.decode()
    assert "18 Dec 2026, 12:00 (Asia/Tokyo)" in content
