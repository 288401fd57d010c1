import datetime

import pytest
from django.core.exceptions import ValidationError

from oneway.live.providers import (
    MeetingProvider,
    provider_display,
    recognise_provider,
    validate_meeting_url,
)
from oneway.live.timeutil import (
    format_span,
    make_aware_strict,
    validate_timezone_name,
)

UTC = datetime.UTC


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        ("https://us02web.zoom.us/j/8123456789?pwd=abc", MeetingProvider.ZOOM),
        ("https://zoom.us/j/1", MeetingProvider.ZOOM),
        ("https://teams.microsoft.com/l/meetup-join/19%3ameeting", MeetingProvider.TEAMS),
        ("https://teams.live.com/meet/9876", MeetingProvider.TEAMS),
        ("https://meet.google.com/abc-defg-hij", MeetingProvider.GOOGLE_MEET),
        ("https://meet.jit.si/OnewayScreen42", MeetingProvider.JITSI),
        ("https://jitsi.example.org/room", MeetingProvider.JITSI),
        ("https://acme.webex.com/meet/pat", MeetingProvider.WEBEX),
        ("https://whereby.com/acme-hiring", MeetingProvider.WHEREBY),
        ("https://subdomain.whereby.com/room", MeetingProvider.WHEREBY),
        ("https://calls.example.com/r/1", MeetingProvider.OTHER),
        # A look-alike host is not the real provider.
        ("https://zoom.us.evil.example/j/1", MeetingProvider.OTHER),
        ("https://notzoom.us/j/1", MeetingProvider.OTHER),
    ],
)
def test_it_recognises_the_provider_from_the_host(url: str, provider: MeetingProvider) -> None:
    assert recognise_provider(url) == provider


def test_an_unknown_provider_is_named_by_its_host() -> None:
    assert provider_display("https://calls.example.com/r/1", "other") == "calls.example.com"
    assert provider_display("https://meet.google.com/x", "google_meet") == "Google Meet"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example.com/meeting",
        "zoommtg://zoom.us/join?confno=1",
        "meet.google.com/abc",
        "https://",
        "https://user:secret@zoom.us/j/1",
        "",
    ],
)
def test_it_refuses_meeting_urls_that_are_not_plain_http(url: str) -> None:
    with pytest.raises(ValidationError):
        validate_meeting_url(url)


def test_it_accepts_http_and_https_meeting_urls() -> None:
    validate_meeting_url("https://meet.google.com/abc-defg-hij")
    validate_meeting_url("http://intranet.example.com/room/7")


@pytest.mark.parametrize("name", ["Mars/Olympus", "BST", "Europe/Londres", "", "../etc/passwd"])
def test_unknown_time_zones_are_refused(name: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_timezone_name(name)
    assert "Unknown time zone" in exc.value.messages[0]


def test_a_local_time_skipped_by_the_clocks_going_forward_is_refused() -> None:
    # Europe/London springs forward at 01:00 on 30 March 2025: 01:30 never happens.
    with pytest.raises(ValidationError) as exc:
        make_aware_strict(datetime.datetime(2025, 3, 30, 1, 30), "Europe/London")
    assert "does not exist" in exc.value.messages[0]
    # America/New_York springs forward at 02:00 on 9 March 2025.
    with pytest.raises(ValidationError):
        make_aware_strict(datetime.datetime(2025, 3, 9, 2, 15), "America/New_York")


def test_a_local_time_that_happens_twice_means_the_first_one() -> None:
    # New York falls back at 02:00 EDT on 2 November 2025: 01:30 happens twice.
    moment = make_aware_strict(datetime.datetime(2025, 11, 2, 1, 30), "America/New_York")
    assert moment == datetime.datetime(2025, 11, 2, 5, 30, tzinfo=UTC)  # 01:30 EDT


def test_local_times_either_side_of_a_change_get_the_right_offset() -> None:
    before = make_aware_strict(datetime.datetime(2025, 3, 29, 10, 0), "Europe/London")
    after = make_aware_strict(datetime.datetime(2025, 3, 31, 10, 0), "Europe/London")
    assert before == datetime.datetime(2025, 3, 29, 10, 0, tzinfo=UTC)  # GMT
    assert after == datetime.datetime(2025, 3, 31, 9, 0, tzinfo=UTC)  # BST


def test_spans_read_in_each_persons_zone() -> None:
    start = datetime.datetime(2025, 3, 20, 14, 0, tzinfo=UTC)
    end = start + datetime.timedelta(minutes=45)
    # 20 March 2025: New York is already on EDT (UTC-4), London still on GMT.
    assert format_span(start, end, "Europe/London") == (
        "Thursday 20 March 2025, 14:00–14:45 GMT (Europe/London)"
    )
    assert format_span(start, end, "America/New_York") == (
        "Thursday 20 March 2025, 10:00–10:45 EDT (America/New_York)"
    )
