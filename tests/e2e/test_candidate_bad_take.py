"""A recording the server cannot read is refused with a message, and the candidate records
again even when the question allows a single take (issue 13, section 3)."""

import pytest
from playwright.sync_api import Route

from oneway.core.models import Answer, Take
from oneway.core.models.answers import TakeState

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_media_processing"),
]

ONE_TAKE = {"answer_type": "video", "thinking_seconds": 3, "max_answer_seconds": 30, "retakes": 0}
KEEP = 64  # the container signature the server checks first stays intact


def _garble(route: Route) -> None:
    """Everything of the recording after its first bytes turns to junk on the way."""
    request = route.request
    body = request.post_data_buffer
    if request.method != "PATCH" or not body:
        route.continue_()
        return
    offset = int(request.headers.get("upload-offset", "0"))
    keep = max(0, KEEP - offset)
    junk = bytes((7 * i) % 251 for i in range(len(body) - keep))
    route.continue_(post_data=body[:keep] + junk)


def test_an_unreadable_take_is_refused_and_does_not_use_up_the_only_take(
    page, make_candidate, candidate_browser
) -> None:
    link = make_candidate(questions=[ONE_TAKE], practice_enabled=False)
    candidate = candidate_browser()
    candidate.open(link)
    candidate.consent()
    candidate.device_check(skip=True)
    candidate.reveal()

    page.route("**/uploads/**", _garble)
    refused = candidate.start()
    page.wait_for_timeout(2000)
    candidate.stop(refused, wait_saved=False)
    error = page.locator("#recorder-error")
    error.wait_for(state="visible", timeout=30_000)
    assert "does not count as one of your takes" in error.inner_text()
    retake = page.locator("#retake")
    retake.wait_for(state="visible")
    assert not page.locator(f"#take-{refused}").count(), "the refused take is not offered"
    page.unroute("**/uploads/**")

    candidate.retake()
    kept = candidate.record(2)
    candidate.send_answer()

    assert not Take.objects.filter(pk=refused).exists()
    answer = Answer.objects.get(invitation=link.invitation, question=link.questions[0])
    assert answer.submitted_take_id == kept
    assert Take.objects.get(pk=kept).state == TakeState.UPLOADED
