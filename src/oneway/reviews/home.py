"""Reads for the staff home page: what needs doing, through the access gate."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min
from django.utils import timezone

from oneway.access import Viewer, candidate_alias, visible_interviews, visible_invitations
from oneway.core.models import Answer, Interview, InvitationStatus
from oneway.media.models import ProcessingState

DEADLINE_WINDOW = datetime.timedelta(days=3)
NOT_STARTED = (InvitationStatus.INVITED, InvitationStatus.OPENED)


@dataclass(frozen=True)
class DeadlineNear:
    interview: Interview
    not_started: int
    soonest: datetime.datetime


@dataclass(frozen=True)
class ProcessingFailure:
    answer: Answer
    candidate: str


def deadlines_near(viewer: Viewer, *, now: datetime.datetime | None = None) -> list[DeadlineNear]:
    """Interviews with candidates who have not started and whose deadline is within
    three days, soonest first, with how many they are."""
    now = now or timezone.now()
    counts = (
        visible_invitations(viewer)
        .filter(
            status__in=NOT_STARTED,
            deadline__gte=now,
            deadline__lt=now + DEADLINE_WINDOW,
            interview__archived_at__isnull=True,
        )
        .values("interview_id")
        .annotate(n=Count("pk"), soonest=Min("deadline"))
    )
    by_interview = {row["interview_id"]: row for row in counts}
    interviews = visible_interviews(viewer).filter(pk__in=list(by_interview))
    rows = [
        DeadlineNear(
            interview=interview,
            not_started=by_interview[interview.pk]["n"],
            soonest=by_interview[interview.pk]["soonest"],
        )
        for interview in interviews
    ]
    return sorted(rows, key=lambda r: r.soonest)


def processing_failures(viewer: Viewer, *, limit: int = 20) -> list[ProcessingFailure]:
    """Submitted answers whose recording failed to process, newest first."""
    answers = (
        Answer.objects.filter(
            invitation__in=visible_invitations(viewer),
            is_practice=False,
            submitted_take__media__state__in=(
                ProcessingState.FAILED,
                ProcessingState.UNPROCESSABLE,
            ),
        )
        .select_related("invitation__interview", "question", "submitted_take__media")
        .order_by("-submitted_at", "-pk")[:limit]
    )
    return [
        ProcessingFailure(
            answer=answer,
            # Blind interviews: the alias, whoever looks (the home page is no review).
            candidate=candidate_alias(answer.invitation_id)
            if answer.invitation.interview.blind_mode
            else answer.invitation.name,
        )
        for answer in answers
    ]


def failure_count(viewer: Viewer) -> int:
    return Answer.objects.filter(
        invitation__in=visible_invitations(viewer),
        is_practice=False,
        submitted_take__media__state__in=(ProcessingState.FAILED, ProcessingState.UNPROCESSABLE),
    ).count()
