"""Background jobs for uploads."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from oneway.uploads.sweep import uploads_sweep


@db_periodic_task(crontab(minute="*/15"))
def sweep_uploads() -> None:
    """Expired uploads, orphaned files and S3 parts, interrupted notifications."""
    uploads_sweep()
