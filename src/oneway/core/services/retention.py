"""Retention: candidates' data is deleted automatically N days after their interview closes.

"Closes" means the candidate's deadline (plus the interview's grace minutes), submitted or
not: a date the candidate is told in advance and the team can see, unlike a decision that
may never come. N is the interview's ``retention_days`` or, when empty, the organisation's;
0 keeps the data until someone deletes it. A legal hold (interview or candidate) stops it.

The same functions give the jobs their dates and the pages their sentences
(``retention_days_for``, ``retention_due``), so what is promised is what runs.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from oneway.core.audit import log_action
from oneway.core.models import Interview, Invitation, InvitationStatus, Organisation, Take

logger = logging.getLogger(__name__)

# Device-check and practice clips are deleted this long after they were uploaded.
CLIP_KEEP_HOURS = 24


def retention_days_for(interview: Interview) -> int:
    if interview.retention_days is not None:
        return interview.retention_days
    return interview.organisation.retention_days


def retention_due(invitation: Invitation) -> datetime.datetime | None:
    """When retention deletes this candidate's data (None: kept until someone deletes it)."""
    days = retention_days_for(invitation.interview)
    if not days:
        return None
    closes = invitation.deadline + datetime.timedelta(minutes=invitation.interview.grace_minutes)
    return closes + datetime.timedelta(days=days)


def _candidates(organisation: Organisation | None = None) -> Any:
    queryset = (
        Invitation.objects.exclude(status=InvitationStatus.ERASED)
        .filter(legal_hold_at__isnull=True, interview__legal_hold_at__isnull=True)
        .select_related("interview", "organisation")
    )
    if organisation is not None:
        queryset = queryset.filter(organisation=organisation)
    return queryset


def retention_due_candidates(
    *, now: datetime.datetime | None = None, organisation: Organisation | None = None
) -> list[Invitation]:
    now = now or timezone.now()
    due = []
    for invitation in _candidates(organisation).filter(deadline__lte=now).iterator():
        when = retention_due(invitation)
        if when is not None and when <= now:
            due.append(invitation)
    return due


@dataclass(frozen=True)
class RetentionRun:
    day: datetime.date
    count: int


def retention_preview(
    *, organisation: Organisation, days: int = 60, now: datetime.datetime | None = None
) -> list[RetentionRun]:
    """The daily runs of the next ``days`` days that will delete someone, with how many
    (overdue candidates are counted on today's run)."""
    now = now or timezone.now()
    horizon = now + datetime.timedelta(days=days)
    runs: Counter[datetime.date] = Counter()
    zone = timezone.get_current_timezone()
    for invitation in _candidates(organisation).iterator():
        when = retention_due(invitation)
        if when is None or when > horizon:
            continue
        runs[max(when, now).astimezone(zone).date()] += 1
    return [RetentionRun(day, count) for day, count in sorted(runs.items())]


def retention_run(
    *,
    now: datetime.datetime | None = None,
    organisation: Organisation | None = None,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> int:
    """Erase every candidate whose retention has ended. Returns how many."""
    from oneway.core.services.erasure import ErasureBlocked, candidate_erase

    count = 0
    for invitation in retention_due_candidates(now=now, organisation=organisation):
        try:
            candidate_erase(invitation=invitation, reason="retention", actor=actor, request=request)
        except ErasureBlocked:  # a hold placed since the list was made
            continue
        count += 1
    if organisation is not None and actor is not None:
        log_action(
            "retention.run",
            organisation=organisation,
            actor=actor,
            data={"erased": count},
            request=request,
        )
    return count


def legal_hold_set(
    *,
    interview: Interview | None = None,
    invitation: Invitation | None = None,
    on: bool,
    note: str = "",
    actor: Any,
    request: HttpRequest | None = None,
) -> None:
    """Place or lift a legal hold on an interview or on one candidate (audited)."""
    target: Interview | Invitation | None = interview or invitation
    if target is None:
        raise ValueError("an interview or an invitation")
    with transaction.atomic():
        model = type(target)
        model.objects.filter(pk=target.pk).update(
            legal_hold_at=timezone.now() if on else None, legal_hold_note=note[:300] if on else ""
        )
        target.refresh_from_db()
        log_action(
            "legal_hold.placed" if on else "legal_hold.lifted",
            organisation=target.organisation,
            actor=actor,
            obj=target,
            interview_id=target.pk if isinstance(target, Interview) else target.interview_id,
            invitation_id=target.pk if isinstance(target, Invitation) else None,
            data={"note": note[:300]} if on else {},
            request=request,
        )


def short_lived_clips_delete(*, now: datetime.datetime | None = None) -> int:
    """Device-check and practice clips older than ``CLIP_KEEP_HOURS``: file and row go
    (the practice take is marked discarded, so nothing points at a missing file)."""
    from django.core.files.storage import default_storage

    from oneway.uploads.models import Upload

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=CLIP_KEEP_HOURS)
    practice_takes = Take.objects.filter(answer__is_practice=True).values_list("pk", flat=True)
    owners = Q(owner__startswith="device-check:") | Q(
        owner__in=[f"take:{pk}" for pk in practice_takes]
    )
    removed = 0
    for upload in Upload.objects.filter(owners, created_at__lte=cutoff):
        with transaction.atomic():
            if upload.owner.startswith("take:"):
                Take.objects.filter(pk=int(upload.owner[5:])).update(
                    state="discarded", upload_id=None
                )
            Upload.objects.filter(pk=upload.pk).delete()
            name = upload.storage_name

            def remove(upload: Any = upload, name: str = name) -> None:
                from oneway.uploads.services import upload_discard_data

                if name:
                    default_storage.delete(name)
                upload_discard_data(upload=upload)

            transaction.on_commit(remove)
        removed += 1
    return removed


def stored_answer_uploads_delete() -> int:
    """Upload rows of takes whose answer is stored (a media item holds the file now) in a
    finished interview: the row and any scratch data go, the file stays with the media."""
    from oneway.uploads.models import Upload
    from oneway.uploads.services import upload_discard_data

    takes = Take.objects.filter(
        media__isnull=False,
        answer__invitation__status__in=(
            InvitationStatus.COMPLETED,
            InvitationStatus.EXPIRED,
            InvitationStatus.REVOKED,
        ),
    ).values_list("pk", flat=True)
    removed = 0
    for upload in Upload.objects.filter(
        owner__in=[f"take:{pk}" for pk in takes], completed_at__isnull=False
    ):
        Upload.objects.filter(pk=upload.pk).delete()
        upload_discard_data(upload=upload)
        removed += 1
    return removed


# --- What candidates are told (the same numbers the jobs use) ---------------------------


def retention_promise(interview: Interview) -> str:
    from django.utils.translation import gettext, ngettext

    days = retention_days_for(interview)
    if interview.legal_hold_at is not None:
        return gettext(
            "Your recordings are kept while a legal hold applies to this interview; after "
            "that they are deleted as usual."
        )
    if days:
        return ngettext(
            "Your recordings are kept for %(n)d day after the interview closes (your "
            "deadline), then deleted automatically.",
            "Your recordings are kept for %(n)d days after the interview closes (your "
            "deadline), then deleted automatically.",
            days,
        ) % {"n": days}
    return gettext("Your recordings are kept until %(org)s deletes them or you delete them.") % {
        "org": interview.organisation.name
    }


def rights_promise(invitation: Invitation) -> str:
    """What the candidate can do with their data, true also under a legal hold."""
    from django.utils.translation import gettext

    if invitation.legal_hold_at is not None or invitation.interview.legal_hold_at is not None:
        return gettext(
            "You can download your answers from your link at any time; while a legal hold "
            "applies, they cannot be deleted."
        )
    return gettext("You can download or delete your answers from your link at any time.")


def clips_promise() -> str:
    from django.utils.translation import ngettext

    return ngettext(
        "The practice question and the device check test clip are never shown to anyone and "
        "are deleted within %(n)d hour.",
        "The practice question and the device check test clip are never shown to anyone and "
        "are deleted within %(n)d hours.",
        CLIP_KEEP_HOURS,
    ) % {"n": CLIP_KEEP_HOURS}
