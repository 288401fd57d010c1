"""Finding speech and computing Whisper's features a slice at a time gives what
faster-whisper gives over the whole answer at once: the same probabilities, stretches and
features, and so the same words at the same times, also for speech across a slice edge."""

from __future__ import annotations

from typing import Any

import numpy
import pytest
from faster_whisper.feature_extractor import FeatureExtractor
from faster_whisper.vad import VadOptions, get_speech_timestamps, get_vad_model

from media.mediagen import SENTENCE, speech_wav
from oneway.media import speech_slices, whisper
from oneway.media.transcribe import extract_speech

pytestmark = pytest.mark.slow

RATE = speech_slices.SAMPLE_RATE
OTHER = "we moved the billing system to a new database and shipped it without any downtime"


@pytest.fixture(scope="module")
def sentences(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """Two sentences spoken by flite, as the worker's 16-bit samples."""
    folder = tmp_path_factory.mktemp("slices")
    first = extract_speech(speech_wav(folder / "first.wav"))
    second = extract_speech(speech_wav(folder / "second.wav", OTHER))
    assert first is not None and second is not None
    return numpy.frombuffer(first, numpy.int16), numpy.frombuffer(second, numpy.int16)


def answer(*parts: Any) -> Any:
    """Samples and silences (given in seconds) one after another."""
    pieces = [
        numpy.zeros(int(part * RATE), numpy.int16) if isinstance(part, float | int) else part
        for part in parts
    ]
    return numpy.concatenate(pieces)


def whole(samples: Any) -> Any:
    return samples.astype(numpy.float32) / 32768.0


def test_probabilities_in_slices_are_those_of_one_batch(sentences: tuple[Any, Any]) -> None:
    """Silero's state and context carry from one slice into the next: every window gets
    the probability faster-whisper's single batch gives it (an answer of 1,000 windows
    in slices of 37, the last one shorter)."""
    samples = answer(sentences[0], 2.5, sentences[1], 2.5, sentences[0], 15.0)[: 1000 * 512 - 100]
    padded = numpy.pad(whole(samples), (0, 512 - len(samples) % 512))
    expected = numpy.ravel(get_vad_model()(padded))
    got = speech_slices.speech_probabilities(samples, slice_windows=37)
    assert got.shape == expected.shape == (1000,)
    assert numpy.array_equal(got, expected)
    assert numpy.array_equal(speech_slices.speech_probabilities(whole(samples)), expected)


@pytest.mark.parametrize(
    "options",
    [VadOptions(), VadOptions(min_silence_duration_ms=300, speech_pad_ms=500)],
    ids=["transcribe's options", "short silences, wide padding"],
)
def test_stretches_are_faster_whispers(sentences: tuple[Any, Any], options: VadOptions) -> None:
    """Pauses of 3 s and 0.6 s: with transcribe()'s options the long pause ends a stretch
    and the short one does not; with shorter silences allowed, both do and the padding
    is shared out between neighbours closer than two paddings."""
    samples = answer(1.5, sentences[0], 3.0, sentences[1], 0.6, sentences[0], 0.2)
    probabilities = speech_slices.speech_probabilities(samples, slice_windows=100)
    stretches = speech_slices.speech_stretches(probabilities, len(samples), options)
    expected = get_speech_timestamps(whole(samples), options)
    assert [{"start": s.start, "end": s.end} for s in stretches] == expected
    assert len(expected) >= (2 if options.min_silence_duration_ms == 2000 else 3)
    speech = speech_slices.gather_speech(samples, stretches)
    assert numpy.array_equal(
        speech, numpy.concatenate([whole(samples)[s["start"] : s["end"]] for s in expected])
    )


def test_stretches_refuse_a_length_limit() -> None:
    with pytest.raises(ValueError, match="not cut by length"):
        speech_slices.speech_stretches(
            numpy.zeros(10, numpy.float32), 5120, VadOptions(max_speech_duration_s=30)
        )


def test_features_in_slices_are_those_of_the_whole(
    sentences: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slices of 300 frames (3 s) over 10 s of speech, from floats and from 16-bit
    samples: the same features as faster-whisper's over the whole, the loudest value of
    the whole setting the floor of every slice. Equal to float32 rounding: the mel
    filters' matrix product sums in an order the BLAS picks by the matrix's width and
    the CPU, so a slice and the whole may differ in the last bit (1.2e-7 on an AMD EPYC,
    bit for bit elsewhere); a wrong floor, padding or slice edge is off by 0.01 or more."""
    monkeypatch.setattr(speech_slices, "FEATURE_SLICE_FRAMES", 300)
    samples = answer(sentences[0], 0.3, sentences[1], 0.123)
    expected = FeatureExtractor()(whole(samples))
    assert expected.shape[-1] > 3 * 300
    for given in (whole(samples), samples):
        got = speech_slices.SlicedFeatureExtractor()(given)
        assert got.dtype == numpy.float32 and got.shape == expected.shape
        assert float(numpy.abs(got - expected).max()) <= 1e-6


@pytest.fixture(scope="module")
def whisper_model() -> Any:
    return whisper.load_model(whisper.ModelSource.from_settings())


def test_speech_across_slice_edges_keeps_its_words_and_times(
    whisper_model: Any, sentences: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 40 s answer whose second sentence is spoken across the first slice's edge
    (30.08 s), features in slices of 5 s: the words and timings faster-whisper's own
    voice-activity filter gives over the whole answer, and the second sentence's words
    where they were said, not where they sit in the speech handed to Whisper. A word's
    time may move by a frame or two (20 ms each) where the features differ in their last
    bit (see above); a word put where it sits in the speech handed to Whisper would be
    seconds off."""
    first, second = sentences
    gap = 27.0 - len(first) / RATE - 1.0  # the second sentence starts at 27 s
    samples = answer(1.0, first, gap, second, 40.0 - 27.0 - len(second) / RATE)
    assert 27.0 < 30.08 < 27.0 + len(second) / RATE

    monkeypatch.setattr(speech_slices, "FEATURE_SLICE_FRAMES", 500)
    got = whisper.run(whisper_model, samples, language=None)

    monkeypatch.setattr(whisper_model, "feature_extractor", FeatureExtractor())
    segments, info = whisper_model.transcribe(
        whole(samples),
        language=None,
        beam_size=5,
        vad_filter=True,
        word_timestamps=True,
        condition_on_previous_text=False,
    )
    expected = [
        (whisper.clean_token(w.word), w.start, w.end) for s in segments for w in s.words or []
    ]
    whisper_model.forget_recent()
    wanted = [e for e in expected if e[0]]
    assert [w.w for w in got.words] == [word for word, _start, _end in wanted]
    for w, (_word, start, end) in zip(got.words, wanted, strict=True):
        assert abs(w.start - start) <= 0.05 and abs(w.end - end) <= 0.05, (w, start, end)
    assert got.language == info.language == "en"

    text = " ".join(w.w.lower() for w in got.words)
    assert "proud" in text and "billing" in text and "downtime" in text
    billing = next(w for w in got.words if w.w.lower() == "billing")
    # flite says "billing" about 1.2 s into its sentence, which starts at 27 s.
    assert 27.2 < billing.start < 29.5
    proud = next(w for w in got.words if w.w.lower() == "proud")
    assert 3.0 < proud.start < 4.2  # 2.6 s into the first sentence, which starts at 1 s


def test_whisper_is_given_the_speech_alone(whisper_model: Any, sentences: tuple[Any, Any]) -> None:
    """The same sentence after about 1 s and 26.6 s of silence (whole 32 ms windows of
    the voice-activity model apart): the same words, their times moved back by the
    silence that was left out (25.6 s later, give or take the window or two by which the
    model's judgement of where the speech starts differs after a longer silence)."""
    early = whisper.run(whisper_model, answer(0.992, sentences[0], 1.0), language="en")
    late = whisper.run(whisper_model, answer(26.592, sentences[0], 1.0), language="en")
    assert [w.w for w in early.words] == [w.w for w in late.words]
    assert len(early.words) >= len(SENTENCE.split()) - 2
    for a, b in zip(early.words, late.words, strict=True):
        assert b.start - a.start == pytest.approx(25.6, abs=0.075)
        assert b.end - a.end == pytest.approx(25.6, abs=0.075)
