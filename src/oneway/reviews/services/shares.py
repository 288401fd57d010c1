"""Read-only share links for a hiring manager without an account."""

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.core.audit import log_action
from oneway.core.models import Interview, Invitation
from oneway.core.tokens import new_token
from oneway.reviews.models import ShareLink

DEFAULT_DAYS = 7
MAX_DAYS = 90


def share_url(token: str) -> str:
    return settings.BASE_URL + reverse("dashboard:review_share", args=[token])


@transaction.atomic
def share_link_create(
    *,
    interview: Interview,
    invitations: Sequence[Invitation],
    label: str,
    actor: User,
    expires_at: datetime.datetime | None = None,
    allow_rating: bool = False,
    request: HttpRequest | None = None,
) -> tuple[ShareLink, str]:
    """Create a link to the chosen candidates. Returns the link and its token, which is
    shown once and never stored."""
    now = timezone.now()
    expires_at = expires_at or now + datetime.timedelta(days=DEFAULT_DAYS)
    errors: dict[str, str] = {}
    label = label.strip()
    if not label:
        errors["label"] = _("Say who the link is for.")
    elif len(label) > 200:
        errors["label"] = _("Keep this under 200 characters.")
    if expires_at <= now:
        errors["expires_at"] = _("The expiry must be in the future.")
    elif expires_at > now + datetime.timedelta(days=MAX_DAYS):
        errors["expires_at"] = _("A share link can last at most 90 days.")
    if not invitations:
        errors["invitations"] = _("Choose at least one candidate.")
    elif any(
        i.interview_id != interview.pk or i.organisation_id != interview.organisation_id
        for i in invitations
    ):
        errors["invitations"] = _("Choose candidates of this interview.")
    if errors:
        raise ValidationError(errors)
    token, token_hash = new_token()
    link = ShareLink.objects.create(
        organisation_id=interview.organisation_id,
        interview=interview,
        token_hash=token_hash,
        label=label,
        allow_rating=allow_rating,
        created_by=actor,
        created_at=now,
        expires_at=expires_at,
    )
    link.invitations.set(invitations)
    log_action(
        "share.created",
        organisation=interview.organisation,
        actor=actor,
        obj=link,
        interview_id=interview.pk,
        data={
            "label": label,
            "invitation_ids": sorted(i.pk for i in invitations),
            "expires_at": expires_at.isoformat(),
            "allow_rating": allow_rating,
        },
        request=request,
    )
    return link, token


@transaction.atomic
def share_link_revoke(*, link: ShareLink, actor: User, request: HttpRequest | None = None) -> None:
    if link.revoked_at is not None:
        return
    link.revoked_at = timezone.now()
    link.revoked_by = actor
    link.save(update_fields=["revoked_at", "revoked_by"])
    log_action(
        "share.revoked",
        organisation=link.organisation,
        actor=actor,
        obj=link,
        interview_id=link.interview_id,
        request=request,
    )


def share_link_record_view(
    *,
    link: ShareLink,
    request: HttpRequest | None = None,
    invitation: Invitation | None = None,
    what: str = "page",
) -> None:
    """Every view through a share link is written to the audit log."""
    ShareLink.objects.filter(pk=link.pk).update(
        view_count=F("view_count") + 1, last_viewed_at=timezone.now()
    )
    log_action(
        "share.viewed",
        organisation=link.organisation,
        actor_label=f"share:{link.pk}",
        obj=link,
        interview_id=link.interview_id,
        invitation_id=invitation.pk if invitation else None,
        data={"what": what, "label": link.label},
        request=request,
    )
