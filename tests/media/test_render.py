"""The universal rendition from real recordings: the right codecs, duration, layout and
frame timing, transcoding only what needs it; posters that are not black."""

from fractions import Fraction
from pathlib import Path

import av
import pytest
from av.audio.frame import AudioFrame

from media.conftest import frame_rate, stream_facts
from media.mediagen import make_media
from oneway.media.pipeline import render_file
from oneway.media.posters import DARK_LUMA, brightness
from oneway.media.render import fit_size, grid_fit, moov_before_mdat, nominal_rate

CASES = {
    # sample: (expected video action, audio action, width, height)
    "vp8.webm": ("transcode", "transcode", 640, 480),
    "vp9.webm": ("transcode", "transcode", 640, 480),
    "av1.webm": ("transcode", "transcode", 640, 480),
    "h264-aac.mp4": ("copy", "copy", 640, 480),
    "h264-opus.mkv": ("copy", "transcode", 640, 480),
    "h264-1080p.mp4": ("transcode", "copy", 1280, 720),
    "vp8-odd.webm": ("transcode", "transcode", 640, 360),
    "silent-vp8.webm": ("transcode", None, 640, 480),
}


@pytest.mark.parametrize("name", CASES, ids=list(CASES))
def test_rendition_is_universal_mp4(name: str, samples: dict[str, Path], tmp_path: Path) -> None:
    video_action, audio_action, width, height = CASES[name]
    outcome = render_file(samples[name], tmp_path, kind="video")
    assert outcome.plan.video == video_action
    assert outcome.plan.audio == audio_action
    assert outcome.rendition.name == "rendition.mp4"
    assert moov_before_mdat(outcome.rendition)
    facts = stream_facts(outcome.rendition)
    assert facts["video"]["codec"] == "h264"
    assert (facts["video"]["width"], facts["video"]["height"]) == (width, height)
    assert len(facts["video"]["deltas"]) == 1, "constant frame rate"
    assert frame_rate(facts) == 30
    if audio_action:
        assert facts["audio"] == {"codec": "aac", "rate": 48000}
    else:
        assert facts["audio"] is None
    assert facts["duration"] == pytest.approx(outcome.probe.duration, rel=0.02)
    assert outcome.duration_ms == pytest.approx(outcome.probe.duration * 1000, rel=0.02)
    assert outcome.poster is not None and outcome.poster.read_bytes()[:2] == b"\xff\xd8"


def test_copied_h264_keeps_its_compressed_video(samples: dict[str, Path], tmp_path: Path) -> None:
    outcome = render_file(samples["h264-opus.mkv"], tmp_path)
    with av.open(str(samples["h264-opus.mkv"])) as original:
        source_packets = [bytes(p) for p in original.demux(video=0) if p.size]
    with av.open(str(outcome.rendition)) as rendition:
        copied = [bytes(p) for p in rendition.demux(video=0) if p.size]
    assert copied == source_packets


def test_audio_only_answer_becomes_m4a(samples: dict[str, Path], tmp_path: Path) -> None:
    outcome = render_file(samples["vp8.webm"], tmp_path, kind="audio")
    assert outcome.rendition.name == "rendition.m4a"
    assert outcome.poster is None
    facts = stream_facts(outcome.rendition)
    assert facts["video"] is None and facts["audio"]["codec"] == "aac"
    assert facts["duration"] == pytest.approx(3.0, rel=0.02)
    assert moov_before_mdat(outcome.rendition)


def test_aac_sound_of_a_video_is_copied_into_m4a(samples: dict[str, Path], tmp_path: Path) -> None:
    outcome = render_file(samples["h264-aac.mp4"], tmp_path, kind="audio")
    assert (outcome.plan.video, outcome.plan.audio) == (None, "copy")
    with av.open(str(samples["h264-aac.mp4"])) as original:
        source_packets = [bytes(p) for p in original.demux(audio=0) if p.size]
    with av.open(str(outcome.rendition)) as rendition:
        assert [bytes(p) for p in rendition.demux(audio=0) if p.size] == source_packets
    assert stream_facts(outcome.rendition)["video"] is None


def test_gap_in_the_sound_becomes_silence_and_keeps_sync(tmp_path: Path) -> None:
    """A recorder that dropped 3 s of stereo sound: the rendition still lasts 6 s."""
    source = tmp_path / "gap.webm"
    with av.open(str(source), "w", format="webm") as out:
        stream = out.add_stream("libopus", rate=48000)
        stream.layout = "stereo"
        pts = 0
        for index in range(150):
            if index == 75:
                pts += 3 * 48000
            frame = AudioFrame(format="s16", layout="stereo", samples=960)
            for plane in frame.planes:
                plane.update(bytes([index % 200]) * plane.buffer_size)
            frame.sample_rate, frame.pts, frame.time_base = 48000, pts, Fraction(1, 48000)
            pts += 960
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    outcome = render_file(source, tmp_path, kind="audio")
    assert outcome.probe.duration == pytest.approx(6.0, abs=0.05)
    assert outcome.rendition_probe.duration == pytest.approx(6.0, abs=0.05)
    assert outcome.rendition_probe.audio is not None
    assert outcome.rendition_probe.audio.channels == 2


def test_irregular_h264_timing_is_transcoded_to_constant_rate(tmp_path: Path) -> None:
    # 20 fps on average, frames alternately 70 and 30 ms apart: not copyable.
    times = [i * 0.05 + (0.02 if i % 2 else 0) for i in range(60)]
    source = make_media(
        tmp_path / "vfr.mkv", fmt="matroska", vcodec="libx264", acodec="libopus",
        seconds=3, frame_times=times,
    )  # fmt: skip
    outcome = render_file(source, tmp_path)
    assert outcome.plan.video == "transcode"
    facts = stream_facts(outcome.rendition)
    assert len(facts["video"]["deltas"]) == 1
    assert facts["duration"] == pytest.approx(outcome.probe.duration, rel=0.02)


def test_recorder_jitter_is_snapped_onto_the_grid_and_copied(tmp_path: Path) -> None:
    # Millisecond timestamps of a 30 fps camera: 33 or 34 ms apart, a few ms of jitter.
    times = [round(i / 30 + (0.003 if i % 7 == 3 else 0), 3) for i in range(90)]
    source = make_media(
        tmp_path / "jitter.mkv", fmt="matroska", vcodec="libx264", acodec="libopus",
        seconds=3, frame_times=times,
    )  # fmt: skip
    outcome = render_file(source, tmp_path)
    assert outcome.plan.video == "copy"
    facts = stream_facts(outcome.rendition)
    assert len(facts["video"]["deltas"]) == 1
    assert frame_rate(facts) == 30


def test_poster_skips_a_black_opening(tmp_path: Path, speech: Path) -> None:
    source = make_media(
        tmp_path / "dark.webm", fmt="webm", speech=speech, video_filter="fade=t=in:st=1.5:d=0.1"
    )
    outcome = render_file(source, tmp_path)
    assert outcome.poster is not None
    with av.open(str(outcome.poster)) as jpeg:
        picture = next(jpeg.decode(video=0))
    assert picture.width == 640
    mean, _ = brightness(picture)
    assert mean > DARK_LUMA * 2


def test_poster_of_copied_video_comes_from_about_one_second(
    samples: dict[str, Path], tmp_path: Path
) -> None:
    outcome = render_file(samples["h264-aac.mp4"], tmp_path)
    assert outcome.poster is not None
    with av.open(str(outcome.poster)) as jpeg:
        picture = next(jpeg.decode(video=0))
    assert brightness(picture)[0] > DARK_LUMA


def test_sizes_fit_720p_with_even_dimensions() -> None:
    assert fit_size(1920, 1080) == (1280, 720)
    assert fit_size(1080, 1920) == (720, 1280)
    assert fit_size(641, 361) == (640, 360)
    assert fit_size(640, 480) == (640, 480)
    assert fit_size(4000, 3000) == (960, 720)


def test_frame_rate_and_grid() -> None:
    assert nominal_rate([i / 30 for i in range(30)]) == 30
    assert nominal_rate([i * 1001 / 30000 for i in range(30)]) == Fraction(30000, 1001)
    ok, _ = grid_fit([i / 30 + (0.004 if i % 5 == 0 else 0) for i in range(60)], Fraction(30))
    assert ok
    dropped = [i / 30 for i in range(60) if i % 10 != 5]
    ok, reason = grid_fit(dropped, Fraction(30))
    assert not ok and "dropped" in reason
