"""``python -m oneway doctor``: check this deployment and print what to fix."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from oneway.core import doctor


class Command(BaseCommand):
    help = (
        "Check configuration, database, migrations, storage, job queue, media codecs, "
        "transcriber and email; print what to fix. Exit status 1 if anything fails."
    )
    requires_system_checks: list[str] = []  # the configuration check runs them itself

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue-timeout",
            type=float,
            default=doctor.QUEUE_TIMEOUT_SECONDS,
            help="Seconds to wait for a worker to run the test job (default %(default)s).",
        )

    def handle(self, *args: Any, queue_timeout: float, **options: Any) -> None:
        checks = [
            (lambda: doctor.check_queue(queue_timeout)) if c is doctor.check_queue else c
            for c in doctor.CHECKS
        ]
        findings = doctor.run_checks(checks)
        width = max(len(f.name) for f in findings)
        for finding in findings:
            mark = self.style.SUCCESS("ok  ") if finding.ok else self.style.ERROR("FAIL")
            self.stdout.write(f"{mark} {finding.name.ljust(width)}  {finding.text}")
            if not finding.ok and finding.fix:
                self.stdout.write(f"     {' ' * width}  -> {finding.fix}")
        failed = [f for f in findings if not f.ok]
        if failed:
            self.stdout.write(self.style.ERROR(f"{len(failed)} problem(s) found."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Everything checked is fine."))
