"""Organisation branding: the contrast check, the logo's checks and re-encoding, the service."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from oneway.core import branding
from oneway.core.models import AuditEntry, Organisation
from oneway.core.services.branding import organisation_branding_update
from oneway.media.storage import media_storage


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (800, 400), mode: str = "RGBA", **save: Any
) -> bytes:
    image = Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30))
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def animated_bytes(fmt: str) -> bytes:
    frames = [Image.new("RGB", (40, 40), colour) for colour in ("red", "blue", "green")]
    out = io.BytesIO()
    frames[0].save(out, format=fmt, save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


@pytest.fixture(autouse=True)
def local_media(settings: Any, tmp_path: Path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/m/"},
        },
    }
    return tmp_path / "media"


# --- Contrast ------------------------------------------------------------------------------


def test_contrast_ratio_matches_the_wcag_reference_values() -> None:
    assert branding.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert branding.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # #767676 is the lightest grey that passes AA on white (4.54:1); #777777 fails (4.48:1).
    assert branding.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert branding.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert branding.contrast_ratio("#ffffff", "#767676") == branding.contrast_ratio(
        "#767676", "#ffffff"
    )


def test_a_dark_accent_passes_and_oneways_own_blue_passes() -> None:
    assert branding.accent_errors("#1d3557") == []
    assert branding.accent_errors(branding.DEFAULT_ACCENT) == []


def test_an_accent_failing_on_the_page_background_is_refused_with_both_ratios() -> None:
    # 4.54:1 with white button text, but only 4.24:1 as link text on the page background.
    [message] = branding.accent_errors("#767676")
    assert "4.23:1" in message or "4.24:1" in message
    assert "4.54:1" in message
    assert "4.5:1" in message


def test_a_light_accent_is_refused() -> None:
    [message] = branding.accent_errors("#ffcc00")
    assert "WCAG AA" in message


def test_a_malformed_colour_is_refused() -> None:
    assert branding.accent_errors("blue")
    assert branding.accent_errors("#12345")
    assert branding.normalise_colour(" 0B5CAD ") == "#0b5cad"


# --- Logo checks ---------------------------------------------------------------------------


def prepare(data: bytes) -> branding.Logo:
    return branding.logo_prepare(io.BytesIO(data), size=len(data))


def refusal(data: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        prepare(data)
    return caught.value


def test_a_png_logo_is_shrunk_to_fit_and_keeps_its_aspect_and_transparency() -> None:
    logo = prepare(image_bytes("PNG", (800, 400)))
    assert (logo.width, logo.height) == (240, 120)
    decoded = Image.open(io.BytesIO(logo.png))
    assert decoded.format == "PNG"
    assert decoded.size == (240, 120)
    assert decoded.mode == "RGBA"


def test_a_small_logo_is_not_enlarged() -> None:
    logo = prepare(image_bytes("WEBP", (100, 50), mode="RGB"))
    assert (logo.width, logo.height) == (100, 50)


def test_a_jpeg_logo_loses_its_metadata_and_is_turned_upright() -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to display
    data = image_bytes("JPEG", (300, 100), mode="RGB", exif=exif.tobytes(), comment=b"hidden")
    assert b"SecretCam" in data
    logo = prepare(data)
    assert b"SecretCam" not in logo.png and b"hidden" not in logo.png
    decoded = Image.open(io.BytesIO(logo.png))
    assert not decoded.getexif()
    assert (logo.width, logo.height) == (40, 120)  # upright: 100 x 300, fitted to 120 high


def test_a_file_that_is_not_an_image_is_refused() -> None:
    error = refusal(b"%PDF-1.4 not an image at all")
    assert error.code == "not_an_image"
    assert "not a PNG, JPEG or WebP image" in error.messages[0]


def test_a_truncated_image_is_refused() -> None:
    data = image_bytes("PNG", (400, 400), mode="RGB")
    assert refusal(data[: len(data) // 2]).code == "not_an_image"


def test_another_image_format_is_refused() -> None:
    assert refusal(image_bytes("BMP", (40, 40), mode="RGB")).code == "not_an_image"


def test_a_file_over_two_megabytes_is_refused_before_decoding() -> None:
    data = b"\x89PNG" + b"\0" * (2 * 1024 * 1024)
    error = refusal(data)
    assert error.code == "too_large"
    assert "2 MB" in error.messages[0]


def test_an_image_with_too_many_pixels_is_refused() -> None:
    error = refusal(image_bytes("PNG", (9000, 10), mode="RGB"))
    assert error.code == "too_many_pixels"
    assert "9000 x 10" in error.messages[0]


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_an_animated_image_is_refused(fmt: str) -> None:
    data = animated_bytes(fmt)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 3  # really animated
    error = refusal(data)
    assert error.code == "animated"
    assert "Animated images are not accepted" in error.messages[0]


# --- The service ---------------------------------------------------------------------------


def test_the_service_stores_the_logo_and_colour_and_writes_the_audit(
    org: Organisation, owner: Any, local_media: Path
) -> None:
    data = image_bytes("PNG", (800, 400))
    organisation_branding_update(
        organisation=org,
        actor=owner,
        accent_colour="#1D3557",
        logo=io.BytesIO(data),
        logo_size=len(data),
    )
    org.refresh_from_db()
    assert org.accent_colour == "#1d3557"
    assert org.logo.startswith(f"branding/{org.pk}/logo-") and org.logo.endswith(".png")
    assert len(branding.logo_key(org.logo)) >= 20
    assert (org.logo_width, org.logo_height) == (240, 120)
    with media_storage().open(org.logo, "rb") as handle:
        assert Image.open(handle).size == (240, 120)
    entry = AuditEntry.objects.get(action="organisation.branding_changed")
    assert entry.organisation_id == org.pk
    assert entry.data == {"accent_colour": "#1d3557", "logo": "added"}


def test_a_new_logo_gets_a_new_name_and_the_old_file_goes(
    org: Organisation, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    data = image_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        organisation_branding_update(
            organisation=org, actor=owner, accent_colour="", logo=io.BytesIO(data), logo_size=9
        )
    first = org.logo
    with django_capture_on_commit_callbacks(execute=True):
        organisation_branding_update(
            organisation=org, actor=owner, accent_colour="", logo=io.BytesIO(data), logo_size=9
        )
    assert org.logo != first
    assert media_storage().exists(org.logo)
    assert not media_storage().exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        organisation_branding_update(
            organisation=org, actor=owner, accent_colour="", remove_logo=True
        )
    org.refresh_from_db()
    assert (org.logo, org.logo_width, org.logo_height) == ("", 0, 0)
    assert media_storage().listdir(f"branding/{org.pk}")[1] == []
    changes = AuditEntry.objects.filter(action="organisation.branding_changed")
    assert [e.data["logo"] for e in changes.order_by("pk")] == ["added", "replaced", "removed"]


def test_nothing_changes_when_any_part_is_refused(
    org: Organisation, owner: Any, local_media: Path
) -> None:
    with pytest.raises(ValidationError) as caught:
        organisation_branding_update(
            organisation=org,
            actor=owner,
            accent_colour="#ffcc00",
            logo=io.BytesIO(b"nope"),
            logo_size=4,
        )
    assert set(caught.value.message_dict) == {"accent_colour", "logo"}
    org.refresh_from_db()
    assert (org.accent_colour, org.logo) == ("", "")
    assert not (local_media / "branding").exists()
    assert not AuditEntry.objects.filter(action="organisation.branding_changed").exists()
