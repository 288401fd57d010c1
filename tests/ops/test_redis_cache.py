"""With ONEWAY_REDIS_URL, rate limits are counted in Redis: one count for every host."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.core.cache import caches

from oneway.core.ratelimit import allow

REDIS_DB = int(os.environ.get("ONEWAY_TEST_REDIS_DB", "15"))
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


@pytest.fixture
def redis_cache(settings: Any) -> Iterator[None]:
    redis.Redis.from_url(REDIS_URL).flushdb()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    yield
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_settings_put_the_cache_and_the_queue_on_redis(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.HUEY['huey_class'], "
        "settings.SESSION_ENGINE)"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ONEWAY_")},
        "DJANGO_SETTINGS_MODULE": "oneway.settings",
        "ONEWAY_DATA_DIR": str(tmp_path),
        "ONEWAY_REDIS_URL": REDIS_URL,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "huey.RedisHuey",
        # Sessions stay in the database: they survive a Redis restart.
        "django.contrib.sessions.backends.db",
    ]


def test_a_rate_limit_is_shared_by_every_host(redis_cache: None, tmp_path: Path) -> None:
    key = "apply-ip:198.51.100.7"
    assert [allow(key, limit=3, window=60) for _ in range(2)] == [True, True]
    assert type(caches["default"]).__name__ == "RedisCache"
    # Another host (process) counts the third attempt, and a fourth is over the limit.
    code = (
        "import django; django.setup(); from oneway.core.ratelimit import allow; "
        f"print(allow({key!r}, limit=3, window=60), allow({key!r}, limit=3, window=60))"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ONEWAY_")},
        "DJANGO_SETTINGS_MODULE": "oneway.settings",
        "ONEWAY_DATA_DIR": str(tmp_path),
        "ONEWAY_REDIS_URL": REDIS_URL,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "False"]
    assert allow(key, limit=3, window=60) is False
