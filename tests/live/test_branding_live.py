"""The live interview's candidate page carries the organisation's logo and accent too."""

import io
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse
from PIL import Image

from oneway.core.models import Organisation
from oneway.core.services.branding import organisation_branding_update
from oneway.live.models import LiveInterview

from .helpers import candidate_token


def test_the_live_candidate_page_shows_the_logo_and_the_accent(
    settings: Any,
    tmp_path: Any,
    org: Organisation,
    owner: Any,
    make_live: Callable[..., LiveInterview],
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/m/"},
        },
    }
    out = io.BytesIO()
    Image.new("RGB", (200, 100), (10, 80, 40)).save(out, format="PNG")
    out.seek(0)
    organisation_branding_update(
        organisation=org, actor=owner, accent_colour="#0f5132", logo=out, logo_size=9
    )
    live = make_live()
    html = Client().get(reverse("live:candidate", args=[candidate_token(live)])).content.decode()
    assert f'src="/c/brand/{org.pk}/logo-' in html
    assert 'alt="Acme Hiring"' in html
    assert 'href="/c/brand/v1/accent-0f5132.css"' in html
