"""Fixtures for the operator endpoints: a metrics token and a scraper."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from metrics_samples import Samples, parse

METRICS_TOKEN = "metrics-token-for-tests"


@pytest.fixture
def metrics_token(settings: Any) -> str:
    settings.METRICS_TOKEN = METRICS_TOKEN
    return METRICS_TOKEN


@pytest.fixture
def scrape(metrics_token: str) -> Callable[[], Samples]:
    """Every sample of /metrics as {(name, sorted labels): value}."""

    def read() -> Samples:
        response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}")
        assert response.status_code == 200, response.content
        return parse(response.content.decode())

    return read
