"""Upload settings with their defaults (settings.py sets them from ONEWAY_UPLOAD_*)."""

from functools import lru_cache
from pathlib import Path

from django.conf import settings

MIN_S3_PART_SIZE = 5 * 1024 * 1024
# Bounded reads of request bodies: the most a request holds in memory at once.
READ_SIZE = 256 * 1024
# The first bytes handed to UploadPolicy.validate_prefix.
PREFIX_SIZE = 64


def temp_dir() -> Path:
    return _as_path(settings.UPLOAD_TEMP_DIR)


@lru_cache(maxsize=16)
def _as_path(value: str | Path) -> Path:
    # Every chunk asks: building a Path each time cost more than writing the chunk's row.
    return Path(value)


def max_size() -> int:
    return int(settings.UPLOAD_MAX_SIZE)


def max_chunk_size() -> int:
    return int(settings.UPLOAD_MAX_CHUNK_SIZE)


def memory_buffer() -> int:
    """How much of one request body is held in memory before it goes to a scratch file."""
    return int(getattr(settings, "UPLOAD_MEMORY_BUFFER", 1024 * 1024))


def expiry_hours() -> int:
    return int(settings.UPLOAD_EXPIRY_HOURS)


def cors_origins() -> list[str]:
    return list(settings.UPLOAD_CORS_ORIGINS)


def s3_part_size() -> int:
    return max(MIN_S3_PART_SIZE, int(getattr(settings, "UPLOAD_S3_PART_SIZE", MIN_S3_PART_SIZE)))


def backend_setting() -> str:
    """ "auto" (S3 multipart when the default storage is S3, else local), "local" or "s3"."""
    return str(getattr(settings, "UPLOAD_BACKEND", "auto"))


def file_mode() -> int:
    return int(getattr(settings, "FILE_UPLOAD_PERMISSIONS", None) or 0o640)
