"""Whisper: the pinned model checked before it loads, known recordings in English and
German, silence, a tampered model refused in favour of PocketSphinx."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from media.mediagen import SENTENCE
from media.test_transcribe import word_error_rate, words_of
from oneway.media import whisper
from oneway.media.transcribe import (
    Transcript,
    TranscriptUnavailable,
    WhisperTranscriber,
    engine_status,
    extract_speech,
)

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
GERMAN = (
    "Guten Tag. Ich heiße Anna und arbeite seit fünf Jahren als Ingenieurin in Berlin. "
    "Am liebsten löse ich schwierige Probleme gemeinsam mit meinem Team."
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def whisper_model() -> Any:
    """The pinned model, joined and checked in the data directory, loaded once a session."""
    return whisper.load_model(whisper.ModelSource.from_settings())


@pytest.fixture(scope="session")
def tampered_packages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The two model packages with one byte of model.bin's second half flipped (that half
    copied once a session; the other files are links to the installed ones)."""
    root = tmp_path_factory.mktemp("tampered")
    copies = []
    for index, original in enumerate(whisper.package_dirs()):
        folder = root / f"part{index + 1}"
        folder.mkdir()
        for path in original.iterdir():
            if path.name == "model.bin.part2":
                shutil.copyfile(path, folder / path.name)
                with (folder / path.name).open("r+b") as handle:
                    handle.seek(40_000_000)
                    byte = handle.read(1)
                    handle.seek(40_000_000)
                    handle.write(bytes([byte[0] ^ 0x01]))
            else:
                (folder / path.name).symlink_to(path)
        copies.append(folder)
    return copies[0], copies[1]


def transcribe(path: Path, **kwargs: Any) -> Transcript:
    pcm = extract_speech(path)
    assert pcm is not None
    return WhisperTranscriber().transcribe(pcm, **kwargs)


def espeak(path: Path, voice: str, text: str) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(path), text], check=True)
    return path


def test_spoken_sentence_is_transcribed_with_word_timings(whisper_model: Any, speech: Path) -> None:
    transcript = transcribe(speech)
    hypothesis = words_of(transcript.text)
    assert word_error_rate(hypothesis, words_of(SENTENCE)) <= 0.1
    for keyword in ("project", "proud", "learned"):
        assert keyword in hypothesis
    assert transcript.language == "en"
    assert transcript.engine == "whisper:Whisper base" and transcript.warning == ""
    # Tokens carry no punctuation (search and highlighting match them as words).
    assert all(word.w == whisper.clean_token(word.w) != "" for word in transcript.words)
    times = [(w.start, w.end) for w in transcript.words]
    assert all(start <= end for start, end in times) and times == sorted(times)
    proud = next(w for w in transcript.words if w.w.lower() == "proud")
    # flite's rms voice says "proud" about 2.6 s into the sentence.
    assert 2.0 < proud.start < 3.2


def test_human_read_speech_is_transcribed(whisper_model: Any) -> None:
    """A LibriVox reading (Debian's pocketsphinx-testdata) with its reference text."""
    transcript = transcribe(LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0870.wav")
    reference = (
        "and mister john dashwood had then leisure to consider how much there might be "
        "prudently in his power to do for them"
    )
    hypothesis = [("mister" if w == "mr" else w) for w in words_of(transcript.text)]
    assert word_error_rate(hypothesis, reference.split()) <= 0.1


def test_silence_gives_an_empty_transcript(whisper_model: Any) -> None:
    transcript = WhisperTranscriber().transcribe(bytes(16000 * 2 * 20))
    assert transcript.words == [] and transcript.text == "" and transcript.language == ""


def test_german_recording_is_transcribed_as_german(whisper_model: Any, tmp_path: Path) -> None:
    recording = espeak(tmp_path / "de.wav", "de", GERMAN)
    detected = transcribe(recording)
    assert detected.language == "de"
    for word in ("Ingenieurin", "Berlin", "Jahren", "Team"):
        assert word in detected.text.split()
    given = transcribe(recording, language="de-DE")
    assert given.language == "de" and "Berlin" in given.text.split()


class EncoderSpy:
    """Wraps the CTranslate2 model: records the frames of every encoder pass."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.frames: list[int] = []

    def encode(self, features: Any, **kwargs: Any) -> Any:
        self.frames.append(features.shape[-1])
        return self.inner.encode(features, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def encoder_spy(whisper_model: Any, monkeypatch: pytest.MonkeyPatch) -> EncoderSpy:
    spy = EncoderSpy(whisper_model.model)
    monkeypatch.setattr(whisper_model, "model", spy)
    return spy


def test_short_answer_is_encoded_once_on_a_short_window(
    encoder_spy: EncoderSpy, speech: Path
) -> None:
    """Detecting the language reuses the encoder pass that decoding needs, and a short
    answer's window is its speech plus 5 s, not Whisper's padded 30 s."""
    pcm = extract_speech(speech)
    assert pcm is not None
    seconds = len(pcm) / 2 / 16000
    transcript = WhisperTranscriber().transcribe(pcm)
    assert transcript.language == "en" and "proud" in transcript.text.split()
    assert len(encoder_spy.frames) == 1
    assert seconds * 100 < encoder_spy.frames[0] <= seconds * 100 + 600
    encoder_spy.frames.clear()
    WhisperTranscriber().transcribe(pcm, language="en")
    assert len(encoder_spy.frames) == 1


def test_long_answer_is_encoded_in_full_windows_then_a_short_one(
    encoder_spy: EncoderSpy,
) -> None:
    """The five LibriVox clips read twice over (about 54 s): full 30 s windows, the last
    one shorter, and no extra pass for detecting the language (faster-whisper alone
    makes four here: the detection's, two full windows and a short tail)."""
    pcm = b"".join(
        (extract_speech(path) or b"") + bytes(16000) for path in sorted(LIBRIVOX.glob("*.wav")) * 2
    )
    transcript = WhisperTranscriber().transcribe(pcm)
    assert transcript.language == "en"
    assert encoder_spy.frames[0] == whisper.WINDOW_FRAMES
    assert len(encoder_spy.frames) <= 3 and encoder_spy.frames[-1] < whisper.WINDOW_FRAMES
    words = words_of(transcript.text)
    assert words.count("dashwood") == 2 and words.count("amiable") == 4
    times = [w.start for w in transcript.words]
    assert times == sorted(times) and times[-1] > 45


def test_padding_is_cut_to_the_speech_and_five_seconds() -> None:
    import numpy

    features = numpy.zeros((1, 80, 3000), dtype=numpy.float32)
    features[0, :, :420] = -0.5  # 4.2 s of speech (log-mel values of silence are not 0)
    assert whisper.trim_padding(features).shape == (1, 80, 1000)
    features[0, :, :2700] = 0.1
    assert whisper.trim_padding(features).shape == (1, 80, 3000)
    assert whisper.trim_padding(numpy.zeros((80, 3000))).shape == (80, 500)


def test_unknown_language_code_is_refused_with_the_reason(whisper_model: Any) -> None:
    with pytest.raises(TranscriptUnavailable, match="xx"):
        WhisperTranscriber().transcribe(bytes(32000), language="xx")


def test_tampered_model_is_refused_and_pocketsphinx_used(
    tampered_packages: tuple[Path, Path], tmp_path: Path, speech: Path
) -> None:
    target = tmp_path / "whisper-base"
    with pytest.raises(whisper.ModelRefused, match="model.bin does not match its pinned"):
        whisper.assemble_pinned_model(target, tampered_packages)
    assert not (target / "model.bin").exists()
    assert not list(target.glob(".*partial"))
    # A check only (the admins' page) reads the pieces and writes nothing.
    unjoined = tmp_path / "unjoined"
    with pytest.raises(whisper.ModelRefused, match="model.bin"):
        whisper.assemble_pinned_model(unjoined, tampered_packages, write=False)
    assert not unjoined.exists()
    source = whisper.ModelSource(folder=target, pinned=True, sources=tampered_packages)
    pcm = extract_speech(speech)
    assert pcm is not None
    transcript = WhisperTranscriber(source).transcribe(pcm)
    assert transcript.engine == "pocketsphinx"
    assert "proud" in transcript.text.split()
    assert "PocketSphinx" in transcript.warning and "pinned checksum" in transcript.warning
    # PocketSphinx cannot stand in for a German answer: the transcript is unavailable, and
    # the reason names the refused model.
    with pytest.raises(TranscriptUnavailable, match="pinned checksum.*English only"):
        WhisperTranscriber(source).transcribe(pcm, language="de")


def test_damaged_file_in_the_data_directory_is_rebuilt(whisper_model: Any) -> None:
    folder = whisper.pinned_model_dir()
    config = folder / "config.json"
    config.write_bytes(config.read_bytes().replace(b"{", b"[", 1))
    whisper.assemble_pinned_model(folder)
    size, sha256 = whisper.PINNED_FILES["config.json"]
    assert config.stat().st_size == size and whisper._sha256(config) == sha256


@pytest.fixture
def fresh_models() -> Iterator[None]:
    """Tests that load other models drop them afterwards (the session model stays)."""
    before = dict(whisper._models)
    yield
    with whisper._lock:
        whisper._models.clear()
        whisper._models.update(before)
        whisper._refusals.clear()


def test_engine_status_names_engine_and_model(
    whisper_model: Any, settings: Any, tmp_path: Path, fresh_models: None
) -> None:
    settings.TRANSCRIBER = "whisper"
    ok, text = engine_status()
    assert ok and "Whisper base" in text and "pinned checksums verified" in text
    assert engine_status(load=False) == (ok, text)
    # An operator's own model folder: loaded as it is.
    settings.WHISPER_MODEL_DIR = str(whisper.pinned_model_dir())
    ok, text = engine_status()
    assert ok and "operator's model" in text and str(whisper.pinned_model_dir()) in text
    # A folder that is not a model says what is missing.
    (tmp_path / "model.bin").write_bytes(b"not a model")
    settings.WHISPER_MODEL_DIR = str(tmp_path)
    ok, text = engine_status(load=False)
    assert not ok and "config.json, tokenizer.json" in text and "PocketSphinx" in text
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "tokenizer.json").write_text("{}")
    ok, text = engine_status()
    assert not ok and "cannot be loaded" in text
    settings.TRANSCRIBER = "pocketsphinx"
    assert engine_status() == (True, "Transcripts are made by pocketsphinx.")
    settings.TRANSCRIBER = "none"
    assert engine_status()[0]


@pytest.mark.parametrize(
    ("token", "word"),
    [
        (" Hello,", "Hello"),
        ("it.", "it"),
        ("don't", "don't"),
        ("well-known", "well-known"),
        ("3.5", "3.5"),
        ("«Bonjour»", "Bonjour"),
        ("¿Qué?", "Qué"),
        (" ...", ""),
    ],
)
def test_punctuation_is_stripped_from_word_tokens(token: str, word: str) -> None:
    assert whisper.clean_token(token) == word
