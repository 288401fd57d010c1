"""Device-check test clips are bounded per candidate: one recording at a time, a number
per hour, kept for hours not days, and cheap to measure however they are built."""

import datetime
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from oneway.candidate import rules
from oneway.candidate.device_clips import device_check_clips_expire
from oneway.uploads.models import Upload
from oneway.uploads.sweep import uploads_sweep

CHECK = {"purpose": "device-check"}


def test_one_unfinished_clip_at_a_time_expiring_within_hours(
    make_candidate, enter, tus_for
) -> None:
    tus = tus_for(enter(make_candidate()))
    for _ in range(5):
        assert tus.create(**CHECK).status_code == 201
    [upload] = Upload.objects.filter(purpose="device-check")
    assert upload.expires_at <= timezone.now() + rules.DEVICE_CHECK_KEEP
    # The upload sweep removes it once expired.
    uploads_sweep(now=timezone.now() + rules.DEVICE_CHECK_KEEP + datetime.timedelta(minutes=1))
    assert not Upload.objects.filter(purpose="device-check").exists()


def test_clips_per_hour_are_limited(make_candidate, enter, tus_for) -> None:
    link = make_candidate()
    tus = tus_for(enter(link))
    statuses = [tus.create(**CHECK).status_code for _ in range(rules.DEVICE_CHECK_PER_HOUR + 1)]
    assert statuses[:-1] == [201] * rules.DEVICE_CHECK_PER_HOUR
    assert statuses[-1] == 429
    refused = tus.create(**CHECK)
    assert b"many times in the last hour" in refused.content
    # Another candidate is not affected.
    other = tus_for(enter(make_candidate(email="other@example.com")))
    assert other.create(**CHECK).status_code == 201


def test_finished_clips_are_removed_after_hours(
    make_candidate, enter, tus_for, make_recording, django_capture_on_commit_callbacks
) -> None:
    tus = tus_for(enter(make_candidate()))
    with django_capture_on_commit_callbacks(execute=True):
        assert tus.send(make_recording(2), **CHECK).status_code == 204
    clip = Upload.objects.get(purpose="device-check")
    assert default_storage.exists(clip.storage_name)
    with django_capture_on_commit_callbacks(execute=True):
        assert device_check_clips_expire() == 0  # fresh: kept
        later = timezone.now() + rules.DEVICE_CHECK_KEEP + datetime.timedelta(minutes=1)
        assert device_check_clips_expire(now=later) == 1
    assert not Upload.objects.filter(pk=clip.pk).exists()
    assert not default_storage.exists(clip.storage_name)


@pytest.fixture
def many_packets(tmp_path: Path) -> bytes:
    """A 12 s WebM of 2.5 ms Opus packets (4,800 of them) plus video: small in bytes,
    costly to demux packet by packet."""
    path = tmp_path / "packets.webm"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc=size=64x48:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "12",
         "-c:v", "libvpx", "-b:v", "20k", "-c:a", "libopus", "-frame_duration", "2.5",
         str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def test_a_clip_built_of_tiny_packets_is_refused(
    make_candidate, enter, tus_for, many_packets: bytes
) -> None:
    response: Any = tus_for(enter(make_candidate())).send(many_packets, **CHECK)
    assert response.status_code == 415
    assert b"not a recording we can play back" in response.content


def test_a_real_clip_is_accepted(
    make_candidate, enter, tus_for, make_recording: Callable[..., bytes]
) -> None:
    clip = make_recording(rules.DEVICE_CHECK_MAX_SECONDS)
    assert tus_for(enter(make_candidate())).send(clip, **CHECK).status_code == 204
