"""URLs and colours of an organisation's branding, for candidate pages and emails."""

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse

from oneway.core import branding
from oneway.core.models import Organisation

register = template.Library()


@register.filter
def brand_logo_url(organisation: Organisation | None) -> str:
    """The logo's public path, or "" without a logo."""
    key = branding.logo_key(organisation.logo) if organisation else ""
    if not organisation or not key:
        return ""
    return reverse("candidate:brand_logo", kwargs={"organisation_id": organisation.pk, "key": key})


@register.filter
def brand_logo_absolute_url(organisation: Organisation | None) -> str:
    """The logo's URL for emails (absolute), or ""."""
    path = brand_logo_url(organisation)
    return settings.BASE_URL.rstrip("/") + path if path else ""


@register.filter
def brand_css_url(organisation: Organisation | None) -> str:
    """The accent stylesheet's path, or "" when the organisation keeps Oneway's colour."""
    if not organisation or not organisation.accent_colour:
        return ""
    return reverse("candidate:brand_css", kwargs={"colour": organisation.accent_colour[1:]})


@register.filter
def brand_accent(organisation: Organisation | None) -> str:
    """The accent colour (for emails' inline styles): the organisation's or Oneway's."""
    if organisation and organisation.accent_colour:
        return organisation.accent_colour
    return branding.DEFAULT_ACCENT


@register.simple_tag(takes_context=True)
def brand_organisation(context: Any) -> Organisation | None:
    """The organisation an email or page speaks for, from what its context holds."""
    for name in ("brand_org", "organisation"):
        value = context.get(name)
        if isinstance(value, Organisation):
            return value
    for name in ("invitation", "live", "interview"):
        value = getattr(context.get(name), "organisation", None)
        if isinstance(value, Organisation):
            return value
    return None


@register.filter
def brand_logo_email_size(organisation: Organisation | None) -> dict[str, int]:
    """Width and height to show the logo at in emails: within 200 x 60 (the stored file
    has twice that, for sharp high-density screens). Email clients go by these attributes."""
    if not organisation or not organisation.logo_width or not organisation.logo_height:
        return {"width": 0, "height": 0}
    scale = min(1.0, 200 / organisation.logo_width, 60 / organisation.logo_height)
    return {
        "width": max(1, round(organisation.logo_width * scale)),
        "height": max(1, round(organisation.logo_height * scale)),
    }
