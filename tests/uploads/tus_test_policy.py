"""The upload policy the upload tests register (purpose "test-upload").

Authorises like a real policy would, by a per-upload secret: creation needs the header
``X-Test-Secret``; the upload is bound to it and every later request must repeat it.
"""

from __future__ import annotations

import hashlib

from django.http import HttpRequest

from oneway.uploads.models import Upload
from oneway.uploads.policy import Grant, UploadDenied, UploadPolicy, register_policy

PURPOSE = "test-upload"
SECRET_HEADER = "X-Test-Secret"


def _owner(secret: str) -> str:
    return "test:" + hashlib.sha256(secret.encode()).hexdigest()[:32]


class UploadPolicyForTests(UploadPolicy):
    def authorize_create(self, request: HttpRequest, metadata: dict[str, str]) -> Grant:
        secret = request.headers.get(SECRET_HEADER, "")
        if not secret:
            raise UploadDenied(403, "A secret is required.")
        max_size = int(metadata["max_size"]) if "max_size" in metadata else None
        return Grant(owner=_owner(secret), max_size=max_size)

    def authorize(self, request: HttpRequest, upload: Upload) -> None:
        if _owner(request.headers.get(SECRET_HEADER, "")) != upload.owner:
            raise UploadDenied(403, "This upload is not yours.")

    def validate_prefix(self, upload: Upload, prefix: bytes) -> None:
        if prefix.startswith(b"EVIL"):
            raise UploadDenied(415, "Not a recording.")
        upload.metadata["first_bytes"] = prefix[:4].hex()

    def validate_complete(self, upload: Upload) -> None:
        if upload.metadata.get("refuse") == "yes":
            raise UploadDenied(422, "Refused on completion.")


def register() -> None:
    register_policy(PURPOSE, UploadPolicyForTests())
