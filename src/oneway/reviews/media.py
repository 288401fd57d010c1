"""How review pages reach an answer's media: signed, short-lived URLs from the media app
(contract C), bound to the signed-in reviewer and written to the audit log there."""

from typing import Any

from django.http import HttpRequest

from oneway.accounts.models import User
from oneway.media.models import MediaItem


def signed_url(*, item: MediaItem, user: User, variant: str, request: HttpRequest | None) -> str:
    from oneway.media.signing import media_url

    return media_url(item=item, user=user, variant=variant, request=request)


def play_url(item: MediaItem) -> str:
    """The endpoint the player pings on play so that every play is audited."""
    from oneway.media import signing

    fn: Any = getattr(signing, "media_play_url", None)
    return fn(item) if fn is not None else ""
