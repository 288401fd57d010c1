"""How review pages reach an answer's media (contract C): short-lived signed URLs bound to
the signed-in reviewer, each written to the audit log by the media app, and a play report
URL so that every play is audited too."""

from django.http import HttpRequest, HttpResponseBase

from oneway.accounts.models import User
from oneway.media.models import MediaItem
from oneway.media.serving import serve_media_item
from oneway.media.signing import media_play_url, media_url


def signed_url(*, item: MediaItem, user: User, variant: str, request: HttpRequest | None) -> str:
    return media_url(item=item, user=user, variant=variant, request=request)


def play_url(item: MediaItem, *, actor_label: str = "") -> str:
    return media_play_url(item, actor_label=actor_label)


def serve(request: HttpRequest, item: MediaItem, variant: str) -> HttpResponseBase:
    """Send a variant to a viewer the caller has already authorised (share links)."""
    return serve_media_item(request, item, variant)
