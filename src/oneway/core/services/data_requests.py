"""A person's data request handled by the team: find them by email across the
organisation's interviews, export their data or erase it, within a month, with a log."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.access import Viewer, visible_invitations
from oneway.core.audit import log_action
from oneway.core.models import DataRequest, Invitation, InvitationStatus
from oneway.core.models.erasure import new_tombstone
from oneway.core.services.data_exports import data_export_request
from oneway.core.services.erasure import (
    ErasureBlocked,
    candidate_erase,
    live_interviews_erase,
    send_erasure_receipt,
)


def one_month_later(moment: datetime.datetime) -> datetime.datetime:
    """The same day next month (the month's last day when it has fewer days)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def person_live_interviews(viewer: Viewer, email: str) -> int:
    """How many live interviews stand alone with this address (no invitation of theirs)."""
    from oneway.live.models import LiveInterview

    return LiveInterview.objects.filter(
        organisation=viewer.org, candidate_email__iexact=email.strip(), invitation__isnull=True
    ).count()


def person_invitations(viewer: Viewer, email: str) -> list[Invitation]:
    """Every invitation of this address in the organisation (through the gate)."""
    return list(
        visible_invitations(viewer)
        .filter(email__iexact=email.strip())
        .exclude(status=InvitationStatus.ERASED)
        .select_related("interview", "organisation")
        .order_by("-invited_at")
    )


def _log(
    data_request: DataRequest,
    action: str,
    *,
    actor: Any,
    detail: str = "",
    request: HttpRequest | None = None,
) -> None:
    entry = {
        "at": timezone.now().isoformat(),
        "by": getattr(actor, "email", "system"),
        "action": action,
        "detail": detail,
    }
    DataRequest.objects.filter(pk=data_request.pk).update(log=[*data_request.log, entry])
    data_request.log = [*data_request.log, entry]
    log_action(
        f"data_request.{action}",
        organisation=data_request.organisation,
        actor=actor,
        obj=data_request,
        data={"detail": detail},
        request=request,
    )


def data_request_open(
    *, viewer: Viewer, email: str, note: str = "", request: HttpRequest | None = None
) -> DataRequest:
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("Enter the person's email address."), code="email") from None
    now = timezone.now()
    with transaction.atomic():
        data_request = DataRequest.objects.create(
            organisation=viewer.org,
            email=email,
            note=note[:300],
            created_by=viewer.user,
            requested_at=now,
            due_at=one_month_later(now),
        )
        found = len(person_invitations(viewer, email))
        _log(data_request, "opened", actor=viewer.user, detail=f"{found} invitations found",
             request=request)  # fmt: skip
    return data_request


def data_request_export(
    *, viewer: Viewer, data_request: DataRequest, request: HttpRequest | None = None
) -> None:
    invitations = person_invitations(viewer, data_request.email)
    if not invitations:
        raise ValidationError(_("There is no data of this person to export."))
    export = data_export_request(
        organisation=viewer.org,
        invitations=invitations,
        language="en",
        requested_by=viewer.user,
        request=request,
    )
    DataRequest.objects.filter(pk=data_request.pk).update(export=export)
    data_request.export = export
    _log(data_request, "exported", actor=viewer.user,
         detail=f"ZIP of {len(invitations)} invitations", request=request)  # fmt: skip


@dataclass
class EraseOutcome:
    erased: int = 0
    live: int = 0
    held: list[Invitation] = field(default_factory=list)


def data_request_erase(
    *, viewer: Viewer, data_request: DataRequest, request: HttpRequest | None = None
) -> EraseOutcome:
    """Erase every invitation of the person; those under a legal hold are left (listed)."""
    outcome = EraseOutcome()
    for invitation in person_invitations(viewer, data_request.email):
        try:
            candidate_erase(
                invitation=invitation,
                reason="staff",
                actor=viewer.user,
                request=request,
                notify=send_erasure_receipt,
            )
        except ErasureBlocked:
            outcome.held.append(invitation)
        else:
            outcome.erased += 1
    if not outcome.held:
        outcome.live = live_interviews_erase(
            organisation=viewer.org, email=data_request.email, actor=viewer.user, request=request
        )
    data_request.refresh_from_db()
    if not outcome.held and not data_request.email.endswith("@erased.invalid"):
        DataRequest.objects.filter(pk=data_request.pk).update(
            email=f"{new_tombstone()}@erased.invalid"
        )
        data_request.refresh_from_db()
    detail = f"{outcome.erased} invitations erased"
    if outcome.live:
        detail += f", {outcome.live} live interviews"
    if outcome.held:
        detail += f", {len(outcome.held)} under a legal hold"
    _log(data_request, "erased", actor=viewer.user, detail=detail, request=request)
    return outcome


def data_request_close(
    *, viewer: Viewer, data_request: DataRequest, request: HttpRequest | None = None
) -> None:
    DataRequest.objects.filter(pk=data_request.pk).update(closed_at=timezone.now())
    data_request.refresh_from_db()
    _log(data_request, "closed", actor=viewer.user, request=request)
