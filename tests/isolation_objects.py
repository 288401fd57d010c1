"""Objects for the isolation test (CONTRACTS.md E), and small factories tests share.

``OBJECT_FACTORIES`` maps each URL keyword name of a staff view to a function that creates
an object in the given organisation and returns the value for the URL. The isolation test
calls them for a second organisation and expects 404 (or 403 for a role limit).

Keep the objects of one organisation consistent with each other: a URL with both
``interview_id`` and ``invitation_id`` gets an invitation *of that interview*. The helpers
below (``org_interview``, ``org_invitation``) return one shared object per organisation,
so build on them. Every name and title contains ``FOREIGN_MARKER`` so list pages can be
checked for leaks.

Adding a staff URL with a new keyword name? Add an entry here (surgical edit).
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import (
    Interview,
    Invitation,
    InvitationImport,
    LibraryQuestion,
    MemberInvite,
    Membership,
    Organisation,
    Question,
)
from oneway.core.tokens import new_token

FOREIGN_MARKER = "Zanzibar-7Q"


def make_interview(org: Organisation, *, questions: int = 2, **fields: Any) -> Interview:
    interview = Interview.objects.create(
        organisation=org,
        title=fields.pop("title", "Support engineer"),
        contact_email=fields.pop("contact_email", "jobs@acme.test"),
        **fields,
    )
    for n in range(questions):
        Question.objects.create(
            interview=interview,
            position=n,
            prompt=f"Question {n + 1}: tell us about a hard problem.",
            thinking_seconds=30,
            max_answer_seconds=120,
            retakes=1,
        )
    return interview


def make_invitation(interview: Interview, **fields: Any) -> Invitation:
    """An invitation row without sending anything (tests of other areas use it)."""
    _token, token_hash = new_token()
    defaults: dict[str, Any] = {
        "name": "Ada Lovelace",
        "email": f"ada-{token_hash[:8]}@example.com",
        "timezone": interview.organisation.timezone,
        "deadline": timezone.now() + datetime.timedelta(days=5),
    }
    defaults.update(fields)
    return Invitation.objects.create(
        organisation=interview.organisation,
        interview=interview,
        token_hash=token_hash,
        **defaults,
    )


def org_interview(org: Organisation) -> Interview:
    """The organisation's one isolation-test interview (created on first use)."""
    interview = Interview.objects.filter(
        organisation=org, title__startswith=f"{FOREIGN_MARKER} interview"
    ).first()
    if interview is None:
        interview = make_interview(org, title=f"{FOREIGN_MARKER} interview", questions=2)
    return interview


def org_invitation(org: Organisation) -> Invitation:
    interview = org_interview(org)
    invitation = Invitation.objects.filter(interview=interview).first()
    if invitation is None:
        invitation = make_invitation(
            interview, name=f"{FOREIGN_MARKER} candidate", email="zanzibar@example.com"
        )
    return invitation


def _question(org: Organisation) -> int:
    question = org_interview(org).questions.first()
    assert question is not None
    return question.pk


def _member(org: Organisation) -> int:
    user = User.objects.create_user(
        f"member-{org.pk}-{User.objects.count()}@example.com", "x", name=f"{FOREIGN_MARKER} member"
    )
    return Membership.objects.create(organisation=org, user=user, role=Role.REVIEWER).pk


def _member_invite(org: Organisation) -> int:
    return MemberInvite.objects.create(
        organisation=org,
        email=f"invitee-{org.pk}@example.com",
        role=Role.REVIEWER,
        token_hash=new_token()[1],
        expires_at=timezone.now() + datetime.timedelta(days=7),
    ).pk


def _library_question(org: Organisation) -> int:
    return LibraryQuestion.objects.create(
        organisation=org, prompt=f"{FOREIGN_MARKER} library question"
    ).pk


def _invitation_import(org: Organisation) -> int:
    return InvitationImport.objects.create(
        organisation=org,
        interview=org_interview(org),
        filename=f"{FOREIGN_MARKER}.csv",
        rows=[
            {
                "line": 2,
                "name": f"{FOREIGN_MARKER} row",
                "email": "row@example.com",
                "timezone": "UTC",
                "deadline": None,
                "deadline_text": "",
                "errors": [],
            }
        ],
    ).pk


def _answer(org: Organisation) -> int:
    """A submitted, processed answer of the organisation's candidate (review pages)."""
    from oneway.core.models import Answer, Take
    from oneway.media.models import MediaItem

    invitation = org_invitation(org)
    question = invitation.interview.questions.first()
    answer, created = Answer.objects.get_or_create(
        invitation=invitation,
        question=question,
        is_practice=False,
        defaults={"submitted_at": timezone.now()},
    )
    if created:
        item = MediaItem.objects.create(
            organisation=org,
            original_name=f"originals/{answer.pk}.webm",
            rendition_name=f"renditions/{answer.pk}.mp4",
            state="ready",
            duration_ms=3000,
            transcript_text=f"{FOREIGN_MARKER} said hello",
            transcript_words=[{"w": FOREIGN_MARKER, "start": 0.1, "end": 0.5}],
        )
        answer.submitted_take = Take.objects.create(answer=answer, number=1, media=item)
        answer.save(update_fields=["submitted_take"])
    return answer.pk


def _comment(org: Organisation) -> int:
    from oneway.reviews.models import Comment

    invitation = org_invitation(org)
    return Comment.objects.create(
        organisation=org, invitation=invitation, body=f"{FOREIGN_MARKER} comment"
    ).pk


def _share_link(org: Organisation) -> int:
    from oneway.reviews.models import ShareLink

    link = ShareLink.objects.create(
        organisation=org,
        interview=org_interview(org),
        token_hash=new_token()[1],
        label=f"{FOREIGN_MARKER} hiring manager",
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    link.invitations.add(org_invitation(org))
    return link.pk


def _live_interview(org: Organisation) -> int:
    from oneway.live.models import LiveInterview, LiveStatus

    starts_at = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)
    live = LiveInterview.objects.create(
        organisation=org,
        invitation=org_invitation(org),
        interview=org_interview(org),
        title=f"{FOREIGN_MARKER} live interview",
        meeting_url="https://meet.jit.si/zanzibar",
        provider="jitsi",
        candidate_name=f"{FOREIGN_MARKER} candidate",
        candidate_email="zanzibar@example.com",
        candidate_timezone="UTC",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=30),
        status=LiveStatus.SCHEDULED,
    )
    member = Membership.objects.filter(organisation=org).select_related("user").first()
    if member is not None:
        live.interviewers.add(member.user)
    return live.pk


def _slot_offer(org: Organisation) -> int:
    from oneway.live.models import SlotOffer, SlotRange

    offer = SlotOffer.objects.create(organisation=org, name=f"{FOREIGN_MARKER} slots")
    start = (timezone.now() + datetime.timedelta(days=4)).replace(microsecond=0)
    SlotRange.objects.create(
        offer=offer, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    return offer.pk


def _media_item(org: Organisation) -> int:
    """A failed media item (retryable) of the organisation."""
    from oneway.media.models import MediaItem

    return MediaItem.objects.create(
        organisation=org,
        original_name=f"uploads/{FOREIGN_MARKER}.webm",
        state="failed",
        error=f"{FOREIGN_MARKER} failed",
    ).pk


def _data_request(org: Organisation) -> int:
    from oneway.core.models import DataRequest

    now = timezone.now()
    return DataRequest.objects.create(
        organisation=org,
        email=org_invitation(org).email,
        note=f"{FOREIGN_MARKER} request",
        due_at=now + datetime.timedelta(days=30),
    ).pk


OBJECT_FACTORIES: dict[str, Callable[[Organisation], int | str]] = {
    "interview_id": lambda org: org_interview(org).pk,
    "invitation_id": lambda org: org_invitation(org).pk,
    "question_id": _question,
    "member_id": _member,
    "member_invite_id": _member_invite,
    "library_question_id": _library_question,
    "invitation_import_id": _invitation_import,
    "answer_id": _answer,
    "comment_id": _comment,
    "share_link_id": _share_link,
    "live_interview_id": _live_interview,
    "slot_offer_id": _slot_offer,
    "media_item_id": _media_item,
    "data_request_id": _data_request,
}


# --- API keys and webhooks (issue 15) ---------------------------------------------------


def _org_creator(org: Organisation) -> User:
    membership = Membership.objects.filter(organisation=org, role=Role.OWNER).first()
    if membership is not None:
        return membership.user
    user = User.objects.create_user(f"integrations-{org.slug}@example.com", "x" * 20)
    Membership.objects.create(organisation=org, user=user, role=Role.OWNER)
    return user


def make_api_key(org: Organisation) -> int:
    from oneway.api.services import api_key_create

    key, _secret = api_key_create(
        organisation=org, actor=_org_creator(org), name=f"{FOREIGN_MARKER} key", scope="read"
    )
    return key.pk


def org_webhook_endpoint(org: Organisation) -> Any:
    from oneway.api.models import WebhookEndpoint
    from oneway.api.services import webhook_endpoint_create

    endpoint = WebhookEndpoint.objects.filter(organisation=org).first()
    if endpoint is None:
        endpoint, _secret = webhook_endpoint_create(
            organisation=org,
            actor=_org_creator(org),
            url=f"https://hooks.example.com/{FOREIGN_MARKER}",
            description=FOREIGN_MARKER,
            events=["candidate.completed"],
        )
    return endpoint


def make_webhook_message(org: Organisation) -> int:
    from oneway.api.models import WebhookMessage

    endpoint = org_webhook_endpoint(org)
    message = WebhookMessage.objects.create(
        endpoint=endpoint,
        msg_id=f"msg_{FOREIGN_MARKER}_{org.pk}",
        event="candidate.completed",
        payload="{}",
    )
    return message.pk


OBJECT_FACTORIES["api_key_id"] = make_api_key
OBJECT_FACTORIES["webhook_endpoint_id"] = lambda org: org_webhook_endpoint(org).pk
OBJECT_FACTORIES["webhook_message_id"] = make_webhook_message
