"""``python -m oneway process-file INPUT OUTDIR``: the whole media pipeline on one file,
outside the database, for operators checking a problem file (and for tests).

Writes ``<name>.mp4`` (or ``.m4a``), ``<name>.jpg``, ``<name>.txt`` and ``<name>.vtt`` into
OUTDIR and prints what it found and did. A file we cannot use exits with status 2 and the
reason; any other failure with status 1.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oneway.media.pipeline import RenditionMismatch, render_file, transcribe_rendition
from oneway.media.probe import Unprocessable
from oneway.media.transcribe import TranscriptUnavailable, get_transcriber


class Command(BaseCommand):
    help = "Process one audio/video file: rendition, poster, transcript and captions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path)
        parser.add_argument("outdir", type=Path)
        parser.add_argument(
            "--kind",
            choices=["auto", "video", "audio"],
            default="auto",
            help="video: a picture is required; audio: keep the sound only (default: auto)",
        )
        parser.add_argument("--no-transcript", action="store_true", help="skip speech to text")
        parser.add_argument(
            "--transcriber", default=None, help="engine name (default: settings.TRANSCRIBER)"
        )
        parser.add_argument(
            "--language", default=None, help="language spoken, e.g. de (default: detected)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["input"]
        outdir: Path = options["outdir"]
        if not source.is_file():
            raise CommandError(f"{source}: no such file")
        outdir.mkdir(parents=True, exist_ok=True)
        stem = source.stem or "media"
        out = self.stdout.write
        with tempfile.TemporaryDirectory(prefix="oneway-process-") as tmp:
            workdir = Path(tmp)
            try:
                outcome = render_file(source, workdir, kind=options["kind"])
            except Unprocessable as exc:
                self.stderr.write(f"unprocessable: {exc.reason}")
                sys.exit(2)
            except RenditionMismatch as exc:
                raise CommandError(f"rendition failed verification: {exc}") from exc
            out(f"input:     {source} ({outcome.probe.describe()})")
            for reason in outcome.plan.reasons:
                out(f"plan:      {reason}")
            rendition = outdir / f"{stem}{outcome.plan.extension}"
            shutil.move(str(outcome.rendition), rendition)
            out(f"rendition: {rendition} ({outcome.rendition_probe.describe()})")
            if outcome.poster is not None:
                poster = outdir / f"{stem}.jpg"
                shutil.move(str(outcome.poster), poster)
                out(f"poster:    {poster}")
            timings = ", ".join(f"{k} {v:.2f} s" for k, v in outcome.timings.items())
            ratio = outcome.probe.duration / max(outcome.timings["total"], 1e-6)
            out(f"timings:   {timings} ({ratio:.1f}x real time)")
            if options["no_transcript"]:
                return
            started = time.monotonic()
            transcriber = get_transcriber(options["transcriber"])
            try:
                result = transcribe_rendition(rendition, transcriber, language=options["language"])
            except TranscriptUnavailable as exc:
                out(f"transcript: unavailable ({exc.reason})")
                return
            if result is None:
                out("transcript: none (no audio)")
                return
            (outdir / f"{stem}.txt").write_text(result.transcript.text + "\n", encoding="utf-8")
            (outdir / f"{stem}.vtt").write_text(result.captions, encoding="utf-8")
            elapsed = time.monotonic() - started
            out(
                f"transcript: {outdir / (stem + '.txt')} and {outdir / (stem + '.vtt')} "
                f"({result.transcript.engine or transcriber.name}, "
                f"language {result.transcript.language or '-'}, "
                f"{len(result.transcript.words)} words, {elapsed:.2f} s, "
                f"{result.audio_seconds / max(elapsed, 1e-6):.1f}x real time)"
            )
            out(f"text:      {result.transcript.text}")
            if result.transcript.warning:
                out(f"warning:   {result.transcript.warning}")
