"""Nothing recorded is lost: a reload mid-recording, an outage mid-recording, two tabs."""

import pytest
from django.core.files.storage import default_storage

from oneway.candidate.selectors import take_storage_name
from oneway.core.models import AuditEntry, Take
from oneway.core.models.answers import TakeState

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_media_processing"),
]

QUESTION = {"answer_type": "video", "thinking_seconds": 3, "max_answer_seconds": 60, "retakes": 1}


def _stored(take_id: int) -> bytes:
    take = Take.objects.select_related("media").get(pk=take_id)
    assert take.state == TakeState.UPLOADED
    with default_storage.open(take_storage_name(take), "rb") as handle:
        return handle.read()


def _wait_for_chunks(candidate, take_id: int, count: int) -> None:
    for _ in range(200):
        chunks = [k for k in candidate.chunks.chunks if k.endswith(f":answer:{take_id}")]
        if chunks and len(candidate.chunks.chunks[chunks[0]]) >= count:
            return
        candidate.page.wait_for_timeout(50)  # lets the page's chunk reports arrive
    raise AssertionError(
        f"the recorder stored no chunks: {list(candidate.chunks.chunks)} {take_id}"
    )


def _started(make_candidate, candidate_browser, **kwargs):
    link = make_candidate(questions=[QUESTION, QUESTION], practice_enabled=False, **kwargs)
    candidate = candidate_browser(record_chunks=True)
    candidate.open(link)
    candidate.consent()
    candidate.device_check(skip=True)
    candidate.reveal()
    return link, candidate


def test_a_reload_in_the_middle_of_a_recording_loses_nothing(
    page, make_candidate, candidate_browser, media_tools, tmp_path
) -> None:
    link, candidate = _started(make_candidate, candidate_browser)
    take_id = candidate.start()
    _wait_for_chunks(candidate, take_id, 4)
    question_url = page.url
    page.reload()  # between two chunks, as a tab closed or crashed would

    candidate.wait_ready()
    assert page.url == question_url  # back at the same question
    candidate.wait_saved(take_id)  # uploaded from IndexedDB
    assert "interrupted" in page.locator("#recorder-status").inner_text()
    stored = _stored(take_id)
    assert stored == candidate.chunks.take_bytes(take_id)
    path = tmp_path / "interrupted.mp4"
    path.write_bytes(stored)
    assert media_tools.probe(path).seconds >= 3
    assert AuditEntry.objects.filter(action="take.stopped", data__interrupted=True).exists()

    candidate.send_answer()  # the interrupted take can be sent
    assert Take.objects.get(pk=take_id).answer.submitted_take_id == take_id
    assert page.url.endswith(f"/c/questions/{link.questions[1].pk}/")


def test_twenty_seconds_offline_while_recording_loses_nothing(
    page, make_candidate, candidate_browser, media_tools, tmp_path
) -> None:
    _, candidate = _started(make_candidate, candidate_browser)
    take_id = candidate.start()
    page.wait_for_timeout(2500)
    page.context.set_offline(True)
    page.wait_for_selector("#connection:not([hidden])")  # told, while recording goes on
    page.wait_for_timeout(20_000)
    assert page.locator("#recorder").get_attribute("data-phase") == "recording"
    page.context.set_offline(False)
    page.wait_for_timeout(2500)
    candidate.stop(take_id)  # the upload catches up and finishes

    stored = _stored(take_id)
    assert stored == candidate.chunks.take_bytes(take_id)
    path = tmp_path / "offline.mp4"
    path.write_bytes(stored)
    probe = media_tools.probe(path)
    assert abs(probe.seconds - candidate.durations[take_id]) <= 0.1 * candidate.durations[take_id]
    assert {"video", "audio"} <= probe.kinds


def test_two_tabs_on_one_link_do_not_corrupt_each_other(
    page, live_server, make_candidate, candidate_browser
) -> None:
    link, first = _started(make_candidate, candidate_browser)
    take_id = first.start()
    _wait_for_chunks(first, take_id, 2)

    other = page.context.new_page()
    second = candidate_browser(on=other)
    other.goto(live_server.url + f"/c/questions/{link.questions[0].pk}/")
    notice = other.locator("#tab-notice")
    notice.wait_for(state="visible")
    assert "open in another tab" in notice.inner_text()
    notice.get_by_role("button", name="Use this tab instead").click()

    # The first tab pauses at once; what it recorded is saved, whole.
    page.locator("#tab-notice").wait_for(state="visible")
    assert "paused" in page.locator("#tab-notice").inner_text()
    first.wait_saved(take_id)
    assert _stored(take_id) == first.chunks.take_bytes(take_id)

    # The second tab carries on with that take and sends it.
    second.wait_saved(take_id)
    other.wait_for_selector(f"#take-{take_id}:not([disabled])")
    second.send_answer()
    assert Take.objects.get(pk=take_id).answer.submitted_take_id == take_id
