"""Probing by demuxing: real facts from real recordings, a clear reason for bad ones."""

import os
import struct
from pathlib import Path

import pytest

from oneway.media.probe import Unprocessable, probe_file


def test_webm_without_duration_header_is_measured_by_demuxing(samples: dict[str, Path]) -> None:
    probe = probe_file(samples["vp8.webm"])
    assert probe.container.startswith("matroska")
    assert probe.video is not None and probe.audio is not None
    assert probe.video.codec == "vp8" and probe.audio.codec == "opus"
    assert (probe.video.width, probe.video.height) == (640, 480)
    assert probe.video.packets == 90
    assert probe.video.frame_rate == pytest.approx(30, abs=0.1)
    assert probe.audio.sample_rate == 48000 and probe.audio.channels == 1
    assert probe.audio.samples == pytest.approx(3 * 48000, rel=0.02)
    assert probe.duration == pytest.approx(3.0, abs=0.05)


def test_audio_only_file_is_probed(samples: dict[str, Path]) -> None:
    probe = probe_file(samples["opus.webm"])
    assert probe.video is None
    assert probe.audio is not None and probe.audio.codec == "opus"
    assert probe.duration == pytest.approx(3.0, abs=0.05)


def _random_behind_webm_header(samples: dict[str, Path], tmp: Path) -> Path:
    head = samples["vp8.webm"].read_bytes()[:200]
    path = tmp / "random.webm"
    path.write_bytes(head + os.urandom(300_000))
    return path


def _truncated_mp4(samples: dict[str, Path], tmp: Path) -> Path:
    data = samples["h264-aac.mp4"].read_bytes()
    path = tmp / "truncated.mp4"
    path.write_bytes(data[: len(data) // 3])
    return path


def _zero(samples: dict[str, Path], tmp: Path) -> Path:
    path = tmp / "empty.webm"
    path.write_bytes(b"")
    return path


def _fake_mp4(samples: dict[str, Path], tmp: Path) -> Path:
    path = tmp / "fake.mp4"
    ftyp = struct.pack(">I4s4sI8s", 24, b"ftyp", b"isom", 512, b"isommp41")
    path.write_bytes(ftyp + os.urandom(60_000))
    return path


def _huge_box(samples: dict[str, Path], tmp: Path) -> Path:
    """An MP4 whose mdat box declares 2**62 bytes."""
    path = tmp / "huge.mp4"
    ftyp = struct.pack(">I4s4sI8s", 24, b"ftyp", b"isom", 512, b"isommp41")
    path.write_bytes(ftyp + struct.pack(">I4sQ", 1, b"mdat", 2**62) + os.urandom(40_000))
    return path


def _huge_picture(samples: dict[str, Path], tmp: Path) -> Path:
    """A raw video declaring 60000×60000 pixels per frame (a decompression bomb)."""
    path = tmp / "huge.y4m"
    header = b"YUV4MPEG2 W60000 H60000 F30:1 Ip A1:1 C420jpeg\nFRAME\n"
    path.write_bytes(header + os.urandom(100_000))
    return path


def _random_bytes(samples: dict[str, Path], tmp: Path) -> Path:
    path = tmp / "noise.bin"
    path.write_bytes(os.urandom(100_000))
    return path


BAD_INPUTS = {
    "random bytes behind a WebM header": (_random_behind_webm_header, "not an audio or video"),
    "random bytes": (_random_bytes, "not an audio or video"),
    "truncated MP4": (_truncated_mp4, ""),
    "zero-length": (_zero, "empty"),
    "MP4 magic, garbage inside": (_fake_mp4, "not an audio or video"),
    "MP4 box declaring 2**62 bytes": (_huge_box, ""),
    "huge declared picture": (_huge_picture, ""),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_unprocessable_with_a_reason(
    case: str, samples: dict[str, Path], tmp_path: Path
) -> None:
    make, words = BAD_INPUTS[case]
    with pytest.raises(Unprocessable) as raised:
        probe_file(make(samples, tmp_path))
    assert len(raised.value.reason) > 15
    assert words in raised.value.reason


def test_audio_only_where_video_is_required(samples: dict[str, Path]) -> None:
    with pytest.raises(Unprocessable, match="only audio"):
        probe_file(samples["opus.webm"], require_video=True)
