"""Live interviews and slot offers: read and create.

A key limited to some interviews sees only the live interviews of those interviews, and no
slot offers (they belong to the whole organisation).
"""

import datetime

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from oneway.access import (
    Viewer,
    access_interview,
    access_invitation,
    candidate_label,
    require,
    visible_live_interviews,
    visible_memberships,
    visible_slot_offers,
)
from oneway.accounts.models import User
from oneway.api.common import (
    CURSOR_DESCRIPTION,
    UPDATED_SINCE_DESCRIPTION,
    Id,
    Input,
    Limit,
    Page,
    UtcDateTime,
    utc,
    viewer_of,
)
from oneway.api.pagination import DEFAULT_LIMIT, page
from oneway.api.problems import Problem, field_error
from oneway.live.models import LiveInterview, LiveStatus, SlotOffer
from oneway.live.services import live_interview_schedule, slot_offer_create

router = Router(tags=["Live interviews"])


class LiveOut(Schema):
    id: int
    title: str
    status: str
    interview_id: int | None
    invitation_id: int | None
    candidate_name: str = Field(description="The alias when it follows a blind interview.")
    candidate_email: str | None
    candidate_timezone: str
    starts_at: datetime.datetime | None
    ends_at: datetime.datetime | None
    duration_minutes: int
    meeting_url: str
    slot_offer_id: int | None
    interviewer_ids: list[int]
    cancelled_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


def live_out(live: LiveInterview) -> LiveOut:
    blind = live.invitation is not None and live.invitation.interview.blind_mode
    return LiveOut(
        id=live.pk,
        title=live.title,
        status=live.status,
        interview_id=live.interview_id,
        invitation_id=live.invitation_id,
        candidate_name=(
            candidate_label(None, live.invitation)  # type: ignore[arg-type]
            if blind
            else live.candidate_name
        ),
        candidate_email=None if blind else live.candidate_email,
        candidate_timezone=live.candidate_timezone,
        starts_at=utc(live.starts_at),
        ends_at=utc(live.ends_at),
        duration_minutes=live.duration_minutes,
        meeting_url=live.meeting_url,
        slot_offer_id=live.slot_offer_id,
        interviewer_ids=[user.pk for user in live.interviewers.all()],
        cancelled_at=utc(live.cancelled_at),
        created_at=utc(live.created_at),  # type: ignore[arg-type]
        updated_at=utc(live.updated_at),  # type: ignore[arg-type]
    )


def _with_related(lives: QuerySet[LiveInterview]) -> QuerySet[LiveInterview]:
    return lives.select_related("invitation__interview").prefetch_related("interviewers")


class LiveFilters(Schema):
    interview: Id | None = None
    status: LiveStatus | None = None
    updated_since: UtcDateTime | None = Field(None, description=UPDATED_SINCE_DESCRIPTION)
    cursor: str | None = Field(None, max_length=200, description=CURSOR_DESCRIPTION)
    limit: Limit = DEFAULT_LIMIT


@router.get("/live-interviews", response=Page[LiveOut], summary="List live interviews")
def list_live_interviews(request: HttpRequest, filters: Query[LiveFilters]) -> Page[LiveOut]:
    viewer = viewer_of(request)
    require(viewer, "live.view")
    lives = visible_live_interviews(viewer)
    if filters.interview is not None:
        lives = lives.filter(interview_id=filters.interview)
    if filters.status is not None:
        lives = lives.filter(status=filters.status)
    if filters.updated_since is not None:
        lives = lives.filter(updated_at__gte=filters.updated_since)
    rows, next_cursor = page(_with_related(lives), cursor=filters.cursor, limit=filters.limit)
    return Page[LiveOut](data=[live_out(live) for live in rows], next_cursor=next_cursor)


def _live(viewer: Viewer, live_interview_id: int) -> LiveInterview:
    live = _with_related(visible_live_interviews(viewer)).filter(pk=live_interview_id).first()
    if live is None:
        raise Http404("No such live interview.")
    return live


@router.get(
    "/live-interviews/{live_interview_id}", response=LiveOut, summary="Get a live interview"
)
def get_live_interview(request: HttpRequest, live_interview_id: Id) -> LiveOut:
    viewer = viewer_of(request)
    require(viewer, "live.view")
    return live_out(_live(viewer, live_interview_id))


class LiveIn(Input):
    title: str = Field(min_length=1, max_length=200)
    interviewer_ids: list[Id] = Field(min_length=1, max_length=20)
    meeting_url: str = Field(min_length=1, max_length=1000)
    candidate_name: str = Field(min_length=1, max_length=200)
    candidate_email: str = Field(min_length=3, max_length=254)
    candidate_timezone: str = Field(max_length=64)
    duration_minutes: int = Field(30, ge=5, le=480)
    starts_at: UtcDateTime | None = Field(
        None, description="A time the team picks; or give slot_offer_id to let the candidate book."
    )
    slot_offer_id: Id | None = None
    interview_id: Id | None = None
    invitation_id: Id | None = Field(None, description="The recorded-stage candidate, if any.")
    candidate_notes: str = Field("", max_length=5000)


@router.post(
    "/live-interviews",
    response={201: LiveOut},
    summary="Schedule a live interview (at a time, or with slots to book)",
)
def create_live_interview(request: HttpRequest, body: LiveIn) -> Status[LiveOut]:
    viewer = viewer_of(request)
    require(viewer, "live.manage")
    interview = access_interview(viewer, body.interview_id) if body.interview_id else None
    invitation = access_invitation(viewer, body.invitation_id) if body.invitation_id else None
    if viewer.interview_ids is not None and interview is None:
        raise Problem(
            403,
            "A key limited to some interviews must name one of them.",
            errors=[field_error("interview_id", "Required for this key.")],
        )
    offer = None
    if body.slot_offer_id is not None:
        offer = visible_slot_offers(viewer).filter(pk=body.slot_offer_id).first()
        if offer is None:
            raise Http404("No such slot offer.")
    member_ids = set(
        visible_memberships(viewer)
        .filter(user_id__in=body.interviewer_ids)
        .values_list("user_id", flat=True)
    )
    if member_ids != set(body.interviewer_ids):
        raise Problem(
            422,
            "Interviewers must be members of the organisation.",
            errors=[field_error("interviewer_ids", "Not members: some ids.")],
        )
    live = live_interview_schedule(
        organisation=viewer.org,
        actor=viewer.user,
        title=body.title,
        interviewers=list(User.objects.filter(pk__in=member_ids)),
        meeting_url=body.meeting_url,
        candidate_name=body.candidate_name,
        candidate_email=body.candidate_email,
        candidate_timezone=body.candidate_timezone,
        duration_minutes=body.duration_minutes,
        starts_at=body.starts_at,
        slot_offer=offer,
        interview=interview,
        invitation=invitation,
        candidate_notes=body.candidate_notes,
        request=request,
    )
    return Status(201, live_out(_live(viewer, live.pk)))


class RangeOut(Schema):
    starts_at: datetime.datetime
    ends_at: datetime.datetime


class SlotOfferOut(Schema):
    id: int
    name: str
    timezone: str
    slot_minutes: int
    buffer_minutes: int
    minimum_notice_hours: int
    open: bool
    ranges: list[RangeOut]
    created_at: datetime.datetime


def offer_out(offer: SlotOffer) -> SlotOfferOut:
    return SlotOfferOut(
        id=offer.pk,
        name=offer.name,
        timezone=offer.timezone,
        slot_minutes=offer.slot_minutes,
        buffer_minutes=offer.buffer_minutes,
        minimum_notice_hours=offer.minimum_notice_hours,
        open=offer.is_open,
        ranges=[
            RangeOut(starts_at=utc(r.starts_at), ends_at=utc(r.ends_at))  # type: ignore[arg-type]
            for r in offer.ranges.all()
        ],
        created_at=utc(offer.created_at),  # type: ignore[arg-type]
    )


class OfferFilters(Schema):
    cursor: str | None = Field(None, max_length=200, description=CURSOR_DESCRIPTION)
    limit: Limit = DEFAULT_LIMIT


@router.get("/slot-offers", response=Page[SlotOfferOut], summary="List slot offers")
def list_slot_offers(request: HttpRequest, filters: Query[OfferFilters]) -> Page[SlotOfferOut]:
    viewer = viewer_of(request)
    require(viewer, "live.view")
    offers = visible_slot_offers(viewer).prefetch_related("ranges")
    rows, next_cursor = page(offers, cursor=filters.cursor, limit=filters.limit)
    return Page[SlotOfferOut](data=[offer_out(o) for o in rows], next_cursor=next_cursor)


@router.get("/slot-offers/{slot_offer_id}", response=SlotOfferOut, summary="Get a slot offer")
def get_slot_offer(request: HttpRequest, slot_offer_id: Id) -> SlotOfferOut:
    viewer = viewer_of(request)
    require(viewer, "live.view")
    offer = visible_slot_offers(viewer).prefetch_related("ranges").filter(pk=slot_offer_id).first()
    if offer is None:
        raise Http404("No such slot offer.")
    return offer_out(offer)


class RangeIn(Input):
    starts_at: UtcDateTime
    ends_at: UtcDateTime


class SlotOfferIn(Input):
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(max_length=64)
    slot_minutes: int = Field(30, ge=5, le=480)
    buffer_minutes: int = Field(10, ge=0, le=240)
    minimum_notice_hours: int = Field(24, ge=0, le=720)
    ranges: list[RangeIn] = Field(min_length=1, max_length=100)


@router.post("/slot-offers", response={201: SlotOfferOut}, summary="Offer times to book")
def create_slot_offer(request: HttpRequest, body: SlotOfferIn) -> Status[SlotOfferOut]:
    viewer = viewer_of(request)
    require(viewer, "live.manage")
    if viewer.interview_ids is not None:
        raise Problem(403, "A key limited to some interviews cannot offer slots.")
    offer = slot_offer_create(
        organisation=viewer.org,
        actor=viewer.user,
        name=body.name,
        timezone_name=body.timezone,
        slot_minutes=body.slot_minutes,
        buffer_minutes=body.buffer_minutes,
        minimum_notice_hours=body.minimum_notice_hours,
        ranges=[(r.starts_at, r.ends_at) for r in body.ranges],
        request=request,
    )
    offer = SlotOffer.objects.prefetch_related("ranges").get(pk=offer.pk)
    return Status(201, offer_out(offer))
