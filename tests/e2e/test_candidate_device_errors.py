"""Each camera and microphone failure gets its plain-language fix on the device check."""

import pytest

from oneway.candidate import rules

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REJECT = """
  navigator.mediaDevices.getUserMedia = () =>
    Promise.reject(new DOMException("refused in a test", "%s"));
"""
CASES = {
    "NotAllowedError": (REJECT % "NotAllowedError", "choose Allow"),
    "NotFoundError": (REJECT % "NotFoundError", "No camera or microphone was found"),
    "NotReadableError": (REJECT % "NotReadableError", "another app or browser tab is using it"),
    "OverconstrainedError": (REJECT % "OverconstrainedError", "cannot be used as asked"),
    "timeout": (
        "navigator.mediaDevices.getUserMedia = () => new Promise(() => {});",
        "still waiting for your permission",
    ),
    "no MediaRecorder": ("delete window.MediaRecorder;", "cannot record video"),
}


def test_every_device_failure_is_explained(
    live_server, browser_context, make_candidate, candidate_browser, monkeypatch, settings
) -> None:
    monkeypatch.setattr(rules, "PERMISSION_TIMEOUT_SECONDS", 1)
    link = make_candidate(practice_enabled=False)
    candidate = candidate_browser(on=browser_context.new_page())
    candidate.open(link)
    candidate.consent()
    for case, (script, fix) in CASES.items():
        page = browser_context.new_page()
        page.add_init_script(script)
        page.goto(live_server.url + "/c/device-check/")
        page.wait_for_selector("html[data-candidate-ready]")
        page.locator("#turn-on").click()
        problem = page.locator("#check-problem")
        problem.wait_for(state="visible")
        assert fix in problem.inner_text(), case
        page.close()

    # Not on HTTPS (and not on this computer): browsers refuse the camera; we say why.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "insecure.oneway.test"]
    page = browser_context.new_page()
    port = live_server.url.rsplit(":", 1)[1]
    page.goto(f"http://insecure.oneway.test:{port}{link.path}")
    page.goto(f"http://insecure.oneway.test:{port}/c/device-check/")
    page.wait_for_selector("html[data-candidate-ready]")
    page.locator("#turn-on").click()
    assert "secure connection (https)" in page.locator("#check-problem").inner_text()
