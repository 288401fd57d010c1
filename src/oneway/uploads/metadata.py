"""Strict parsing of the tus ``Upload-Metadata`` header.

``key base64value,key2 base64value2,flag``: keys are printable ASCII without spaces or
commas, unique; values are strict base64 of UTF-8 text without control characters (a key
alone means an empty value). Anything else is refused (400) rather than guessed at:
what is stored is exactly what the client meant.
"""

import base64
import binascii
import re

from django.utils.translation import gettext as _

MAX_HEADER_LENGTH = 4096
MAX_PAIRS = 32
MAX_KEY_LENGTH = 64
MAX_VALUE_LENGTH = 1024

# Printable ASCII except space and ",".
_KEY = re.compile(r"[!-+\--~]{1,64}\Z")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class MetadataError(ValueError):
    pass


def parse_metadata(header: str) -> dict[str, str]:
    if len(header) > MAX_HEADER_LENGTH:
        raise MetadataError(
            _("Upload-Metadata is longer than %(n)d characters.") % {"n": MAX_HEADER_LENGTH}
        )
    if header.strip() == "":
        return {}
    result: dict[str, str] = {}
    pairs = header.split(",")
    if len(pairs) > MAX_PAIRS:
        raise MetadataError(_("Upload-Metadata has more than %(n)d pairs.") % {"n": MAX_PAIRS})
    for pair in pairs:
        parts = pair.strip(" ").split(" ")
        if len(parts) > 2 or parts[0] == "":
            raise MetadataError(_("Each Upload-Metadata pair is a key and an optional value."))
        key = parts[0]
        if not _KEY.match(key):
            raise MetadataError(
                _("Invalid Upload-Metadata key %(key)r.") % {"key": key[:MAX_KEY_LENGTH]}
            )
        if key in result:
            raise MetadataError(_("Duplicate Upload-Metadata key %(key)r.") % {"key": key})
        value = ""
        if len(parts) == 2:
            encoded = parts[1]
            if not encoded or len(encoded) % 4 or not _BASE64.match(encoded):
                raise MetadataError(_("The value of %(key)r is not valid base64.") % {"key": key})
            try:
                raw = base64.b64decode(encoded, validate=True)
                value = raw.decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise MetadataError(
                    _("The value of %(key)r is not base64 of UTF-8 text.") % {"key": key}
                ) from exc
            if _CONTROL.search(value):
                raise MetadataError(
                    _("The value of %(key)r contains control characters.") % {"key": key}
                )
            if len(value) > MAX_VALUE_LENGTH:
                raise MetadataError(_("The value of %(key)r is too long.") % {"key": key})
        result[key] = value
    return result


def encode_metadata(metadata: dict[str, str]) -> str:
    """The header form of ``metadata`` (as HEAD answers it)."""
    pairs = []
    for key, value in metadata.items():
        if value == "":
            pairs.append(key)
        else:
            pairs.append(f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}")
    return ",".join(pairs)
