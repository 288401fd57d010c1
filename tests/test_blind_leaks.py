"""Blind review leaks nothing, and the gate holds, on every staff URL and in every email.

Two organisations are seeded through services, each with a blind interview whose
candidates carry marker names, emails and accommodation notes (``Zyxq ...``). Then every
staff URL of the resolver (found as ``tests/test_isolation.py`` finds them; an unknown URL
keyword fails the test) is walked as

- an unassigned reviewer: the interview's objects answer 404 (403 for a role limit);
- the assigned reviewer, before submitting a review: no marker anywhere (body, headers,
  CSV, ICS, JSON);
- an admin and an interviewer of the live interview, who have not revealed anyone: the same;
- the assigned reviewer after submitting their review of one candidate: that candidate's
  identity may show, the other candidates' markers never;
- the share-link holder: no marker on any share page or media.

Every email the flow sends is rendered into the outbox; team emails carry no marker. Every
email template must be classified below, so a new email fails the test until it is
covered. List pages keep the same number of queries whatever the number of candidates.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from isolation_objects import (
    make_api_key,
    make_interview,
    make_webhook_message,
    org_webhook_endpoint,
)
from test_isolation import STAFF_URLS, StaffURL

import oneway
from oneway.access import Viewer
from oneway.accounts.models import User
from oneway.accounts.roles import Role, role_has
from oneway.core import emails as core_emails
from oneway.core.models import (
    Answer,
    Interview,
    Invitation,
    InvitationImport,
    InvitationStatus,
    LibraryQuestion,
    Membership,
    Organisation,
    Take,
)
from oneway.core.models.erasure import ErasureReason
from oneway.core.services.data_requests import data_request_open
from oneway.core.services.erasure import candidate_erase, send_erasure_emails
from oneway.core.services.invitations import (
    invitation_completion_emails_send,
    invitation_create,
)
from oneway.core.services.members import member_invite_create
from oneway.live.models import LiveInterview
from oneway.live.services import live_interview_schedule, slot_offer_create
from oneway.media.models import MediaItem
from oneway.reviews.models import Comment, ShareLink
from oneway.reviews.services import (
    comment_add,
    decision_change,
    review_rate,
    review_submit,
    reviewer_assign,
    share_link_create,
)
from oneway.reviews.tasks import send_digest

pytestmark = pytest.mark.django_db

ALPHA = {"name": "Zyxq Alpha-17", "email": "zyxq.alpha17@example.com", "note": "Zyxq alpha note"}
BRAVO = {"name": "Zyxq Bravo-42", "email": "zyxq.bravo42@example.com", "note": "Zyxq bravo note"}
# A candidate who withdraws (deletes their data): the team is told, by alias only.
DELTA = {"name": "Zyxq Delta-55", "email": "zyxq.delta55@example.com", "note": "Zyxq d note"}
FOREIGN = {"name": "Zyxq Charlie-88", "email": "zyxq.charlie88@example.com", "note": "Zyxq c note"}

# Every email template, by who reads it. Team emails must never carry a marker in blind
# mode; candidate emails go to the candidate, whose own name they may carry.
TEAM_EMAILS = {
    "team_completed",
    "team_withdrawn",
    "live_interviewer",
    "review_digest",
    "review_mention",
}
CANDIDATE_EMAILS = {
    "invitation",
    "reminder",
    "receipt",
    "live_candidate",
    "review_decision",
    "data_export_ready",
    "erasure_receipt",
}
NOT_ABOUT_CANDIDATES = {"member_invite", "webhook_disabled"}

# URL keywords that name an object of the blind interview (404 for an unassigned reviewer).
INTERVIEW_OBJECTS = {
    "interview_id",
    "invitation_id",
    "answer_id",
    "comment_id",
    "share_link_id",
    "media_item_id",
    "question_id",
    "invitation_import_id",
}


def markers(*people: dict[str, str]) -> list[str]:
    return [value.lower() for person in people for value in person.values()]


def leaks(response: Any, words: list[str]) -> list[str]:
    """The markers found in a response's body or headers (lowercase)."""
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    text = body.decode("utf-8", "replace").lower()
    text += "\n".join(f"{k}: {v}" for k, v in response.headers.items()).lower()
    return [word for word in words if word in text]


@dataclass
class Seed:
    org: Organisation
    owner: User
    admin: User
    assigned: User
    unassigned: User
    interviewer: User
    interview: Interview
    alpha: Invitation
    bravo: Invitation
    share_token: str
    live: LiveInterview
    kwargs: dict[str, int] = field(default_factory=dict)
    sent: list[tuple[str, list[str]]] = field(default_factory=list)


def _member(org: Organisation, role: str, email: str, name: str) -> User:
    user = User.objects.create_user(email, "pw-1234567890", name=name)
    Membership.objects.create(organisation=org, user=user, role=role)
    return user


def _answer(invitation: Invitation, question: Any) -> Answer:
    now = timezone.now()
    answer = Answer.objects.create(
        invitation=invitation,
        question=question,
        revealed_at=now - datetime.timedelta(minutes=3),
        submitted_at=now - datetime.timedelta(minutes=1),
    )
    item = MediaItem.objects.create(
        organisation=invitation.organisation,
        original_name=f"originals/{answer.pk}.webm",
        rendition_name=f"renditions/{answer.pk}.mp4",
        poster_name=f"posters/{answer.pk}.jpg",
        thumbnail_name=f"thumbnails/{answer.pk}.jpg",  # lists would show it, but for blind mode
        state="ready",
        duration_ms=3000,
        transcript_state="ready",
        transcript_text="I led the migration",
        transcript_words=[{"w": "migration", "start": 0.1, "end": 0.5}],
    )
    answer.submitted_take = Take.objects.create(answer=answer, number=1, media=item)
    answer.save(update_fields=["submitted_take"])
    return answer


def _candidate(interview: Interview, person: dict[str, str], actor: User) -> Invitation:
    invitation, _token = invitation_create(
        interview=interview, name=person["name"], email=person["email"], actor=actor
    )
    for question in interview.questions.all():
        _answer(invitation, question)
    Invitation.objects.filter(pk=invitation.pk).update(
        status=InvitationStatus.COMPLETED,
        completed_at=timezone.now(),
        accommodation_note=person["note"],
        accommodation_requested_at=timezone.now(),
        accommodation_text_alternative=True,
    )
    invitation_completion_emails_send(invitation_id=invitation.pk)
    invitation.refresh_from_db()
    return invitation


def _blind_interview(org: Organisation, owner: User) -> Interview:
    interview = make_interview(org, title="Blind backend role", questions=2)
    interview.blind_mode = True
    interview.created_by = owner
    interview.save()
    return interview


def seed(django_capture_on_commit_callbacks: Any) -> Seed:
    org = Organisation.objects.create(name="Acme", slug="acme-leaks", timezone="UTC")
    other = Organisation.objects.create(name="Globex", slug="globex-leaks", timezone="UTC")
    owner = _member(org, Role.OWNER, "owner@acme.test", "Olive Owner")
    admin = _member(org, Role.ADMIN, "admin@acme.test", "Adam Admin")
    assigned = _member(org, Role.REVIEWER, "rita@acme.test", "Rita Reviewer")
    unassigned = _member(org, Role.REVIEWER, "uma@acme.test", "Uma Unassigned")
    interviewer = _member(org, Role.REVIEWER, "ivy@acme.test", "Ivy Interviewer")
    foreign_owner = _member(other, Role.OWNER, "owner@globex.test", "Gus Globex")
    with django_capture_on_commit_callbacks(execute=True):
        interview = _blind_interview(org, owner)
        reviewer_assign(interview=interview, user=assigned, actor=owner)
        alpha = _candidate(interview, ALPHA, owner)
        bravo = _candidate(interview, BRAVO, owner)
        _candidate(_blind_interview(other, foreign_owner), FOREIGN, foreign_owner)
        question = interview.questions.first()
        assert question is not None
        answer = alpha.answers.get(question=question)
        comment = comment_add(
            invitation=alpha, author=admin, body="Good structure, @rita have a look", answer=answer
        )
        comment_add(invitation=bravo, author=admin, body="Solid, @rita please rate")
        decision_change(
            invitation=alpha,
            status="shortlisted",
            reason="Clear thinking",
            notify_candidate=True,
            actor=admin,
        )
        link, token = share_link_create(
            interview=interview,
            invitations=[alpha, bravo],
            label="Hiring manager",
            actor=owner,
            allow_rating=True,
        )
        starts = (timezone.now() + datetime.timedelta(days=2)).replace(microsecond=0)
        live = live_interview_schedule(
            organisation=org,
            actor=owner,
            title=f"Panel with {ALPHA['name']}",
            interviewers=[interviewer],
            meeting_url="https://meet.jit.si/acme-panel",
            candidate_name=ALPHA["name"],
            candidate_email=ALPHA["email"],
            candidate_timezone="UTC",
            starts_at=starts,
            interview=interview,
            invitation=alpha,
        )
        offer = slot_offer_create(
            organisation=org,
            actor=owner,
            name="Week slots",
            timezone_name="UTC",
            slot_minutes=30,
            buffer_minutes=0,
            minimum_notice_hours=1,
            ranges=[
                (starts + datetime.timedelta(days=1), starts + datetime.timedelta(days=1, hours=2))
            ],
        )
        invite = member_invite_create(
            organisation=org, email="newbie@acme.test", role=Role.REVIEWER, actor=owner
        )
        send_digest(assigned.pk)
        candidate_erase(
            invitation=_candidate(interview, DELTA, owner),
            reason=ErasureReason.CANDIDATE,
            notify=send_erasure_emails,
        )
    library = LibraryQuestion.objects.create(organisation=org, prompt="Tell us about a bug.")
    imported = InvitationImport.objects.create(
        organisation=org,
        interview=interview,
        filename="people.csv",
        rows=[
            {
                "line": 2,
                "name": "Pat Row",
                "email": "pat@example.com",
                "timezone": "UTC",
                "deadline": None,
                "deadline_text": "",
                "errors": [],
            }
        ],
    )
    # A data request names the person who made it (an owner or admin typed their email):
    # it is about someone's rights, not a review, so blind mode does not apply to it. The
    # seed's request is for someone who is not one of the blind interview's candidates.
    data_request = data_request_open(
        viewer=Viewer(org=org, user=owner, role=Role.OWNER), email="someone@elsewhere.test"
    )
    media = answer.submitted_take.media  # type: ignore[union-attr]
    assert media is not None
    kwargs = {
        "interview_id": interview.pk,
        "invitation_id": alpha.pk,
        "question_id": question.pk,
        "answer_id": answer.pk,
        "comment_id": comment.pk,
        "share_link_id": link.pk,
        "live_interview_id": live.pk,
        "slot_offer_id": offer.pk,
        "media_item_id": media.pk,
        "member_id": Membership.objects.get(user=assigned).pk,
        "member_invite_id": invite.pk,
        "library_question_id": library.pk,
        "invitation_import_id": imported.pk,
        "data_request_id": data_request.pk,
        "api_key_id": make_api_key(org),
        "webhook_endpoint_id": org_webhook_endpoint(org).pk,
        "webhook_message_id": make_webhook_message(org),
    }
    assert Comment.objects.count() == 2 and ShareLink.objects.count() == 1
    return Seed(
        org=org,
        owner=owner,
        admin=admin,
        assigned=assigned,
        unassigned=unassigned,
        interviewer=interviewer,
        interview=interview,
        alpha=alpha,
        bravo=bravo,
        share_token=token,
        live=live,
        kwargs=kwargs,
    )


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str]]]:
    """(template, recipients) of every email built while the test runs."""
    sent: list[tuple[str, list[str]]] = []
    build = core_emails.build_templated_email

    def spy(template: str, **kwargs: Any) -> Any:
        sent.append((template, list(kwargs.get("to") or [])))
        return build(template, **kwargs)

    monkeypatch.setattr(core_emails, "build_templated_email", spy)
    return sent


@pytest.fixture
def world(
    recorded: list[tuple[str, list[str]]], django_capture_on_commit_callbacks: Any
) -> Iterator[Seed]:
    previous = HUEY.immediate
    HUEY.immediate = True
    try:
        result = seed(django_capture_on_commit_callbacks)
        result.sent = recorded
        yield result
    finally:
        HUEY.immediate = previous


def client(user: User) -> Client:
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def url_of(url: StaffURL, world: Seed) -> str:
    unknown = [name for name in url.kwargs if name not in world.kwargs]
    assert not unknown, f"{url.name}: add {unknown} to the leak test's seed (kwargs)"
    return reverse(url.name, kwargs={name: world.kwargs[name] for name in url.kwargs})


def walk(user: User, world: Seed, words: list[str]) -> dict[str, int]:
    """GET every staff URL as ``user``; fail on any marker. Returns the statuses."""
    c = client(user)
    statuses = {}
    for url in STAFF_URLS:
        path = url_of(url, world)
        response = c.get(path)
        assert response.status_code < 500, (url.name, user.email, response.status_code)
        found = leaks(response, words)
        assert not found, f"{url.name} shows {found} to {user.email}"
        statuses[url.name] = response.status_code
    return statuses


def test_every_email_template_is_classified() -> None:
    templates = {
        path.name.removesuffix("_subject.txt")
        for path in Path(oneway.__file__).parent.glob("*/templates/emails/*_subject.txt")
    }
    known = TEAM_EMAILS | CANDIDATE_EMAILS | NOT_ABOUT_CANDIDATES
    assert templates - known == set(), "classify the new email in tests/test_blind_leaks.py"
    assert known - templates == set()


def test_team_emails_carry_no_marker_in_blind_mode(world: Seed) -> None:
    sent_templates = {template for template, _to in world.sent}
    assert sent_templates >= TEAM_EMAILS, TEAM_EMAILS - sent_templates
    candidate_addresses = {ALPHA["email"], BRAVO["email"], DELTA["email"], FOREIGN["email"]}
    team_messages = [m for m in mail.outbox if not set(m.to) & candidate_addresses]
    assert len(team_messages) >= len(TEAM_EMAILS)
    words = markers(ALPHA, BRAVO, DELTA, FOREIGN)
    for message in team_messages:
        parts = [message.subject, message.body, str(message.message())]
        parts += [str(content) for content, _type in getattr(message, "alternatives", [])]
        parts += [str(attachment) for attachment in message.attachments]
        text = "\n".join(parts).lower()
        found = [word for word in words if word in text]
        assert not found, f"email {message.subject!r} to {message.to} carries {found}"
    for template, to in world.sent:
        if template in TEAM_EMAILS:
            assert not set(to) & candidate_addresses, (template, to)


def test_unassigned_reviewer_gets_404_for_the_interviews_objects(world: Seed) -> None:
    statuses = walk(world.unassigned, world, markers(ALPHA, BRAVO, FOREIGN))
    for url in STAFF_URLS:
        if not set(url.kwargs) & (INTERVIEW_OBJECTS | {"live_interview_id"}):
            continue
        expected = 404 if role_has(Role.REVIEWER, url.permission) else 403
        assert statuses[url.name] in (expected, 405), (url.name, statuses[url.name])
        if statuses[url.name] == 405:  # POST-only: the gate answers the POST
            response = client(world.unassigned).post(url_of(url, world))
            assert response.status_code == expected, (url.name, response.status_code)


def test_assigned_reviewer_admin_and_interviewer_see_no_identity_before_reviewing(
    world: Seed,
) -> None:
    # A face identifies: no page may link a hidden candidate's thumbnail either.
    words = [*markers(ALPHA, BRAVO, FOREIGN), "/thumbnail?t="]
    walk(world.assigned, world, words)
    walk(world.admin, world, words)
    walk(world.owner, world, words)
    statuses = walk(world.interviewer, world, words)
    # The interviewer named on the live interview sees it (as the alias), nothing else.
    assert statuses["live:detail"] == 200
    assert statuses["dashboard:interview_detail"] == 404


def test_after_submitting_a_reviewer_sees_only_that_candidates_identity(world: Seed) -> None:
    for answer in world.alpha.answers.all():
        assert answer.question is not None
        review_rate(
            invitation=world.alpha, question=answer.question, score=4, reviewer=world.assigned
        )
    review_submit(invitation=world.alpha, recommendation="yes", note="", reviewer=world.assigned)
    walk(world.assigned, world, markers(BRAVO, FOREIGN))
    page = client(world.assigned).get(reverse("dashboard:review_candidate", args=[world.alpha.pk]))
    assert ALPHA["name"].encode() in page.content


def test_share_link_holder_sees_no_identity(world: Seed) -> None:
    c = Client()
    words = markers(ALPHA, BRAVO, FOREIGN)
    pages = [reverse("dashboard:review_share", args=[world.share_token])]
    for invitation in (world.alpha, world.bravo):
        pages.append(
            reverse("dashboard:review_share_candidate", args=[world.share_token, invitation.pk])
        )
        for answer in invitation.answers.all():
            pages.append(
                reverse(
                    "dashboard:review_share_media", args=[world.share_token, answer.pk, "captions"]
                )
            )
    for path in pages:
        response = c.get(path)
        assert response.status_code == 200, path
        assert not leaks(response, words), path


LIST_PAGES = [
    ("dashboard:home", "assigned"),
    ("dashboard:interview_list", "assigned"),
    ("dashboard:interview_detail", "assigned"),
    ("dashboard:review_dashboard", "assigned"),
    ("dashboard:review_todo", "assigned"),
    ("dashboard:review_overview", "assigned"),
    ("live:list", "assigned"),
    ("live:list", "admin"),
    ("dashboard:audit", "admin"),
    ("dashboard:interview_audit", "admin"),
    ("dashboard:interview_detail", "admin"),
    ("dashboard:review_dashboard", "admin"),
]


def _queries(c: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = c.get(path)
    assert response.status_code == 200, path
    return len(queries)


@pytest.mark.parametrize(("name", "who"), LIST_PAGES)
def test_list_pages_keep_their_query_count(
    world: Seed, name: str, who: str, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    user = getattr(world, who)
    c = client(user)
    path = reverse(
        name,
        kwargs={"interview_id": world.interview.pk}
        if "interview_id" in (next(u for u in STAFF_URLS if u.name == name).kwargs)
        else None,
    )
    c.get(path)  # warm caches (sessions, content types)
    before = _queries(c, path)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            extra = _candidate(
                world.interview,
                {"name": f"Extra {n}", "email": f"extra{n}@example.com", "note": ""},
                world.owner,
            )
            live_interview_schedule(
                organisation=world.org,
                actor=world.owner,
                title="Panel",
                interviewers=[world.assigned],
                meeting_url="https://meet.jit.si/acme-extra",
                candidate_name=extra.name,
                candidate_email=extra.email,
                candidate_timezone="UTC",
                starts_at=world.live.starts_at + datetime.timedelta(hours=n + 1),  # type: ignore[operator]
                interview=world.interview,
                invitation=extra,
            )
    assert _queries(c, path) == before, f"{name} as {who}: queries grow with the rows"
