"""A branded landing page in a real browser: the logo shows, the accent colours the buttons
and links (through the organisation's stylesheet, within the Content-Security-Policy), and
axe-core finds nothing serious. A screenshot goes to the test run's artefacts."""

import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page

from oneway.core.models import Organisation
from oneway.core.services.branding import organisation_branding_update

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ACCENT = "#0f5132"
ACCENT_RGB = "rgb(15, 81, 50)"


def artefacts_dir(tmp_path: Path) -> Path:
    """Where screenshots go: ONEWAY_E2E_ARTEFACTS, else the repository's ignored var/."""
    default = Path(__file__).resolve().parents[2] / "var" / "e2e-artefacts"
    directory = Path(os.environ.get("ONEWAY_E2E_ARTEFACTS", default))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(autouse=True)
def local_media(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/m/"},
        },
    }


def logo_png() -> bytes:
    image = Image.new("RGBA", (900, 300), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((10, 10, 290, 290), radius=40, fill=(15, 81, 50, 255))
    draw.rectangle((330, 110, 880, 190), fill=(27, 31, 36, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_branded_landing_page_shows_the_logo_and_the_accent(
    live_server: Any,
    page: Page,
    org: Organisation,
    owner: Any,
    make_candidate: Any,
    axe_check: Any,
    tmp_path: Path,
) -> None:
    data = logo_png()
    organisation_branding_update(
        organisation=org, actor=owner, accent_colour=ACCENT, logo=io.BytesIO(data), logo_size=9
    )
    link = make_candidate(questions=["video"])
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(live_server.url + link.path)
    page.wait_for_url("**/c/")

    logo = page.get_by_role("img", name="Acme Hiring")
    assert logo.is_visible()
    natural = logo.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
    assert natural == [True, 360, 120]
    box = logo.bounding_box()
    assert box is not None and 0 < box["height"] <= 48 + 0.5  # 3rem in the header

    accent = page.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
    )
    assert accent == ACCENT
    button = page.get_by_role("button", name="Agree and start")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == ACCENT_RGB
    assert button.evaluate("b => getComputedStyle(b).color") == "rgb(255, 255, 255)"
    data_link = page.get_by_role("link", name="Your data")
    assert data_link.evaluate("a => getComputedStyle(a).color") == ACCENT_RGB
    assert refused == []

    axe_check(page)
    page.screenshot(path=str(artefacts_dir(tmp_path) / "branded-landing.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert logo.is_visible()
    page.screenshot(path=str(artefacts_dir(tmp_path) / "branded-landing-phone.png"))
