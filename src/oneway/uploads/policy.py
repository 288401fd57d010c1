"""Who may upload what: the pluggable authorisation of the tus service.

The upload service knows nothing about interviews. Each feature that accepts uploads
(the candidate flow, staff intro videos ...) subclasses ``UploadPolicy`` and registers it
under a *purpose* in its ``AppConfig.ready()``::

    register_policy("take", TakeUploadPolicy())

The client names the purpose in ``Upload-Metadata`` (``purpose <base64>``); an unknown
purpose answers 400. Every request on an existing upload (HEAD, PATCH, DELETE) is
authorised again by the same policy: state lives in the database, never in the process,
so any web process can answer any request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from oneway.uploads.models import Upload


class UploadDenied(Exception):
    """Refuse a request: answered with ``status`` (403, 409, 410, 413, 415 ...) and ``message``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Grant:
    """What ``authorize_create`` returns: who owns the new upload and its limits."""

    # Opaque key stored on the upload, e.g. "take:42"; the owner finds its uploads by it.
    owner: str
    # Bytes; a declared length (or data) beyond it is refused with 413.
    max_size: int | None = None
    # When the unfinished upload expires (410, then swept); default now + UPLOAD_EXPIRY_HOURS.
    expires_at: datetime | None = None
    # Give the client a capability for this upload, valid until then: a request bearing
    # it (X-Upload-Token) is authorised by the upload row alone, without ``authorize``
    # (no session or database lookups per chunk). After it, ``authorize`` decides again;
    # ``validate_complete`` still runs on completion. None: no capability.
    capability_until: datetime | None = None


class UploadPolicy:
    """Subclass and override. The defaults refuse everything, so a forgotten override is safe."""

    def authorize_create(self, request: HttpRequest, metadata: dict[str, str]) -> Grant:
        """Allow creating an upload (POST) or raise ``UploadDenied``."""
        raise UploadDenied(403, "Uploads for this purpose are not allowed.")

    def authorize(self, request: HttpRequest, upload: Upload) -> None:
        """Allow HEAD, PATCH or DELETE on ``upload`` or raise ``UploadDenied``."""
        raise UploadDenied(403, "This upload is not yours.")

    def validate_prefix(self, upload: Upload, prefix: bytes) -> None:
        """Check the first bytes (at least 64, or the whole file if shorter) before they are
        acknowledged, e.g. a container signature; raise ``UploadDenied(415, ...)`` to refuse.
        The refused PATCH changes nothing. What this hook (or ``validate_complete``) puts
        into ``upload.metadata`` is saved with the upload."""

    def validate_complete(self, upload: Upload) -> None:
        """Last check before completion is acknowledged. The completed file is readable in
        Django's default storage under ``upload.storage_name``. Raising ``UploadDenied``
        discards the upload (file and row) and answers the client with its status."""


_policies: dict[str, UploadPolicy] = {}


def register_policy(purpose: str, policy: UploadPolicy) -> None:
    """Register (or replace) the policy for ``purpose``; call it from ``AppConfig.ready()``."""
    if not purpose or len(purpose) > 64:
        raise ValueError("An upload purpose is 1 to 64 characters.")
    _policies[purpose] = policy


def unregister_policy(purpose: str) -> None:
    """Remove a policy (tests)."""
    _policies.pop(purpose, None)


def policy_for(purpose: str) -> UploadPolicy | None:
    return _policies.get(purpose)
