"""Download and delete from the candidate's own page, in Chromium."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from candidate_data import database_hits, populate_candidate, storage_hits
from conftest import assert_accessible
from playwright.sync_api import Page, expect

from oneway.accounts.models import User
from oneway.core.models import Invitation, Organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def local_storage(settings: Any, tmp_path: Path) -> None:
    settings.UPLOAD_TEMP_DIR = tmp_path / "incoming"
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/m/"},
        },
    }


def test_candidate_downloads_then_deletes_their_data(
    live_server: Any, page: Page, org: Organisation, admin_user: User, tmp_path: Path
) -> None:
    populated = populate_candidate(org, admin_user)
    page.goto(f"{live_server.url}/c/{populated.token}/")
    page.get_by_role("link", name="Your data: status, download, delete").click()
    expect(page.get_by_role("heading", name="Your application and your data")).to_be_visible()
    expect(page.locator("#application-status")).to_have_text(
        "Submitted: the team has your answers."
    )
    assert_accessible(page)

    page.get_by_role("button", name="Prepare a new file").click()
    link = page.get_by_role("link", name="Download your data (ZIP)")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    saved = tmp_path / "my-data.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "README.txt" in archive.namelist()
        assert archive.read("answers/question-01.mp4") == populated.media

    page.get_by_role("link", name="Delete my data…").click()
    expect(
        page.get_by_text("Your application is withdrawn. This cannot be undone.")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("I understand: delete my data and withdraw my application.").check()
    page.get_by_role("button", name="Delete my data now").click()
    expect(page.get_by_role("heading", name="Your data has been deleted")).to_be_visible()

    assert Invitation.objects.get(pk=populated.invitation.pk).status == "erased"
    assert database_hits(populated.markers) == []
    assert storage_hits(populated.markers) == []
    page.goto(f"{live_server.url}/c/{populated.token}/")
    expect(page.get_by_role("heading", name="We do not recognise this link")).to_be_visible()
