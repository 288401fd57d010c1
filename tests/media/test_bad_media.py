"""Bad media is refused at the door, good media never is (issue 13, section 3): every
stream measured to its end, rotation honoured, cut-off recordings salvaged."""

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import pytest
from av.audio.frame import AudioFrame
from django.core.files.storage import default_storage

from media.mediagen import halves, make_media, make_rotated, make_uneven
from oneway.core.models import AuditEntry
from oneway.media import jobs
from oneway.media.models import MediaItem, ProcessingState
from oneway.media.pipeline import render_file
from oneway.media.posters import poster_from_file
from oneway.media.probe import Unprocessable, check_recording, probe_file

# Where the white half of ``make_rotated``'s picture is once the picture stands upright.
WHITE_SIDE = {0: "left", 90: "bottom", 180: "right", 270: "top"}
OPPOSITE = {"left": "right", "right": "left", "top": "bottom", "bottom": "top"}


def _first_frame(path: Path) -> Any:
    with av.open(str(path)) as container:
        return next(container.decode(video=0))


def _assert_upright(frame: Any, rotation: int) -> None:
    white = WHITE_SIDE[rotation]
    means = halves(frame)
    assert means[white] > 200 and means[OPPOSITE[white]] < 55, (rotation, means)
    assert frame.rotation == 0


# --- Length: every stream to its end -----------------------------------------------------


def test_every_stream_is_measured_to_its_end(tmp_path: Path) -> None:
    path = make_uneven(tmp_path / "uneven.webm", video_seconds=1, audio_seconds=200)
    with av.open(str(path)) as container:
        assert container.duration is None, "the fixture declares no duration"
    check = check_recording(str(path), limit_seconds=600)
    assert check.seconds == pytest.approx(200, abs=0.1)
    assert check.kinds == ["video", "audio"] and not check.cut_off
    # Reading stops once the recording is known to be too long.
    assert 63 < check_recording(str(path), limit_seconds=63).seconds < 70


def test_a_file_of_countless_tiny_packets_is_refused_within_its_budget(tmp_path: Path) -> None:
    """Demuxing cost is bounded by the length accepted, not by what the file claims."""
    path = tmp_path / "tiny.mka"
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("pcm_s16le", rate=16000)
        stream.layout = "mono"
        for index in range(4000):  # one second in packets of 4 samples
            frame = AudioFrame(format="s16", layout="mono", samples=4)
            frame.planes[0].update(bytes(8))
            frame.sample_rate, frame.pts, frame.time_base = 16000, index * 4, Fraction(1, 16000)
            for packet in stream.encode(frame):
                out.mux(packet)
    assert check_recording(str(path), limit_seconds=10).seconds == pytest.approx(1, abs=0.01)
    with pytest.raises(Unprocessable, match="far more pieces"):
        check_recording(str(path), limit_seconds=2)


@pytest.mark.parametrize(
    "junk",
    [
        pytest.param(lambda webm: webm[:40] + bytes(range(256)) * 400, id="EBML header + junk"),
        pytest.param(lambda webm: webm[:40], id="EBML header only"),
        pytest.param(lambda webm: b"", id="empty"),
    ],
)
def test_unreadable_recordings_are_refused_by_the_door_check(
    junk: Callable[[bytes], bytes], samples: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / "junk.webm"
    path.write_bytes(junk(samples["vp8.webm"].read_bytes()))
    with pytest.raises(Unprocessable) as refused:
        check_recording(str(path), limit_seconds=60)
    assert len(refused.value.reason) > 15


def test_audio_only_is_refused_where_a_video_is_required(samples: dict[str, Path]) -> None:
    with pytest.raises(Unprocessable, match="only audio"):
        check_recording(str(samples["opus.webm"]), limit_seconds=60, require_video=True)


# --- Good media passes every check --------------------------------------------------------

GOOD = {
    "VP8 + Opus WebM": dict(fmt="webm", vcodec="libvpx", acodec="libopus"),
    "VP9 + Opus WebM": dict(fmt="webm", vcodec="libvpx-vp9", acodec="libopus"),
    "H.264 + AAC MP4": dict(fmt="mp4", vcodec="libx264", acodec="aac"),
}


@pytest.mark.parametrize("kind", GOOD, ids=list(GOOD))
def test_normal_recordings_pass_every_check(kind: str, tmp_path: Path) -> None:
    path = make_media(
        tmp_path / f"good.{GOOD[kind]['fmt']}", seconds=2, width=320, height=240, **GOOD[kind]
    )
    check = check_recording(str(path), limit_seconds=5, require_video=True)
    assert check.seconds == pytest.approx(2, abs=0.1)
    assert check.kinds == ["video", "audio"] and not check.cut_off
    outcome = render_file(path, tmp_path, kind="video")
    assert outcome.probe.cut_off_at is None and outcome.probe.video is not None
    assert outcome.probe.video.rotation == 0
    assert outcome.rendition_probe.video is not None
    assert outcome.rendition_probe.video.display_size == (320, 240)
    assert outcome.rendition_probe.duration == pytest.approx(2, abs=0.1)
    assert outcome.poster is not None


# --- Rotation -----------------------------------------------------------------------------


ROTATED = [
    pytest.param(rotation, "mp4", "libx264", id=f"H.264 MP4 {rotation}")
    for rotation in (0, 90, 180, 270)
] + [pytest.param(rotation, "webm", "libvpx", id=f"VP8 WebM {rotation}") for rotation in (90, 270)]


@pytest.mark.parametrize(("rotation", "fmt", "vcodec"), ROTATED)
def test_rotated_video_is_turned_upright_in_rendition_and_poster(
    rotation: int, fmt: str, vcodec: str, tmp_path: Path
) -> None:
    source = make_rotated(tmp_path / f"phone.{fmt}", rotation, fmt=fmt, vcodec=vcodec)
    probe = probe_file(source)
    assert probe.video is not None and probe.video.rotation == rotation
    outcome = render_file(source, tmp_path, kind="video")
    upright = (96, 160) if rotation in (90, 270) else (160, 96)
    video = outcome.rendition_probe.video
    assert video is not None and (video.width, video.height) == upright
    assert video.rotation == 0, "the rendition needs no display matrix"
    _assert_upright(_first_frame(outcome.rendition), rotation)
    assert outcome.poster is not None
    poster = _first_frame(outcome.poster)
    assert (poster.width, poster.height) == upright
    _assert_upright(poster, rotation)
    if rotation:
        # H.264 that could have been copied is turned instead.
        assert outcome.plan.video == "transcode" and outcome.plan.rotation == rotation
        assert f"turned by {rotation}°" in " ".join(outcome.plan.reasons)
    else:
        assert outcome.plan.video == ("copy" if vcodec == "libx264" else "transcode")


def test_a_poster_taken_from_a_rotated_file_stands_upright(tmp_path: Path) -> None:
    source = make_rotated(tmp_path / "phone.mp4", 90, seconds=2)
    data = poster_from_file(source, duration=2.0)
    assert data is not None
    (tmp_path / "poster.jpg").write_bytes(data)
    poster = _first_frame(tmp_path / "poster.jpg")
    assert (poster.width, poster.height) == (96, 160)
    _assert_upright(poster, 90)


@pytest.mark.django_db
def test_rotated_item_stores_upright_size(
    make_item: Callable[..., MediaItem], tmp_path: Path, settings: Any
) -> None:
    settings.TRANSCRIBER = "media.test_transcribe.EchoTranscriber"
    item = make_item(make_rotated(tmp_path / "portrait.mp4", 270))
    assert jobs.process_item(item.pk) == "ready"
    item.refresh_from_db()
    assert (item.width, item.height) == (96, 160)
    assert item.probe["video"]["rotation"] == 270
    assert item.plan["rotation"] == 270
    with default_storage.open(item.poster_name) as poster:
        (tmp_path / "stored.jpg").write_bytes(poster.read())
    _assert_upright(_first_frame(tmp_path / "stored.jpg"), 270)


# --- Cut off: salvaged up to the cut ------------------------------------------------------


def _cut(samples: dict[str, Path], tmp_path: Path, fraction: float = 0.5) -> Path:
    data = samples["vp8.webm"].read_bytes()
    path = tmp_path / "cut.webm"
    path.write_bytes(data[: int(len(data) * fraction) + 777])  # mid-cluster, mid-block
    return path


def test_a_webm_cut_off_mid_cluster_is_salvaged_up_to_the_cut(
    samples: dict[str, Path], tmp_path: Path
) -> None:
    source = _cut(samples, tmp_path)
    probe = probe_file(source)
    assert probe.cut_off_at == pytest.approx(1.5, abs=0.2)
    assert probe.summary()["cut_off_at"] == pytest.approx(1.5, abs=0.2)
    check = check_recording(str(source), limit_seconds=60)
    assert check.cut_off and check.seconds == pytest.approx(1.5, abs=0.2)
    outcome = render_file(source, tmp_path, kind="video")
    assert outcome.rendition_probe.duration == pytest.approx(probe.duration, abs=0.1)
    assert outcome.rendition_probe.cut_off_at is None
    assert "cut off after 1.5 s" in " ".join(outcome.plan.reasons)


def test_a_webm_segment_declaring_more_than_it_holds_is_salvaged(
    samples: dict[str, Path], tmp_path: Path
) -> None:
    data = samples["vp8.webm"].read_bytes()
    at = data.find(b"\x18\x53\x80\x67") + 4
    path = tmp_path / "huge-segment.webm"
    path.write_bytes(data[:at] + b"\x01\x00\xff\xff\xff\xff\xff\xfe" + data[at + 8 : 200_000])
    probe = probe_file(path)
    assert probe.salvaged and 0.5 < probe.duration < 3


@pytest.mark.django_db
def test_a_cut_off_item_becomes_ready_and_says_it_was_salvaged(
    make_item: Callable[..., MediaItem], samples: dict[str, Path], tmp_path: Path, settings: Any
) -> None:
    settings.TRANSCRIBER = "media.test_transcribe.EchoTranscriber"
    item = make_item(_cut(samples, tmp_path))
    assert jobs.process_item(item.pk) == "ready"
    item.refresh_from_db()
    assert item.state == ProcessingState.READY
    assert item.duration_ms == pytest.approx(1500, abs=200)
    assert item.probe["cut_off_at"] == pytest.approx(1.5, abs=0.2)
    assert any("cut off" in reason for reason in item.plan["reasons"])
    entry = AuditEntry.objects.get(action="media.processed", object_id=str(item.pk))
    assert entry.data["cut_off_at"] == pytest.approx(1.5, abs=0.2)
