"""Short-lived signed media URLs (contract C).

A URL names one item and one variant, carries an expiry, and is bound to the user it was
issued to: the serving view refuses it to anyone else, once expired, or when tampered
with, and checks again that the user belongs to the item's organisation. Every URL issued
is written to the audit log (``media.url_issued``); every play, reported by the player to
``media_play_url(item)``, too (``media.played``).

Thumbnails (the small poster in candidate lists) are the exception to both: their URL,
from ``thumbnail_url``, stays the same for a user and an item for a whole hour so that
the browser's cache can keep the image (the serving view sends ``max-age`` up to the
URL's expiry), and issuing one is not audited: a list page would otherwise write one entry
per row on every view, for a still frame of candidates the same page already names to
the same viewer. Serving asks the gate again each time (assignment, membership, blind
mode), and watching an answer stays audited (``media.url_issued``, ``media.played``).

Without a user (a share link's viewer, a candidate downloading their own answer) a URL can
be issued to an ``actor_label``: it is then a bearer URL, valid for its few minutes only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from oneway.core.audit import log_action
from oneway.media.models import MediaItem

VARIANTS = ("rendition", "poster", "captions", "original", "thumbnail")
SALT = "oneway.media.url"
PLAY_SALT = "oneway.media.play"
THUMBNAIL_SALT = "oneway.media.thumbnail"
# A thumbnail URL is the same within one window, and valid one to two windows.
THUMBNAIL_WINDOW = 3600


def url_seconds() -> int:
    return int(getattr(settings, "MEDIA_URL_SECONDS", 300))


class BadMediaToken(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class MediaClaims:
    item_id: int
    variant: str
    user_id: int | None
    actor_label: str
    expires: int
    download: bool

    @property
    def seconds_left(self) -> int:
        return max(0, self.expires - int(time.time()))


def media_url(
    *,
    item: MediaItem,
    user: Any,
    variant: str,
    request: HttpRequest | None = None,
    download: bool = False,
    actor_label: str = "",
    seconds: int | None = None,
) -> str:
    """A signed URL (path and query) for one variant of ``item``, valid a few minutes
    (``settings.MEDIA_URL_SECONDS``) and only for ``user``."""
    if variant not in VARIANTS or variant == "thumbnail":
        raise ValueError(f"variant must be one of {VARIANTS[:-1]}, not {variant!r}")
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
    if user_id is None and not actor_label:
        raise ValueError("a media URL is bound to a user, or issued to an actor_label")
    expires = int(time.time()) + (seconds or url_seconds())
    token = signing.dumps(
        {
            "i": item.pk,
            "v": variant,
            "u": user_id,
            "a": actor_label if user_id is None else "",
            "e": expires,
            "d": int(download),
        },
        salt=SALT,
    )
    log_action(
        "media.url_issued",
        organisation=item.organisation,
        actor=user if user_id is not None else None,
        actor_label=actor_label,
        obj=item,
        data={"variant": variant, "expires": expires, "download": download},
        request=request,
    )
    return reverse("media:serve", args=[item.pk, variant]) + "?" + urlencode({"t": token})


def thumbnail_url(*, item_id: int, user: Any, now: float | None = None) -> str:
    """The signed URL of an item's thumbnail for ``user``: the same for the whole hour
    (``THUMBNAIL_WINDOW``), valid until the end of the next one. Not audited (see above)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise ValueError("a thumbnail URL is bound to a signed-in user")
    window = int(now if now is not None else time.time()) // THUMBNAIL_WINDOW
    expires = (window + 2) * THUMBNAIL_WINDOW
    # A plain Signer (no timestamp): the same claims give the same token.
    token = signing.Signer(salt=THUMBNAIL_SALT).sign_object(
        {"i": item_id, "v": "thumbnail", "u": user.pk, "e": expires}
    )
    return reverse("media:serve", args=[item_id, "thumbnail"]) + "?" + urlencode({"t": token})


def read_token(token: str, *, item_id: int, variant: str) -> MediaClaims:
    """Check a URL's token against the URL it came in on; raise ``BadMediaToken``."""
    try:
        if variant == "thumbnail":
            data = signing.Signer(salt=THUMBNAIL_SALT).unsign_object(token)
        else:
            data = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise BadMediaToken(403, _("This media link is not valid.")) from exc
    claims = MediaClaims(
        item_id=int(data["i"]),
        variant=str(data["v"]),
        user_id=data.get("u"),
        actor_label=str(data.get("a") or ""),
        expires=int(data["e"]),
        download=bool(data.get("d")),
    )
    if claims.item_id != item_id or claims.variant != variant:
        raise BadMediaToken(403, _("This media link is not valid."))
    if claims.expires < time.time():
        raise BadMediaToken(410, _("This media link has expired. Reload the page for a new one."))
    return claims


def media_play_url(item: MediaItem, *, user: Any = None, actor_label: str = "") -> str:
    """Where the player POSTs when playback starts, so that every play is audited.

    Signed-in members of the item's organisation need nothing more; a viewer without an
    account (``actor_label``, e.g. "share:12") gets a signed token in the URL.
    """
    url = reverse("media:played", args=[item.pk])
    if user is None and actor_label:
        token = signing.dumps(
            {"i": item.pk, "a": actor_label, "e": int(time.time()) + 6 * 3600}, salt=PLAY_SALT
        )
        url += "?" + urlencode({"t": token})
    return url


def read_play_token(token: str, *, item_id: int) -> str:
    """The actor label of a valid play token for ``item_id``; raise ``BadMediaToken``."""
    try:
        data = signing.loads(token, salt=PLAY_SALT)
    except signing.BadSignature as exc:
        raise BadMediaToken(403, _("Not allowed.")) from exc
    if int(data.get("i", 0)) != item_id or int(data.get("e", 0)) < time.time():
        raise BadMediaToken(403, _("Not allowed."))
    return str(data.get("a") or "")
