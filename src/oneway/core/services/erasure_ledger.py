"""The erasure ledger kept outside the database, so that a restore can re-apply it.

The ledger's rows (``Erasure``) live in the database, which is what a restore replaces:
a restore onto an empty database, after the old one was lost, would bring back every
candidate erased since the backup was made. So each erasure is also written to the media
storage (local disk or the S3 bucket, what every host shares), as one small JSON object
per erased candidate under ``erasure-ledger/``: one object each rather than one appended
file, because objects in S3 cannot be appended to and two hosts may erase at once.

An entry holds no personal data: the invitation's id (the candidate who must not come
back), the reason, the opaque tombstone and when. Entries are never removed; a restore
puts back the backup's media but removes nothing, so entries written after the backup
survive it. ``erasure_run`` writes the entry (idempotent, retried with the job until it
is written); ``core.backup.restore`` reads it with the ledger of the database it
replaces.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

LEDGER_PREFIX = "erasure-ledger"


def ledger_entry_name(invitation_id: int) -> str:
    return f"{LEDGER_PREFIX}/{int(invitation_id)}.json"


def ledger_entry_write(
    *, invitation_id: int, reason: str, tombstone: str, requested_at: datetime
) -> None:
    """Write the entry of one erased candidate (nothing if it is there already)."""
    name = ledger_entry_name(invitation_id)
    if default_storage.exists(name):
        return
    body = json.dumps(
        {
            "invitation_id": int(invitation_id),
            "reason": reason,
            "tombstone": tombstone,
            "requested_at": requested_at.isoformat(),
        }
    )
    saved = default_storage.save(name, ContentFile(body.encode()))
    if saved != name:  # another host wrote it meanwhile: ours is a duplicate
        default_storage.delete(saved)


def ledger_entries() -> list[tuple[int, str]]:
    """(invitation id, reason) of every entry in the storage, oldest erasure first. An
    entry that cannot be read is logged and skipped (never a reason to stop a restore)."""
    try:
        _folders, files = default_storage.listdir(LEDGER_PREFIX)
    except FileNotFoundError:
        return []
    entries: list[tuple[str, int, str]] = []
    for filename in files:
        if not filename.endswith(".json"):
            continue
        try:
            with default_storage.open(f"{LEDGER_PREFIX}/{filename}", "rb") as f:
                entry = json.loads(f.read())
            entries.append(
                (str(entry["requested_at"]), int(entry["invitation_id"]), str(entry["reason"]))
            )
        except (OSError, ValueError, KeyError, TypeError):
            logger.warning("erasure ledger entry %s cannot be read; skipped", filename)
    return [(invitation_id, reason) for _at, invitation_id, reason in sorted(entries)]
