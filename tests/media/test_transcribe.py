"""Speech to text: a flite-spoken sentence comes back as words with timings and captions."""

import re
from pathlib import Path

import pytest

from media.mediagen import SENTENCE
from oneway.media.captions import cues, webvtt
from oneway.media.pipeline import render_file, transcribe_rendition
from oneway.media.transcribe import (
    NoTranscriber,
    PocketsphinxTranscriber,
    Progress,
    Transcriber,
    Transcript,
    TranscriptUnavailable,
    WhisperTranscriber,
    Word,
    decode_stretch,
    extract_speech,
    get_transcriber,
)


def word_error_rate(hypothesis: list[str], reference: list[str]) -> float:
    """Levenshtein distance over words, divided by the reference length."""
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        previous, row[0] = row[0], i
        for j, hyp in enumerate(hypothesis, 1):
            current = min(row[j] + 1, row[j - 1] + 1, previous + (hyp != ref))
            previous, row[j] = row[j], current
    return row[len(hypothesis)] / len(reference)


def words_of(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


class EchoTranscriber(Transcriber):
    """A second engine, plugged in by dotted path: knows English and German, says
    "bytes" unless it hears nothing but silence."""

    name = "echo"

    def transcribe(
        self, pcm: bytes, *, language: str | None = None, progress: Progress | None = None
    ) -> Transcript:
        if language not in (None, "en", "de"):
            raise TranscriptUnavailable(f"echo does not know {language}")
        if not any(pcm):
            return Transcript()
        return Transcript(words=[Word("bytes", 0.0, len(pcm) / 32000)], language=language or "en")


def test_spoken_sentence_is_transcribed(speech: Path, tmp_path: Path) -> None:
    outcome = render_file(speech, tmp_path, kind="audio")
    result = transcribe_rendition(outcome.rendition, PocketsphinxTranscriber())
    assert result is not None
    hypothesis = words_of(result.transcript.text)
    assert word_error_rate(hypothesis, words_of(SENTENCE)) < 0.3
    for keyword in ("project", "proud", "learned"):
        assert keyword in hypothesis
    times = [(w.start, w.end) for w in result.transcript.words]
    assert all(start < end for start, end in times)
    assert times == sorted(times)
    assert times[0][0] < 1.0
    assert times[-1][1] <= outcome.probe.duration + 0.2
    assert result.captions.startswith("WEBVTT\n")
    assert "-->" in result.captions and "proud" in result.captions


def test_extraction_is_16khz_mono(samples: dict[str, Path]) -> None:
    pcm = extract_speech(samples["vp8.webm"])
    assert pcm is not None
    assert len(pcm) / 2 / 16000 == pytest.approx(3.0, abs=0.05)
    assert extract_speech(samples["silent-vp8.webm"]) is None


def test_transcriber_is_chosen_by_setting(settings: object) -> None:
    settings.TRANSCRIBER = "whisper"  # type: ignore[attr-defined]
    assert isinstance(get_transcriber(), WhisperTranscriber)
    settings.TRANSCRIBER = "pocketsphinx"  # type: ignore[attr-defined]
    assert isinstance(get_transcriber(), PocketsphinxTranscriber)
    settings.TRANSCRIBER = "none"  # type: ignore[attr-defined]
    assert isinstance(get_transcriber(), NoTranscriber)
    settings.TRANSCRIBER = "media.test_transcribe.EchoTranscriber"  # type: ignore[attr-defined]
    engine = get_transcriber()
    assert engine.name == "echo"
    assert engine.transcribe(b"\1" * 32000).text == "bytes"
    settings.TRANSCRIBER = "oneway.media.captions.webvtt"  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        get_transcriber()


def test_captions_break_at_pauses_and_escape_text() -> None:
    words = [Word("a<b", 0.0, 0.4), Word("c&d", 0.4, 0.8), Word("later", 2.0, 2.5)]
    assert [text for _, _, text in cues(words)] == ["a<b c&d", "later"]
    vtt = webvtt(words)
    assert "00:00:00.000 --> 00:00:00.800\na&lt;b c&amp;d" in vtt
    assert "00:00:02.000 --> 00:00:02.500\nlater" in vtt
    long = [Word(f"w{i}", i * 0.3, i * 0.3 + 0.25) for i in range(30)]
    assert all(end - start <= 4.0 for start, end, _ in cues(long))


def test_pocketsphinx_survives_a_stretch_without_hypothesis() -> None:
    """seg() is None for a stretch the decoder finds nothing in (it raised TypeError)."""
    decoder = PocketsphinxTranscriber()._decoder()
    assert decoder.start_utt() is None
    decoder.process_raw(bytes(20), full_utt=True)
    decoder.end_utt()
    assert decoder.seg() is None  # what the decoder does; our code must cope with it
    assert decode_stretch(decoder, 12.0, bytes(20)) == []
    assert decode_stretch(decoder, 12.0, b"") == []


def test_pocketsphinx_knows_only_english(speech: Path) -> None:
    pcm = extract_speech(speech)
    assert pcm is not None
    transcript = PocketsphinxTranscriber().transcribe(pcm, language="en-GB")
    assert transcript.language == "en" and transcript.engine == "pocketsphinx"
    with pytest.raises(TranscriptUnavailable, match="English only"):
        PocketsphinxTranscriber().transcribe(pcm, language="de")


def test_pocketsphinx_silence_gives_no_words() -> None:
    transcript = PocketsphinxTranscriber().transcribe(bytes(16000 * 2 * 5))
    assert transcript.words == [] and transcript.language == ""
