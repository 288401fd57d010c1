"""One Playwright driver for the whole test session.

Playwright's sync API refuses to start while another sync instance is running in the
same thread, so every browser test (tests/e2e, tests/live, tests/media, ...) shares this
session-scoped instance instead of opening its own.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Playwright, sync_playwright

CHROMIUM = os.environ.get("ONEWAY_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as p:
        yield p
