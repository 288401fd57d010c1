"""``python -m oneway restore /backups/oneway``: put a backup back."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oneway.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into the configured database (its tables are "
        "replaced) and media storage, then re-apply what happened since (erasures)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask: the database will be replaced."
        )

    def handle(self, *args: Any, folder: Path, yes: bool, **options: Any) -> None:
        if not yes:
            answer = input("This replaces the configured database's data. Type 'restore': ")
            if answer.strip() != "restore":
                raise CommandError("Nothing was restored.")
        try:
            manifest = restore(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the backup of {manifest.get('created_at')} "
            f"({manifest.get('media_files')} media files). Run `python -m oneway migrate` "
            "if this version is newer, then `python -m oneway doctor`."
        )
