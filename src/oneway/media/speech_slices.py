"""What Whisper is given, worked out slice by slice so that a long answer costs little
memory: the stretches of speech in the answer (Silero voice-activity detection, the model
faster-whisper ships) and the log-mel features of that speech.

faster-whisper does both over the whole answer at once: Silero's input and activations
for every 32 ms window of the answer in one batch, and the spectrogram's frames, their
Fourier transform (complex) and magnitudes for all of the speech together. That cost
1.3-1.5 MB for each second of audio at the peak: a two-minute answer raised a worker by
about 200 MB, and one of nine minutes and a half (a question allows ten) took it to
1,070 MB. Here each step sees about 30 s at a time, and the results are the same as
faster-whisper's (the tests compare them on real speech):

- Silero judges the answer a slice at a time with its recurrent state (and the previous
  window's last samples it reads as context) carried from one slice into the next, so
  every window gets the probability it gets when the whole answer is one batch; the
  stretches are then found from those probabilities by the same rules (threshold, end
  after two seconds below the lower threshold, 0.4 s of padding, shared out when two
  stretches are closer than that). Nothing is cut at a slice edge: slices only bound
  what the model sees in one call.
- The mel features are computed a slice of frames at a time, each slice from the samples
  its frames cover, into one array; the last step (the floor 8 below the loudest value of
  the whole answer, then the scaling) runs once the whole array is known.

The samples are 16 kHz mono, either the worker's 16-bit integers (converted a slice at a
time: only the speech Whisper hears is ever held as floats) or floats in [-1, 1].
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from dataclasses import dataclass
from typing import Any

import numpy
from faster_whisper.feature_extractor import FeatureExtractor
from faster_whisper.vad import VadOptions, get_vad_model

from oneway.media.whisper import SAMPLE_RATE

VAD_WINDOW = 512  # samples Silero judges at a time (32 ms)
VAD_CONTEXT = 64  # samples before each window that Silero reads with it
VAD_SLICE_WINDOWS = 940  # about 30 s per call of the model
FEATURE_SLICE_FRAMES = 3000  # 30 s of mel frames per slice


_libc: Any = None


def release_free_memory() -> None:
    """Hand the memory the C allocator holds free back to the system (glibc only)."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    if hasattr(_libc, "malloc_trim"):
        _libc.malloc_trim(0)


def as_float(samples: Any) -> Any:
    """float32 samples in [-1, 1]; 16-bit integers are scaled as the worker always did."""
    if samples.dtype == numpy.int16:
        return samples.astype(numpy.float32) / 32768.0
    return numpy.asarray(samples, dtype=numpy.float32)


def speech_probabilities(samples: Any, *, slice_windows: int = VAD_SLICE_WINDOWS) -> Any:
    """Silero's probability of speech for each 32 ms window of ``samples`` (the last window
    padded with zeros), one slice of windows per call of the model."""
    session = get_vad_model().session
    length = len(samples)
    windows = length // VAD_WINDOW + 1  # as faster-whisper pads: always a window more
    h = c = numpy.zeros((1, 1, 128), dtype=numpy.float32)  # Silero's recurrent state
    probabilities = numpy.empty(windows, dtype=numpy.float32)
    for first in range(0, windows, slice_windows):
        last = min(windows, first + slice_windows)
        # The slice's samples and the context before its first window (zeros before the
        # answer starts and after it ends).
        begin = first * VAD_WINDOW - VAD_CONTEXT
        piece = numpy.zeros(VAD_CONTEXT + (last - first) * VAD_WINDOW, dtype=numpy.float32)
        available = as_float(samples[max(begin, 0) : min(last * VAD_WINDOW, length)])
        piece[max(-begin, 0) : max(-begin, 0) + len(available)] = available
        if last == windows:
            # faster-whisper zeroes the last samples of the final window (the context it
            # would hand a next window); done here too, so the probabilities are its own.
            piece[-VAD_CONTEXT:] = 0
        rows = numpy.lib.stride_tricks.as_strided(
            piece,
            shape=(last - first, VAD_CONTEXT + VAD_WINDOW),
            strides=(VAD_WINDOW * piece.itemsize, piece.itemsize),
            writeable=False,
        )
        output, h, c = session.run(None, {"input": numpy.ascontiguousarray(rows), "h": h, "c": c})
        probabilities[first:last] = numpy.ravel(output)
    return probabilities


@dataclass
class Stretch:
    """Samples ``start`` to ``end`` (exclusive) of the answer hold speech."""

    start: int
    end: int


def speech_stretches(
    probabilities: Any, length: int, options: VadOptions | None = None
) -> list[Stretch]:
    """Where the speech is, from Silero's probabilities, by the rules of faster-whisper's
    ``get_speech_timestamps`` (whose options these are; stretches are never cut by length
    here, as transcribe() never asks for that)."""
    options = options or VadOptions()
    if not math.isinf(options.max_speech_duration_s):
        raise ValueError("stretches are not cut by length")
    threshold = options.threshold
    below = options.neg_threshold
    if below is None:
        below = max(threshold - 0.15, 0.01)
    min_silence = SAMPLE_RATE * options.min_silence_duration_ms / 1000
    min_speech = SAMPLE_RATE * options.min_speech_duration_ms / 1000
    pad = SAMPLE_RATE * options.speech_pad_ms / 1000

    stretches: list[Stretch] = []
    start: int | None = None  # the open stretch's first sample
    quiet_since = 0  # where the open stretch fell below the lower threshold (0: it has not)
    # float32 scalars, compared as faster-whisper compares them.
    for index, probability in enumerate(probabilities):
        at = index * VAD_WINDOW
        if probability >= threshold:
            quiet_since = 0
            if start is None:
                start = at
        elif start is not None and probability < below:
            quiet_since = quiet_since or at
            if at - quiet_since >= min_silence:
                if quiet_since - start > min_speech:
                    stretches.append(Stretch(start, quiet_since))
                start, quiet_since = None, 0
    if start is not None and length - start > min_speech:
        stretches.append(Stretch(start, length))

    # Padding: a stretch starts and ends ``pad`` further out, or halfway to its neighbour
    # when the silence between them is shorter than two paddings.
    for index, stretch in enumerate(stretches):
        if index == 0:
            stretch.start = int(max(0, stretch.start - pad))
        if index == len(stretches) - 1:
            stretch.end = int(min(length, stretch.end + pad))
            continue
        following = stretches[index + 1]
        silence = following.start - stretch.end
        if silence < 2 * pad:
            stretch.end += silence // 2
            following.start = int(max(0, following.start - silence // 2))
        else:
            stretch.end = int(min(length, stretch.end + pad))
            following.start = int(max(0, following.start - pad))
    return stretches


def gather_speech(samples: Any, stretches: list[Stretch]) -> Any:
    """The stretches' samples one after another, as float32 (what Whisper hears)."""
    speech = numpy.empty(sum(s.end - s.start for s in stretches), dtype=numpy.float32)
    at = 0
    for stretch in stretches:
        for start in range(stretch.start, stretch.end, SAMPLE_RATE * 30):
            part = as_float(samples[start : min(stretch.end, start + SAMPLE_RATE * 30)])
            speech[at : at + len(part)] = part
            at += len(part)
    return speech


class SlicedFeatureExtractor(FeatureExtractor):  # type: ignore[misc]
    """faster-whisper's log-mel features, computed ``FEATURE_SLICE_FRAMES`` at a time."""

    def __call__(self, waveform: Any, padding: int = 160, chunk_length: Any = None) -> Any:
        padded = len(waveform) + padding  # the answer and the zeros added after it
        frames = padded // self.hop_length  # the frames faster-whisper keeps
        if frames < 2 * FEATURE_SLICE_FRAMES:
            return super().__call__(as_float(waveform), padding=padding, chunk_length=chunk_length)
        if chunk_length is not None:
            self.n_samples = chunk_length * self.sampling_rate
            self.nb_max_frames = self.n_samples // self.hop_length
        window = numpy.hanning(self.n_fft + 1)[:-1].astype("float32")
        half = self.n_fft // 2  # each frame is centred on its hop
        features = numpy.empty((self.mel_filters.shape[0], frames), dtype=numpy.float32)
        # Slices of equal size; the remainder joins the last one (never a tiny slice, whose
        # edge reflection would reach past its own samples).
        bounds = list(range(0, frames - FEATURE_SLICE_FRAMES + 1, FEATURE_SLICE_FRAMES))
        for first, last in zip(bounds, [*bounds[1:], frames], strict=True):
            begin = first * self.hop_length - half
            end = (last - 1) * self.hop_length + half
            piece = numpy.zeros(min(end, padded) - max(begin, 0), dtype=numpy.float32)
            available = as_float(waveform[max(begin, 0) : min(end, len(waveform))])
            piece[: len(available)] = available
            # The whole signal is mirrored at its two ends (numpy's "reflect").
            piece = numpy.pad(piece, (max(-begin, 0), max(end - padded, 0)), mode="reflect")
            spectrum = self.stft(
                piece,
                self.n_fft,
                self.hop_length,
                window=window,
                center=False,
                return_complex=True,
            ).astype("complex64")
            mel = self.mel_filters @ (numpy.abs(spectrum) ** 2)
            features[:, first:last] = numpy.log10(numpy.clip(mel, a_min=1e-10, a_max=None))
        release_free_memory()
        numpy.maximum(features, features.max() - 8.0, out=features)
        features += 4.0
        features /= 4.0
        return features
