"""Speech to text behind one small interface.

Callers ask ``get_transcriber()`` for the engine named by ``settings.TRANSCRIBER``
("whisper", the default; "pocketsphinx", the light English-only fallback; "none"; or the
dotted path of a ``Transcriber`` subclass) and hand it 16 kHz mono audio and, when known,
the language spoken. Transcripts are an aid for the humans who review: they are never
scored.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from oneway.media import whisper

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
Progress = Callable[[], None]


class TranscriptUnavailable(Exception):
    """This recording cannot be transcribed (a language the engine does not know, no
    usable model); ``reason`` says why. Retrying later may help once the cause is fixed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Word:
    w: str
    start: float  # seconds
    end: float

    def as_dict(self) -> dict[str, Any]:
        return {"w": self.w, "start": round(self.start, 2), "end": round(self.end, 2)}


@dataclass
class Transcript:
    words: list[Word] = field(default_factory=list)
    language: str = ""  # ISO 639-1 code of the language the words are in ("" when none)
    engine: str = ""  # which engine and model made it, e.g. "whisper:Whisper base"
    warning: str = ""  # for admins: e.g. why the fallback engine made it

    @property
    def text(self) -> str:
        return " ".join(word.w for word in self.words)


class Transcriber:
    """Turns 16 kHz mono signed 16-bit PCM into words with timings.

    ``language`` is the ISO 639-1 code of the language spoken when it is known (None:
    the engine detects it, or assumes its only language); an engine that does not know
    the language raises ``TranscriptUnavailable``. ``progress`` is called now and then
    on long recordings (the worker renews its claim on the job).
    """

    name = "base"

    def transcribe(
        self, pcm: bytes, *, language: str | None = None, progress: Progress | None = None
    ) -> Transcript:
        raise NotImplementedError


class NoTranscriber(Transcriber):
    """Transcription switched off (``ONEWAY_TRANSCRIBER=none``)."""

    name = "none"

    def transcribe(
        self, pcm: bytes, *, language: str | None = None, progress: Progress | None = None
    ) -> Transcript:
        return Transcript()


class PocketsphinxTranscriber(Transcriber):
    """CMU PocketSphinx with its bundled US English model.

    Settings chosen by measurement on this project's 2-core machine (bench/README.md):
    acoustic scores on every other frame (``ds=2``), no flat-lexicon second pass, and at
    most 3,000 active HMMs and 10 word exits per frame. Together about twice as fast as
    the defaults (which run barely 3x real time here), with the same word error rate on
    our test speech. Speech is cut at pauses (voice activity detection) and each stretch
    decoded on its own, which keeps the search small on long answers.
    """

    name = "pocketsphinx"
    options: dict[str, Any] = {"ds": 2, "fwdflat": False, "maxhmmpf": 3000, "maxwpf": 10}
    # Decoders are costly to load (~0.4 s) and not thread-safe: one per thread.
    _local = threading.local()

    def _decoder(self) -> Any:
        decoder = getattr(self._local, "decoder", None)
        if decoder is None:
            from pocketsphinx import Decoder

            decoder = Decoder(loglevel="FATAL", **self.options)
            self._local.decoder = decoder
        return decoder

    def transcribe(
        self, pcm: bytes, *, language: str | None = None, progress: Progress | None = None
    ) -> Transcript:
        code = whisper.normalise_language(language)
        if code not in (None, "en"):
            raise TranscriptUnavailable(
                _("PocketSphinx transcribes English only, and this answer is in %(code)s.")
                % {"code": code}
            )
        decoder = self._decoder()
        words: list[Word] = []
        for offset, chunk in _speech_stretches(pcm):
            words += decode_stretch(decoder, offset, chunk)
            if progress is not None:
                progress()
        return Transcript(words=words, language="en" if words else "", engine=self.name)


def decode_stretch(decoder: Any, offset: float, chunk: bytes) -> list[Word]:
    """The words of one stretch of speech starting at ``offset`` seconds."""
    if len(chunk) < 2:
        return []  # process_raw() fails on an empty buffer
    decoder.start_utt()
    decoder.process_raw(chunk, full_utt=True)
    decoder.end_utt()
    frame_rate = int(decoder.config["frate"])
    words = []
    # seg() is None when the decoder found no hypothesis at all (a very short stretch).
    for segment in decoder.seg() or ():
        word = _clean_word(segment.word)
        if word:
            words.append(
                Word(
                    w=word,
                    start=offset + segment.start_frame / frame_rate,
                    end=offset + (segment.end_frame + 1) / frame_rate,
                )
            )
    return words


class WhisperTranscriber(Transcriber):
    """Whisper (base by default) through faster-whisper: int8, one CPU thread, voice
    activity filtering, word timings, the language detected unless it is given.

    When the model cannot be used (missing, damaged, not matching its pinned hashes), it
    says why in the log and on the transcript, and PocketSphinx makes the transcript.
    """

    name = "whisper"

    def __init__(self, source: whisper.ModelSource | None = None) -> None:
        self.source = source or whisper.ModelSource.from_settings()

    def transcribe(
        self, pcm: bytes, *, language: str | None = None, progress: Progress | None = None
    ) -> Transcript:
        try:
            model = whisper.load_model(self.source)
        except whisper.ModelRefused as exc:
            logger.warning("speech model refused, using PocketSphinx: %s", exc.reason)
            warning = _("Made by PocketSphinx, the fallback engine: %(reason)s") % {
                "reason": exc.reason
            }
            try:
                transcript = PocketsphinxTranscriber().transcribe(
                    pcm, language=language, progress=progress
                )
            except TranscriptUnavailable as unavailable:
                raise TranscriptUnavailable(f"{exc.reason} {unavailable.reason}") from exc
            transcript.warning = warning
            return transcript
        code = whisper.normalise_language(language)
        if code is not None and code not in model.supported_languages:
            raise TranscriptUnavailable(
                _("The speech engine does not know the language code %(code)s.")
                % {"code": language}
            )
        import numpy

        samples = numpy.frombuffer(pcm, dtype=numpy.int16)  # converted a slice at a time
        result = whisper.run(model, samples, language=code, progress=progress)
        return Transcript(
            words=[Word(w.w, w.start, w.end) for w in result.words],
            language=result.language,
            engine=engine_id(self),
        )


def _clean_word(token: str) -> str:
    """Drop silences and fillers (<s>, <sil>, [NOISE]) and alternate-pronunciation marks."""
    if not token or token[0] in "<[":
        return ""
    return token.split("(", 1)[0]


def _speech_stretches(pcm: bytes, *, max_seconds: float = 30.0) -> list[tuple[float, bytes]]:
    """Split at pauses: (offset seconds, pcm) pieces, silence-padded by the segmenter."""
    from pocketsphinx import Segmenter

    segmenter = Segmenter(sample_rate=SAMPLE_RATE, window=0.3, ratio=0.9)
    pieces: list[tuple[float, bytes]] = []
    for segment in segmenter.segment(io.BytesIO(pcm)):
        data = bytes(segment.pcm)
        step = int(max_seconds * SAMPLE_RATE) * 2
        for start in range(0, len(data), step):
            pieces.append(
                (segment.start_time + start / 2 / SAMPLE_RATE, data[start : start + step])
            )
    return pieces


def get_transcriber(name: str | None = None) -> Transcriber:
    name = name or getattr(settings, "TRANSCRIBER", "whisper") or "none"
    builtin: dict[str, type[Transcriber]] = {
        "whisper": WhisperTranscriber,
        "pocketsphinx": PocketsphinxTranscriber,
        "none": NoTranscriber,
    }
    cls = builtin.get(name) or import_string(name)
    if not (isinstance(cls, type) and issubclass(cls, Transcriber)):
        raise TypeError(f"TRANSCRIBER {name!r} is not a Transcriber")
    return cls()


def extract_speech(path: Path) -> bytes | None:
    """The first audio stream as 16 kHz mono s16 PCM; None when there is no audio."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        pcm = bytearray()
        for frame in container.decode(stream):
            frame.pts = None
            for out in resampler.resample(frame):
                pcm += bytes(out.planes[0])[: out.samples * 2]
        for out in resampler.resample(None):
            pcm += bytes(out.planes[0])[: out.samples * 2]
    return bytes(pcm)


def transcribe_file(
    path: Path, transcriber: Transcriber | None = None, *, language: str | None = None
) -> Transcript | None:
    pcm = extract_speech(path)
    if pcm is None:
        return None
    return (transcriber or get_transcriber()).transcribe(pcm, language=language)


def engine_id(transcriber: Transcriber) -> str:
    """What a transcript made by this engine records as its engine (``transcript_engine``),
    e.g. "whisper:Whisper base"; transcripts recording another are redone by a redo."""
    if isinstance(transcriber, WhisperTranscriber):
        return f"{transcriber.name}:{transcriber.source.label}"
    return transcriber.name


def engine_label(transcriber: Transcriber) -> str:
    """The engine and model as an operator would name them."""
    if isinstance(transcriber, WhisperTranscriber):
        return f"whisper ({transcriber.source.label})"
    return transcriber.name


def engine_status(*, load: bool = True) -> tuple[bool, str]:
    """Which engine and model make transcripts, and whether they can: for ``doctor`` and
    the admins' transcripts page. ``load=False`` checks the files (the pinned hashes)
    without loading the model into this process."""
    try:
        transcriber = get_transcriber()
    except Exception as exc:
        return False, _("ONEWAY_TRANSCRIBER is not usable: %(error)s") % {"error": exc}
    if isinstance(transcriber, NoTranscriber):
        return True, _("Transcription is switched off (ONEWAY_TRANSCRIBER=none).")
    if not isinstance(transcriber, WhisperTranscriber):
        return True, _("Transcripts are made by %(engine)s.") % {
            "engine": engine_label(transcriber)
        }
    source = transcriber.source
    try:
        if load:
            whisper.load_model(source)
        else:
            source.prepare(write=False)
    except whisper.ModelRefused as exc:
        return False, _(
            "Whisper cannot be used, so PocketSphinx (English only) makes transcripts: %(reason)s"
        ) % {"reason": exc.reason}
    checked = _("pinned checksums verified") if source.pinned else _("operator's model")
    return True, _("Transcripts are made by %(engine)s, %(checked)s, in %(path)s.") % {
        "engine": engine_label(transcriber),
        "checked": checked,
        "path": source.folder,
    }
