"""Fixed-window rate limits kept in Django's cache (shared by every process).

``allow("apply-ip:1.2.3.4", limit=10, window=3600)`` counts one attempt and says whether it
is within the limit.
"""

import hashlib

from django.core.cache import cache


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count an attempt under ``key``; False once more than ``limit`` in ``window`` seconds."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    cache_key = f"ratelimit:{digest}"
    if cache.add(cache_key, 1, timeout=window):
        return limit >= 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        count = 1
    return count <= limit
