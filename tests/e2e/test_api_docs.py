"""The interactive API docs work from our own static files under a strict CSP."""

from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.e2e

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"


def test_the_api_docs_render_under_a_strict_csp(live_server: Any, page: Page) -> None:
    def with_csp(route: Route) -> None:
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": CSP}
        )

    requested: list[str] = []
    violations: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.route("**/api/v1/docs", with_csp)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_text("List invitations (candidates)")).to_be_visible()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    assert all(url.startswith(live_server.url) for url in requested), requested
    assert not [v for v in violations if "script" in v], violations
