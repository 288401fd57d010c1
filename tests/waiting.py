"""Waiting in tests for something another thread or process does."""

from __future__ import annotations

import time
from typing import Any


def wait_until(check: Any, seconds: float = 30, what: str = "", interval: float = 0.05) -> Any:
    """Call ``check`` until it gives a true value, and return that; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        time.sleep(interval)
