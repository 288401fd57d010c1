"""An organisation's face on candidate pages and emails: its logo and accent colour.

The accent is checked against WCAG 2.x contrast (success criterion 1.4.3, AA: 4.5:1 for
text) wherever candidate pages use it: white text on an accent button, and accent text
(links, outlined buttons) on the page background and on white cards.

A logo is decoded (so only a real PNG, JPEG or WebP image passes, never an animated one),
shrunk to fit the header and re-encoded as PNG, which drops every piece of metadata the
upload carried (camera, location, editing history).
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# The colours candidate pages put the accent with (oneway.css: --accent-ink, --bg, --card).
ACCENT_INK = "#ffffff"
PAGE_BACKGROUND = "#f6f7f9"
DEFAULT_ACCENT = "#0b5cad"
AA_TEXT_CONTRAST = 4.5
COLOUR = re.compile(r"^#[0-9a-f]{6}$")

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 8000
LOGO_MAX_PIXELS = 24_000_000
# The box a logo is shrunk to fit (never enlarged), keeping its aspect ratio.
LOGO_BOX = (400, 120)
LOGO_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}


def normalise_colour(value: str) -> str:
    """``#0B5CAD`` or ``0b5cad`` -> ``#0b5cad``; other text is returned stripped."""
    text = value.strip().lower()
    if re.fullmatch(r"[0-9a-f]{6}", text):
        text = "#" + text
    return text


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB ``#rrggbb`` colour (0 black .. 1 white)."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        # The sRGB transfer function, with the 0.03928 threshold WCAG 2.x states.
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), the lighter colour's luminance on top: 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)))[::-1]
    return (lighter + 0.05) / (darker + 0.05)


def accent_errors(colour: str) -> list[str]:
    """Why ``colour`` (``#rrggbb``) cannot be the accent; empty when it can."""
    if not COLOUR.match(colour):
        return [_("Enter a colour as # and six hexadecimal digits, for example #0b5cad.")]
    on_button = contrast_ratio(colour, ACCENT_INK)
    on_page = contrast_ratio(colour, PAGE_BACKGROUND)
    # The page background is darker than white, so it is the tighter of the two for any
    # accent darker than it; both are named so the message explains itself.
    if min(on_button, on_page) >= AA_TEXT_CONTRAST:
        return []
    return [
        _(
            "This colour has a contrast ratio of %(page)s:1 as link text on the page "
            "background and %(button)s:1 behind the white text of buttons; WCAG AA needs at "
            "least %(needed)s:1 for both. Choose a darker colour."
        )
        % {"page": _ratio(on_page), "button": _ratio(on_button), "needed": AA_TEXT_CONTRAST}
    ]


def _ratio(value: float) -> str:
    # Rounded down, so a colour at 4.49:1 never reads as passing 4.5:1.
    return f"{int(value * 100) / 100:.2f}"


def accent_is_usable(colour: str) -> bool:
    return not accent_errors(colour)


@dataclass(frozen=True)
class Logo:
    png: bytes
    width: int
    height: int


def logo_prepare(upload: IO[bytes], *, size: int) -> Logo:
    """Decode, check, shrink and re-encode an uploaded logo; ValidationError says why not."""
    if size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo file is %(size)s MB; the largest accepted is %(limit)s MB.")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": LOGO_MAX_BYTES // 1024 // 1024},
            code="too_large",
        )
    data = upload.read(LOGO_MAX_BYTES + 1)
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(_("The logo file is larger than 2 MB."), code="too_large")
    not_an_image = ValidationError(
        _("This file is not a PNG, JPEG or WebP image."), code="not_an_image"
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns of a "decompression bomb" and decodes anyway: refuse instead.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in LOGO_FORMATS:
                if getattr(image, "is_animated", False):
                    raise _animated()
                raise not_an_image
            if getattr(image, "is_animated", False) or getattr(image, "n_frames", 1) > 1:
                raise _animated()
            width, height = image.size
            if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE or width * height > LOGO_MAX_PIXELS:
                raise ValidationError(
                    _(
                        "The logo is %(width)s x %(height)s pixels; the largest accepted is "
                        "%(side)s pixels on a side and %(megapixels)s megapixels."
                    )
                    % {
                        "width": width,
                        "height": height,
                        "side": LOGO_MAX_SIDE,
                        "megapixels": LOGO_MAX_PIXELS // 1_000_000,
                    },
                    code="too_many_pixels",
                )
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise not_an_image from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Truncated or corrupt image data.
        raise not_an_image from None
    return _reencode(image)


def _animated() -> ValidationError:
    return ValidationError(
        _("Animated images are not accepted as a logo: upload a still PNG, JPEG or WebP image."),
        code="animated",
    )


def _reencode(image: Image.Image) -> Logo:
    image = ImageOps.exif_transpose(image)
    icc = image.info.get("icc_profile")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else "RGB")
    if icc:
        image = _to_srgb(image, icc)
    image.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh PNG carries no EXIF, XMP, text chunks or colour profile from the upload.
    image.save(out, format="PNG", optimize=True)
    return Logo(png=out.getvalue(), width=image.width, height=image.height)


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Pixels converted from the upload's colour profile to sRGB (what browsers assume)."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image


def logo_storage_name(organisation_id: int) -> str:
    """A new, unguessable name: the public URL of a logo is as hard to guess as a token."""
    return f"branding/{organisation_id}/logo-{secrets.token_urlsafe(16)}.png"


def logo_key(name: str) -> str:
    """The random part of a stored logo's name (the part its URL carries)."""
    match = re.fullmatch(r"branding/\d+/logo-([A-Za-z0-9_-]+)\.png", name)
    return match.group(1) if match else ""
