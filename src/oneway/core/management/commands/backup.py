"""``python -m oneway backup /backups/oneway``: database and media into a folder."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oneway.core.backup import BackupError, backup_sync


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup) and every media file "
        "into FOLDER; media already there from a previous backup is copied only if it "
        "changed. Secrets are not included: keep them apart."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args: Any, folder: Path, **options: Any) -> None:
        try:
            report = backup_sync(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up to {folder}: {report.database}, media {report.media_copied} copied, "
            f"{report.media_unchanged} unchanged."
        )
