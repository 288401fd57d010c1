"""``python -m oneway process-file INPUT OUTDIR`` for operators (and tests)."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from oneway.media.probe import probe_file
from oneway.media.render import moov_before_mdat


def test_process_file_writes_every_output(
    samples: dict[str, Path], tmp_path: Path, settings: object
) -> None:
    settings.TRANSCRIBER = "media.test_transcribe.EchoTranscriber"  # type: ignore[attr-defined]
    out = StringIO()
    call_command("process-file", str(samples["vp8.webm"]), str(tmp_path / "out"), stdout=out)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["vp8.jpg", "vp8.mp4", "vp8.txt", "vp8.vtt"]
    report = out.getvalue()
    assert "vp8" in report and "VP8 video is not H.264" in report
    assert "x real time" in report
    rendition = tmp_path / "out" / "vp8.mp4"
    assert moov_before_mdat(rendition)
    assert probe_file(rendition).duration == pytest.approx(3.0, rel=0.02)
    assert (tmp_path / "out" / "vp8.txt").read_text() == "bytes\n"
    assert (tmp_path / "out" / "vp8.vtt").read_text().startswith("WEBVTT")
    assert "(echo, language en, 1 words" in report


def test_process_file_says_why_there_is_no_transcript(
    samples: dict[str, Path], tmp_path: Path, settings: object
) -> None:
    settings.TRANSCRIBER = "media.test_transcribe.EchoTranscriber"  # type: ignore[attr-defined]
    out = StringIO()
    call_command(
        "process-file", str(samples["opus.webm"]), str(tmp_path), "--language", "xx", stdout=out
    )
    assert "transcript: unavailable (echo does not know xx)" in out.getvalue()


def test_audio_answer_gives_m4a(samples: dict[str, Path], tmp_path: Path) -> None:
    out = StringIO()
    target = tmp_path / "out"
    call_command(
        "process-file", str(samples["opus.webm"]), str(target), "--no-transcript", stdout=out
    )
    assert sorted(p.name for p in target.iterdir()) == ["opus.m4a"]


def test_bad_input_exits_non_zero_with_the_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.webm"
    bad.write_bytes(b"\x1a\x45\xdf\xa3" + bytes(5000))
    result = subprocess.run(
        [sys.executable, "-m", "oneway", "process-file", str(bad), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "unprocessable:" in result.stderr
    assert not any((tmp_path / "out").iterdir())
