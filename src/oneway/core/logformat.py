"""Log lines as JSON objects (``ONEWAY_LOG_FORMAT=json``), one per line.

Each line has ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, the current
``request_id`` when logged while a request is handled, and ``exception`` with the
traceback when there is one. Nothing else of a record is printed: values handed to a log
call through ``extra`` (and the request object Django attaches) stay out, so a log line
never carries more than its message says.

What a message may carry is narrowed twice:

- a request's raw path is replaced by its URL pattern (``c/<str:token>/``): Django's own
  "Not Found: /c/..." lines would otherwise print candidates' link tokens;
- capability tokens (URL-safe runs of 22+ characters mixing letters and digits, what
  ``secrets.token_urlsafe`` makes) and email addresses are replaced by ``[redacted]``.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# Set by RequestContextMiddleware for the duration of one request.
request_id_var: ContextVar[str | None] = ContextVar("oneway_request_id", default=None)

REDACTED = "[redacted]"
_TOKEN_LIKE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{22,}(?![A-Za-z0-9_-])")
_HEX = re.compile(r"[0-9a-f-]+\Z")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def _is_token(match: re.Match[str]) -> bool:
    text = match.group(0)
    # Lower-case hex runs are ids and digests (UUIDs, content hashes), not secrets;
    # runs without a digit are identifiers (task and setting names).
    if _HEX.match(text):
        return False
    return any(c.isdigit() for c in text) and any(c.isalpha() for c in text)


def redact(text: str) -> str:
    """``text`` without token-like runs and email addresses."""
    text = _EMAIL.sub(REDACTED, text)
    return _TOKEN_LIKE.sub(lambda m: REDACTED if _is_token(m) else m.group(0), text)


def route_of(request: Any) -> str:
    """The URL pattern that matched ``request`` ("-" when none did): safe to log, unlike
    the path, which may hold a capability token."""
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", None) if match is not None else None
    return f"/{route}" if route else "-"


def _message(record: logging.LogRecord) -> str:
    message = record.getMessage()
    request = getattr(record, "request", None)
    if request is not None:
        for raw in {getattr(request, "get_full_path", lambda: "")(), getattr(request, "path", "")}:
            if raw and raw in message:
                message = message.replace(raw, route_of(request))
    return redact(message)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
        }
        request_id = request_id_var.get()
        if request_id:
            line["request_id"] = request_id
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            # The access line's own fields (RequestContextMiddleware), all safe to print.
            line.update(access)
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = redact(record.exc_text)
        return json.dumps(line, ensure_ascii=False, default=str)
