"""``python -m oneway redo-transcripts``: make existing transcripts again with the current
engine (after switching to Whisper, or after fixing a refused model).

Queues the transcripts of every interview (or those given with ``--interview``, or one
organisation's with ``--organisation``) that another engine made, or that are unavailable
or failed; ``--everything`` redoes those the current engine made too. Transcripts already
queued or being made are left alone, so running it again queues nothing twice. The worker
makes them; ``--wait`` shows the progress until they are done.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from oneway.core.models import Interview, Organisation
from oneway.core.selectors import interview_answer_media
from oneway.media.models import MediaItem
from oneway.media.services import media_transcripts_redo, transcript_progress
from oneway.media.transcribe import engine_id, engine_label, engine_status, get_transcriber


class Command(BaseCommand):
    help = "Redo existing transcripts with the current speech-to-text engine (queued)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interview", type=int, action="append", default=[], help="interview id"
        )
        parser.add_argument("--organisation", help="organisation slug (default: all)")
        parser.add_argument(
            "--everything", action="store_true", help="also transcripts the engine made"
        )
        parser.add_argument("--wait", action="store_true", help="show progress until done")
        parser.add_argument("--poll", type=float, default=2.0, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        transcriber = get_transcriber()
        if transcriber.name == "none":
            raise CommandError("Transcription is switched off (ONEWAY_TRANSCRIBER=none).")
        ok, status = engine_status(load=False)
        self.stdout.write(("" if ok else "WARNING: ") + status)
        engine = engine_id(transcriber)
        interviews: QuerySet[Interview] = Interview.objects.select_related("organisation")
        if options["organisation"]:
            organisation = Organisation.objects.filter(slug=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"No organisation {options['organisation']!r}.")
            interviews = interviews.filter(organisation=organisation)
        if options["interview"]:
            interviews = interviews.filter(pk__in=options["interview"])
            missing = set(options["interview"]) - set(interviews.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No interview {', '.join(map(str, sorted(missing)))}.")
        item_ids: set[int] = set()
        queued = 0
        for interview in interviews.order_by("pk"):
            items = interview_answer_media(interview)
            item_ids.update(items.values_list("pk", flat=True))
            count = media_transcripts_redo(
                organisation=interview.organisation,
                items=items,
                engine=engine,
                everything=options["everything"],
                actor_label="redo-transcripts command",
                obj=interview,
            )
            if count:
                self.stdout.write(f"interview {interview.pk} ({interview.title}): {count} queued")
            queued += count
        scope = MediaItem.objects.filter(pk__in=item_ids)
        progress = transcript_progress(scope, engine=engine)
        self.stdout.write(
            f"{queued} transcripts queued for {engine_label(transcriber)}; {self._line(progress)}"
        )
        if not options["wait"]:
            return
        last = ""
        while progress.waiting:
            time.sleep(options["poll"])
            progress = transcript_progress(scope, engine=engine)
            line = self._line(progress)
            if line != last:
                self.stdout.write(line)
                last = line
        self.stdout.write("done.")

    @staticmethod
    def _line(progress: Any) -> str:
        return (
            f"{progress.current}/{progress.total} made by the current engine, "
            f"{progress.waiting} waiting, {progress.unavailable} unavailable, "
            f"{progress.failed} failed"
        )
