"""Background jobs for uploads."""

from oneway.core.periodic import periodic_task
from oneway.uploads.sweep import uploads_sweep


@periodic_task(minutes=15)
def sweep_uploads() -> None:
    """Expired uploads, orphaned files and S3 parts, interrupted notifications."""
    uploads_sweep()
