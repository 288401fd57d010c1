"""Speech to text behind one small interface.

Callers ask ``get_transcriber()`` for the engine named by ``settings.TRANSCRIBER`` ("pocketsphinx",
"none", or the dotted path of a ``Transcriber`` subclass) and hand it 16 kHz mono audio;
a second engine plugs in without touching them. Transcripts are an aid for the humans who
review: they are never scored.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
from django.conf import settings
from django.utils.module_loading import import_string

SAMPLE_RATE = 16000


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

    @property
    def text(self) -> str:
        return " ".join(word.w for word in self.words)


class Transcriber:
    """Turns 16 kHz mono signed 16-bit PCM into words with timings."""

    name = "base"

    def transcribe(self, pcm: bytes) -> Transcript:
        raise NotImplementedError


class NoTranscriber(Transcriber):
    """Transcription switched off (``ONEWAY_TRANSCRIBER=none``)."""

    name = "none"

    def transcribe(self, pcm: bytes) -> Transcript:
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

    def transcribe(self, pcm: bytes) -> Transcript:
        decoder = self._decoder()
        frame_rate = int(decoder.config["frate"])
        words: list[Word] = []
        for offset, chunk in _speech_stretches(pcm):
            decoder.start_utt()
            decoder.process_raw(chunk, full_utt=True)
            decoder.end_utt()
            for segment in decoder.seg():
                word = _clean_word(segment.word)
                if not word:
                    continue
                words.append(
                    Word(
                        w=word,
                        start=offset + segment.start_frame / frame_rate,
                        end=offset + (segment.end_frame + 1) / frame_rate,
                    )
                )
        return Transcript(words=words)


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
    name = name or getattr(settings, "TRANSCRIBER", "pocketsphinx") or "none"
    builtin: dict[str, type[Transcriber]] = {
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


def transcribe_file(path: Path, transcriber: Transcriber | None = None) -> Transcript | None:
    pcm = extract_speech(path)
    if pcm is None:
        return None
    return (transcriber or get_transcriber()).transcribe(pcm)
