"""Background jobs of the review workspace. Tasks take ids and are idempotent."""

import datetime
import logging
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from huey.contrib.djhuey import db_task

from oneway.access import Viewer, candidate_label, sees_others_reviews, visible_invitations
from oneway.accounts.models import User
from oneway.core.audit import log_action
from oneway.core.emails import in_language, send_templated_email
from oneway.core.format_card import FormatCard
from oneway.core.languages import invitation_language
from oneway.core.models import Answer, Invitation, InvitationStatus, Membership
from oneway.core.periodic import periodic_task
from oneway.reviews.decision_emails import fill, templates_for
from oneway.reviews.models import (
    CommentMention,
    DecisionEvent,
    DigestEntry,
    Review,
    ReviewerAssignment,
)
from oneway.reviews.search import search_documents_refresh

logger = logging.getLogger(__name__)

# Digests go out at this local hour of each reviewer's time zone.
DIGEST_HOUR = 8
# Candidates completed longer ago than this are left to the to-do list.
DIGEST_LOOKBACK = datetime.timedelta(days=7)


def candidate_url(invitation_id: int) -> str:
    return settings.BASE_URL + reverse("dashboard:review_candidate", args=[invitation_id])


# --- Search documents --------------------------------------------------------------------


@db_task(retries=3, retry_delay=30)
def refresh_search_documents(invitation_ids: Iterable[int]) -> None:
    search_documents_refresh(invitation_ids)


def stale_search_document_ids(limit: int = 500) -> list[int]:
    """Candidates whose answers changed after their search document was built."""
    changed_media = Answer.objects.filter(
        invitation_id=OuterRef("pk"),
        is_practice=False,
        submitted_take__media__updated_at__gt=OuterRef("search_document__updated_at"),
    )
    return list(
        Invitation.objects.filter(
            Q(search_document__isnull=True) | Exists(changed_media),
            Exists(Answer.objects.filter(invitation_id=OuterRef("pk"), submitted_at__isnull=False)),
        ).values_list("pk", flat=True)[:limit]
    )


@periodic_task(hours=1, at_minute=17)
def refresh_stale_search_documents() -> None:
    """A safety net for transcripts written without a model save (bulk updates)."""
    ids = stale_search_document_ids()
    if ids:
        search_documents_refresh(ids)


# --- Mentions ----------------------------------------------------------------------------


def viewer_of(user: User, invitation: Invitation) -> Viewer | None:
    """The user as a viewer of the candidate's organisation, if they may see the candidate."""
    membership = (
        Membership.objects.filter(user=user, organisation_id=invitation.organisation_id)
        .select_related("organisation")
        .first()
    )
    if membership is None or not user.is_active:
        return None
    viewer = Viewer(org=membership.organisation, user=user, role=membership.role)
    if not visible_invitations(viewer).filter(pk=invitation.pk).exists():
        return None
    return viewer


@db_task(retries=3, retry_delay=60)
def send_mention_emails(comment_id: int) -> None:
    rows = CommentMention.objects.filter(comment_id=comment_id, emailed_at__isnull=True)
    for row in rows.select_related(
        "user", "comment__author", "comment__invitation__interview", "comment__answer__question"
    ):
        comment = row.comment
        invitation = comment.invitation
        viewer = viewer_of(row.user, invitation)
        if comment.deleted_at is not None or viewer is None:
            continue
        submitted = Review.objects.filter(
            invitation=invitation, reviewer=row.user, submitted_at__isnull=False
        ).exists()
        # Independent reviews: the comment itself waits on the page until they submit.
        body_shown = sees_others_reviews(viewer, submitted=submitted)
        with transaction.atomic():
            locked = (
                CommentMention.objects.select_for_update()
                .filter(pk=row.pk, emailed_at__isnull=True)
                .first()
            )
            if locked is None:
                continue
            url = candidate_url(invitation.pk)
            if comment.answer_id:
                url += f"#answer-{comment.answer_id}"
            send_templated_email(
                "review_mention",
                to=[row.user.email],
                context={
                    "recipient": row.user,
                    "author": comment.author.display_name if comment.author else "",
                    "candidate": candidate_label(viewer, invitation),
                    "body_shown": body_shown,
                    "interview": invitation.interview,
                    "comment": comment,
                    "question": comment.answer.question if comment.answer else None,
                    "url": url,
                },
            )
            locked.emailed_at = timezone.now()
            locked.save(update_fields=["emailed_at"])


# --- Decision emails to candidates ----------------------------------------------------


@db_task(retries=3, retry_delay=60)
def send_decision_email(event_id: int) -> None:
    with transaction.atomic():
        event = (
            DecisionEvent.objects.select_for_update(of=("self",))
            .select_related("invitation__interview", "invitation__organisation", "actor")
            .filter(pk=event_id, candidate_email_requested=True, candidate_emailed_at__isnull=True)
            .first()
        )
        if event is None:
            return
        invitation = event.invitation
        template = templates_for(invitation.interview).get(event.to_status)
        if template is None:
            return
        subject = fill(template.subject, invitation)
        body = fill(template.body, invitation)
        when = invitation.completed_at or invitation.invited_at
        with in_language(invitation_language(invitation)):
            card = FormatCard(
                format="recorded",
                headline=subject,
                when=gettext("You recorded your interview on %(date)s.")
                % {"date": date_format(when, "DATE_FORMAT")},
                contact=gettext("Questions? Write to %(email)s.")
                % {"email": invitation.interview.contact_email},
            )
            send_templated_email(
                "review_decision",
                to=[invitation.email],
                reply_to=[invitation.interview.contact_email],
                context={
                    "card": card,
                    "subject": subject,
                    "body": body,
                    "invitation": invitation,
                    "organisation": invitation.organisation,
                },
            )
        event.candidate_emailed_at = timezone.now()
        event.save(update_fields=["candidate_emailed_at"])
        log_action(
            "decision.candidate_emailed",
            organisation=invitation.organisation,
            actor_label="system",
            obj=event,
            interview_id=invitation.interview_id,
            invitation_id=invitation.pk,
            data={"status": event.to_status, "subject": subject},
        )


# --- Daily digest --------------------------------------------------------------------------


def digest_candidates(user: User, now: datetime.datetime) -> list[Invitation]:
    """Newly completed candidates of the user's interviews not yet in a digest."""
    assigned = ReviewerAssignment.objects.filter(
        user=user,
        organisation__memberships__user=user,
        interview__archived_at__isnull=True,
    ).values("interview_id")
    return list(
        Invitation.objects.filter(
            interview_id__in=assigned,
            status=InvitationStatus.COMPLETED,
            completed_at__gte=now - DIGEST_LOOKBACK,
        )
        .exclude(Exists(DigestEntry.objects.filter(user=user, invitation_id=OuterRef("pk"))))
        .exclude(
            Exists(
                Review.objects.filter(
                    reviewer=user, invitation_id=OuterRef("pk"), submitted_at__isnull=False
                )
            )
        )
        .select_related("interview", "organisation")
        .order_by("interview__title", "completed_at")
    )


def send_digest(user_id: int, *, now: datetime.datetime | None = None) -> int:
    """One email listing every newly completed candidate; returns how many it listed."""
    now = now or timezone.now()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.preferences.get("review_digest") is False:
        return 0
    try:
        with transaction.atomic():
            candidates = digest_candidates(user, now)
            if not candidates:
                return 0
            DigestEntry.objects.bulk_create(
                [DigestEntry(user=user, invitation=i, sent_at=now) for i in candidates]
            )
            groups: dict[int, dict[str, object]] = {}
            for invitation in candidates:
                group = groups.setdefault(
                    invitation.interview_id,
                    {"interview": invitation.interview, "candidates": []},
                )
                group["candidates"].append(  # type: ignore[attr-defined]
                    {
                        "name": candidate_label(None, invitation),
                        "completed_at": invitation.completed_at,
                        "url": candidate_url(invitation.pk),
                    }
                )
            send_templated_email(
                "review_digest",
                to=[user.email],
                context={
                    "recipient": user,
                    "count": len(candidates),
                    "groups": list(groups.values()),
                    "todo_url": settings.BASE_URL + reverse("dashboard:review_todo"),
                },
            )
    except IntegrityError:
        # Another run is sending the same digest; it wins.
        return 0
    return len(candidates)


def digest_due(user: User, now: datetime.datetime) -> bool:
    try:
        zone = zoneinfo.ZoneInfo(user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return now.astimezone(zone).hour == DIGEST_HOUR


@periodic_task(hours=1, at_minute=5)
def send_review_digests() -> None:
    """Hourly: reviewers for whom it is now the digest hour get their daily digest."""
    now = timezone.now()
    users = (
        User.objects.filter(is_active=True, review_assignments__isnull=False)
        .annotate(last_digest=Max("review_digest_entries__sent_at"))
        .distinct()
    )
    for user in users:
        last = user.last_digest  # type: ignore[attr-defined]
        if not digest_due(user, now) or (last and now - last < datetime.timedelta(hours=20)):
            continue
        try:
            send_digest(user.pk, now=now)
        except Exception:
            logger.exception("Review digest for user %s failed", user.pk)
