"""What candidate lists show beside each name: a thumbnail of the candidate's first video
answer (its poster, small), and how long they took.

One query for a whole list, whatever its length. In blind mode no thumbnail is looked up
or linked for a hidden candidate (a face identifies): the list shows the alias's
placeholder instead, as it does for candidates who answered by audio or text only.
Thumbnail URLs come from ``media.signing.thumbnail_url``: stable for an hour, so the
browser keeps the images, and not audited one by one (see there why).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from oneway.access import Identity, Viewer
from oneway.core.models import Answer, Invitation
from oneway.media.models import MediaKind, ProcessingState
from oneway.media.signing import thumbnail_url


@dataclass(frozen=True)
class Thumbnail:
    url: str  # "" for a placeholder
    placeholder: str  # "blind" (the alias's), "none" (no video answer), "" with an image
    initials: str  # shown on the alias's placeholder: from the alias, never the name


def first_video_items(invitation_ids: Iterable[int]) -> dict[int, int]:
    """Per invitation, the media item of its first submitted video answer (by question
    position) that has a thumbnail: one query."""
    ids = list(invitation_ids)
    if not ids:
        return {}
    found: dict[int, int] = {}
    rows = (
        Answer.objects.filter(
            invitation_id__in=ids,
            is_practice=False,
            submitted_at__isnull=False,
            submitted_take__media__kind=MediaKind.VIDEO,
            submitted_take__media__state=ProcessingState.READY,
        )
        .exclude(submitted_take__media__thumbnail_name="")
        .order_by("invitation_id", "question__position", "pk")
        .values_list("invitation_id", "submitted_take__media_id")
    )
    for invitation_id, item_id in rows:
        found.setdefault(invitation_id, item_id)
    return found


def list_thumbnails(
    viewer: Viewer, invitations: Iterable[Invitation], identities: dict[int, Identity]
) -> dict[int, Thumbnail]:
    """The thumbnail (or placeholder) of each candidate of a list, as this viewer may see
    it. ``identities`` from ``access.candidate_identities`` for the same candidates."""
    rows = list(invitations)
    shown = [i.pk for i in rows if not identities[i.pk].hidden]
    items = first_video_items(shown)
    result = {}
    for invitation in rows:
        identity = identities[invitation.pk]
        if identity.hidden:
            code = identity.name.split()[-1] if identity.name else ""
            result[invitation.pk] = Thumbnail("", "blind", code[:2])
        elif invitation.pk in items:
            url = thumbnail_url(item_id=items[invitation.pk], user=viewer.user)
            result[invitation.pk] = Thumbnail(url, "", "")
        else:
            result[invitation.pk] = Thumbnail("", "none", "")
    return result


def time_taken(invitation: Invitation) -> datetime.timedelta | None:
    """From starting (or, before starting was recorded, opening the link) to submitting;
    None until submitted. A difference of two instants: no time zone is involved."""
    began = invitation.started_at or invitation.opened_at
    if invitation.completed_at is None or began is None:
        return None
    return max(invitation.completed_at - began, datetime.timedelta(0))


def duration_text(duration: datetime.timedelta | None) -> str:
    """ "under a minute", "42 min", "1 h 05 min", "3 days 4 h"."""
    if duration is None:
        return ""
    minutes = int(duration.total_seconds() // 60)
    if minutes < 1:
        return _("under a minute")
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return ngettext("%(d)d day %(h)d h", "%(d)d days %(h)d h", days) % {"d": days, "h": hours}
