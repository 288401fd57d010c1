"""The organisation's logo and accent stylesheet, for candidates' pages and emails.

Both are public and cached for a year: a logo is not personal data, and its URL carries
the random part of its stored name, so it can only be found from a page or email that
shows it (and a new upload gets a new URL). The accent stylesheet's URL is the colour
itself, so a changed colour is a new URL too. A link in an email read weeks later must
still show the logo, which a short-lived signed storage URL would not; these views read
from the same storage (local folder or S3) as every other media file.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from oneway.core import branding
from oneway.core.models import Organisation
from oneway.media.storage import media_storage

YEAR = 365 * 24 * 3600
CACHE_FOREVER = f"public, max-age={YEAR}, immutable"
# Part of the stylesheet's URL: bumped when its content changes, so cached copies go unused.
ACCENT_CSS_VERSION = "1"


@require_safe
def logo(request: HttpRequest, organisation_id: int, key: str) -> HttpResponse:
    name = Organisation.objects.filter(pk=organisation_id).values_list("logo", flat=True).first()
    if not name or branding.logo_key(name) != key:
        raise Http404
    try:
        # A logo is small (at most 400 x 120 pixels): read at once, from disk or S3.
        with media_storage().open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = CACHE_FOREVER
    return response


@require_safe
def accent_css(request: HttpRequest, colour: str) -> HttpResponse:
    accent = "#" + colour
    if accent != accent.lower() or not branding.accent_is_usable(accent):
        raise Http404
    response = HttpResponse(f":root {{ --accent: {accent}; }}\n", content_type="text/css")
    response["Cache-Control"] = CACHE_FOREVER
    return response
