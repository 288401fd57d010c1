from typing import Any

from django.core.management.base import BaseCommand

from oneway.uploads.sweep import uploads_sweep


class Command(BaseCommand):
    help = (
        "Remove expired uploads and orphaned upload data, cut data past committed offsets "
        "(after a crash) and deliver interrupted completion notifications. Safe to repeat."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = uploads_sweep()
        self.stdout.write(
            f"expired {report.expired}, notified {report.notified}, repaired {report.repaired}, "
            f"orphan files {report.orphan_files}, orphan S3 uploads {report.orphan_s3_uploads}"
        )
