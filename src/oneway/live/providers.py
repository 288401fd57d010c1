"""Meeting links: which tool a URL belongs to, and which URLs we accept at all.

We do not build video-call software; a live interview points at the meeting tool the team
already uses. The provider is recognised from the host name so the format card can say
"you will meet ... on Zoom" and candidates know which app to have ready.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingProvider(models.TextChoices):
    ZOOM = "zoom", "Zoom"
    TEAMS = "teams", "Microsoft Teams"
    GOOGLE_MEET = "google_meet", "Google Meet"
    JITSI = "jitsi", "Jitsi Meet"
    WEBEX = "webex", "Webex"
    WHEREBY = "whereby", "Whereby"
    OTHER = "other", _("Other")


# (host suffix, provider); a host matches itself or any subdomain of a suffix.
_HOSTS: tuple[tuple[str, MeetingProvider], ...] = (
    ("zoom.us", MeetingProvider.ZOOM),
    ("zoom.com", MeetingProvider.ZOOM),
    ("zoomgov.com", MeetingProvider.ZOOM),
    ("teams.microsoft.com", MeetingProvider.TEAMS),
    ("teams.live.com", MeetingProvider.TEAMS),
    ("teams.microsoft.us", MeetingProvider.TEAMS),
    ("meet.google.com", MeetingProvider.GOOGLE_MEET),
    ("meet.jit.si", MeetingProvider.JITSI),
    ("8x8.vc", MeetingProvider.JITSI),
    ("webex.com", MeetingProvider.WEBEX),
    ("whereby.com", MeetingProvider.WHEREBY),
)

_url_validator = URLValidator(schemes=["http", "https"])


def validate_meeting_url(value: str) -> None:
    """Refuse anything that is not a plain http(s) URL (javascript:, data:, ftp:, ...)."""
    value = (value or "").strip()
    scheme = urlsplit(value).scheme.lower()
    if scheme not in ("http", "https"):
        raise ValidationError(
            _("Enter the meeting link starting with https:// (or http://)."),
            code="meeting_url_scheme",
        )
    try:
        _url_validator(value)
    except ValidationError as exc:
        raise ValidationError(
            _("This is not a valid web address for a meeting."), code="meeting_url_invalid"
        ) from exc
    parts = urlsplit(value)
    if parts.username or parts.password:
        raise ValidationError(
            _("Remove the user name or password from the meeting link."),
            code="meeting_url_credentials",
        )


def recognise_provider(url: str) -> MeetingProvider:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    for suffix, provider in _HOSTS:
        if host == suffix or host.endswith("." + suffix):
            return provider
    # Self-hosted Jitsi instances usually carry the name in the host (jitsi.example.org).
    if host.startswith("jitsi.") or ".jitsi." in host:
        return MeetingProvider.JITSI
    return MeetingProvider.OTHER


def provider_display(url: str, provider: str) -> str:
    """The name the candidate reads: "Zoom", or the host of an unknown tool."""
    if provider and provider != MeetingProvider.OTHER:
        return str(MeetingProvider(provider).label)
    host = (urlsplit(url).hostname or "").lower()
    return host or str(_("an online meeting"))
