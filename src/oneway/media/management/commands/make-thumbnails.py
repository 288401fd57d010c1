"""``python -m oneway make-thumbnails``: the small poster images candidate lists show, for
recordings processed before thumbnails were made. New recordings get theirs when they
are processed; running this again makes only those still missing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from oneway.media.thumbnails import missing_thumbnails, thumbnail_backfill


class Command(BaseCommand):
    help = "Make the missing list thumbnails of processed recordings (from their posters)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="at most this many")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{missing_thumbnails().count()} recordings without a thumbnail.")
        result = thumbnail_backfill(limit=options["limit"])
        self.stdout.write(f"Made {result['made']}; could not make {result['failed']}.")
