"""Capability tokens never reach the server log.

Candidate links (``/c/<token>/``), live booking links, apply pages, share links, team
invitations and password resets carry their secret in the path; Django logs every 4xx/5xx
with the path (``Not Found: /c/…/``) and granian's access log prints every path. A token
in a log is a working key for whoever reads it (a link logged as "Gone" works again once
the deadline is extended). ``RedactTokens`` rewrites each record's message before any
handler sees it: every path segment or query value that looks like a token (20 or more
URL-safe characters, not a UUID) becomes ``[redacted]``.
"""

import logging
import re

REDACTED = "[redacted]"
# A whole path segment or query value of 20+ token characters: base64url and hex tokens,
# Django's password-reset tokens (with a dash) and signed values (with a colon). File
# names (with a dot) are left alone.
_SEGMENT = re.compile(r"(?<=[/=])([A-Za-z0-9_~%:-]{20,})(?=[/?&#;,\s\"']|$)")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def redact(text: str) -> str:
    """``text`` with every token-like path segment or query value replaced."""
    return _SEGMENT.sub(lambda m: m.group(1) if _UUID.match(m.group(1)) else REDACTED, text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: leave it to the handler's own error path
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
