"""A host that loses Redis answers 503 (a problem document for APIs, a page for people)
and recovers by itself when Redis is back."""

import json
from typing import Any

import pytest
from django.test import Client

from oneway.core.tokens import new_token

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.mark.django_db
def test_a_lost_redis_cache_is_a_503_page_then_recovers(settings: Any) -> None:
    token, _ = new_token()
    live = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }
    response = Client().get(f"/c/{token}/")
    assert response.status_code == 503
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Retry-After"] == "30"
    assert b"briefly unavailable" in response.content

    response = Client().get(f"/c/{token}/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 503

    settings.CACHES = live
    assert Client().get(f"/c/{token}/").status_code == 404  # an unknown link, as before
