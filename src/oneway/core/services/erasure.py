"""Erasing a candidate: every copy of their data, in the database and in every storage.

``candidate_erase`` does the database side in one transaction (rows deleted, the
invitation's personal fields and the audit log's personal data replaced by an opaque
tombstone) and writes the erasure ledger row (``Erasure``) listing the stored files and
in-progress uploads still to remove. ``erasure_run`` (a job, retried until it succeeds)
removes them and marks the row complete. Both are idempotent: a second request for the
same candidate returns the first erasure.

``erasure_registry`` lists every model and storage location that can reach a candidate
and what erasure does with it (``tests/core/test_erasure_registry.py`` fails otherwise).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from oneway.core.audit import log_action
from oneway.core.languages import invitation_language
from oneway.core.models import (
    Answer,
    AuditEntry,
    DataExport,
    Erasure,
    ErasureReason,
    Invitation,
    InvitationImport,
    InvitationLink,
    InvitationStatus,
    ReminderDelivery,
    Take,
)
from oneway.core.models.erasure import new_tombstone
from oneway.core.services.erasure_ledger import ledger_entries, ledger_entry_write
from oneway.core.services.erasure_registry import KEEP_AUDIT_KEYS
from oneway.core.tokens import new_token

logger = logging.getLogger(__name__)

DEVICE_CHECK_OWNER = "device-check:{}"  # the candidate flow's owner key of test clips
TAKE_OWNER = "take:{}"
DIR_PREFIX = "dir:"


class ErasureBlocked(Exception):
    """A legal hold stops the erasure (lift the hold first)."""


def under_legal_hold(invitation: Invitation) -> bool:
    return invitation.legal_hold_at is not None or invitation.interview.legal_hold_at is not None


class ErasureIncomplete(Exception):
    """Some files could not be removed yet; the job tries again."""


@dataclass(frozen=True)
class ErasureNotice:
    """What the receipt and the team's notice need, captured before the data goes."""

    email: str
    label: str
    interview_title: str
    organisation_name: str
    contact: str
    team: tuple[str, ...]
    tombstone: str
    language: str = "en"  # the candidate's, for their receipt


def upload_owners(invitation: Invitation) -> list[str]:
    take_ids = Take.objects.filter(answer__invitation=invitation).values_list("pk", flat=True)
    return [DEVICE_CHECK_OWNER.format(invitation.pk)] + [TAKE_OWNER.format(t) for t in take_ids]


def _stored_files(invitation: Invitation) -> tuple[list[str], list[dict[str, Any]], list[int]]:
    """Storage names (and item folders), in-progress uploads and media item ids."""
    from oneway.media.models import MediaItem
    from oneway.media.storage import item_prefix
    from oneway.uploads.models import Upload

    files: list[str] = []
    items = list(MediaItem.objects.filter(take__answer__invitation=invitation))
    for item in items:
        files += [
            item.original_name,
            item.rendition_name,
            item.poster_name,
            item.thumbnail_name,
            item.captions_name,
        ]
        files.append(DIR_PREFIX + item_prefix(item.organisation_id, item.pk))
    upload_ids = Take.objects.filter(
        answer__invitation=invitation, upload_id__isnull=False
    ).values_list("upload_id", flat=True)
    uploads = Upload.objects.filter(Q(owner__in=upload_owners(invitation)) | Q(pk__in=upload_ids))
    pending_uploads = []
    for upload in uploads:
        files.append(upload.storage_name)
        pending_uploads.append(
            {
                "id": str(upload.id),
                "backend": upload.backend,
                "s3_upload_id": upload.s3_upload_id,
                "target": upload.target_name(),
            }
        )
    for export in DataExport.objects.filter(invitations=invitation):
        files.append(export.storage_name or export_storage_name(export))
    return sorted({name for name in files if name}), pending_uploads, [i.pk for i in items]


def export_storage_name(export: DataExport) -> str:
    """Fixed from the export's creation on, so erasure can remove a ZIP still being built."""
    return f"exports/{export.organisation_id}/{export.pk}.zip"


def candidate_erase(
    *,
    invitation: Invitation,
    reason: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    notify: Callable[[ErasureNotice], None] | None = None,
) -> Erasure:
    """Erase the candidate now (database) and queue the removal of their files.

    A second call for the same candidate (a double click, a retention run after a
    withdrawal) returns the first erasure and changes nothing. ``notify`` is called after
    commit with what the receipt and the team's notice need (it is never stored).
    """
    if reason not in ErasureReason.values:
        raise ValueError(f"reason must be one of {ErasureReason.values}")
    from oneway.access import candidate_label

    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update()
            .select_related("interview", "organisation")
            .get(pk=invitation.pk)
        )
        existing = Erasure.objects.filter(invitation_id=locked.pk).first()
        if existing is not None:
            return existing
        if under_legal_hold(locked):
            raise ErasureBlocked(f"invitation {locked.pk} is under a legal hold")
        files, uploads, item_ids = _stored_files(locked)
        erasure = Erasure.objects.create(
            organisation=locked.organisation,
            interview_id=locked.interview_id,
            invitation_id=locked.pk,
            tombstone=new_tombstone(),
            reason=reason,
            actor_id=getattr(actor, "pk", None)
            if getattr(actor, "is_authenticated", False)
            else None,
            pending_files=files + [f"{DIR_PREFIX}work:item-{i}-" for i in item_ids],
            pending_uploads=uploads,
        )
        notice = ErasureNotice(
            email=locked.email,
            label=candidate_label(None, locked),
            interview_title=locked.interview.title,
            organisation_name=locked.organisation.name,
            contact=locked.organisation.privacy_contact or locked.interview.contact_email,
            team=_team_addresses(locked),
            tombstone=erasure.tombstone,
            language=invitation_language(locked),
        )
        _tombstone_audit(locked, erasure.tombstone, item_ids, uploads)
        _delete_rows(locked, item_ids, [u["id"] for u in uploads])
        _scrub_imports(locked, erasure.tombstone)
        _scrub_data_requests(locked, erasure.tombstone)
        _scrub_invitation(locked, erasure.tombstone)
        data = {"reason": reason, "tombstone": erasure.tombstone, "files": len(files)}
        log_action(
            "candidate.erased",
            organisation=locked.organisation,
            actor=actor,
            actor_label="" if actor is not None else erasure.tombstone,
            obj=erasure,
            interview_id=locked.interview_id,
            invitation_id=locked.pk,
            data=data,
            request=None if reason == ErasureReason.CANDIDATE else request,
        )
        if reason == ErasureReason.CANDIDATE:
            log_action(
                "candidate.withdrawn",
                organisation=locked.organisation,
                actor_label=erasure.tombstone,
                obj=locked,
                interview_id=locked.interview_id,
                invitation_id=locked.pk,
                data={"tombstone": erasure.tombstone},
            )
        erasure_id = erasure.pk
        transaction.on_commit(lambda: _queue_run(erasure_id))
        if notify is not None:
            transaction.on_commit(lambda: notify(notice))
    invitation.refresh_from_db()
    return erasure


def _queue_run(erasure_id: int) -> None:
    from oneway.core import tasks

    tasks.run_erasure(erasure_id)
    # A processing job that was running at that moment may still write a file into the
    # item's folder: a second pass later removes it.
    tasks.run_erasure.schedule((erasure_id,), delay=ERASURE_SECOND_PASS_SECONDS)


ERASURE_SECOND_PASS_SECONDS = 15 * 60


def _team_addresses(invitation: Invitation) -> tuple[str, ...]:
    from oneway.accounts.roles import Role
    from oneway.core.models import Membership

    emails = set(
        Membership.objects.filter(
            organisation=invitation.organisation, role__in=(Role.OWNER, Role.ADMIN)
        ).values_list("user__email", flat=True)
    )
    creator = invitation.interview.created_by
    if creator is not None:
        emails.add(creator.email)
    return tuple(sorted(emails))


def candidate_live_interviews(invitation: Invitation) -> Any:
    from oneway.live.models import LiveInterview

    return LiveInterview.objects.filter(
        Q(invitation=invitation)
        | Q(
            organisation=invitation.organisation,
            interview=invitation.interview,
            candidate_email__iexact=invitation.email,
        )
    )


def _tombstone_audit(
    invitation: Invitation, tombstone: str, item_ids: list[int], uploads: list[dict[str, Any]]
) -> None:
    answer_ids = Answer.objects.filter(invitation=invitation).values_list("pk", flat=True)
    take_ids = Take.objects.filter(answer__invitation=invitation).values_list("pk", flat=True)
    live_ids = candidate_live_interviews(invitation).values_list("pk", flat=True)
    mine = (
        Q(invitation_id=invitation.pk)
        | Q(object_type="invitation", object_id=str(invitation.pk))
        | Q(object_type="answer", object_id__in=[str(i) for i in answer_ids])
        | Q(object_type="take", object_id__in=[str(i) for i in take_ids])
        | Q(object_type="mediaitem", object_id__in=[str(i) for i in item_ids])
        | Q(object_type="upload", object_id__in=[u["id"] for u in uploads])
        | Q(object_type="liveinterview", object_id__in=[str(i) for i in live_ids])
        | Q(organisation=invitation.organisation, data__icontains=invitation.email)
        | Q(organisation__isnull=True, data__icontains=invitation.email)
    )
    AuditEntry.objects.filter(mine).tombstone(tombstone=tombstone, keep_keys=KEEP_AUDIT_KEYS)


def _delete_rows(invitation: Invitation, item_ids: list[int], upload_ids: list[str]) -> None:
    from oneway.media.models import MediaItem
    from oneway.reviews.models import (
        CandidateSearchDocument,
        Comment,
        Decision,
        DecisionEvent,
        DigestEntry,
        Review,
        ReviewSummary,
    )
    from oneway.uploads.models import Upload

    # Comments first: a comment on an answer would otherwise go with the answer only.
    Comment.objects.filter(invitation=invitation).delete()
    Answer.objects.filter(invitation=invitation).delete()  # takes with them
    MediaItem.objects.filter(pk__in=item_ids).delete()
    Upload.objects.filter(pk__in=upload_ids).delete()
    Review.objects.filter(invitation=invitation).delete()  # ratings with them
    ReviewSummary.objects.filter(invitation=invitation).delete()
    Decision.objects.filter(invitation=invitation).delete()
    DecisionEvent.objects.filter(invitation=invitation).delete()
    DigestEntry.objects.filter(invitation=invitation).delete()
    CandidateSearchDocument.objects.filter(invitation=invitation).delete()
    ReminderDelivery.objects.filter(invitation=invitation).delete()
    InvitationLink.objects.filter(invitation=invitation).delete()
    DataExport.objects.filter(invitations=invitation).delete()
    invitation.share_links.clear()
    candidate_live_interviews(invitation).delete()


def _scrub_imports(invitation: Invitation, tombstone: str) -> None:
    email = invitation.email.casefold()
    for csv_import in InvitationImport.objects.filter(interview=invitation.interview):
        rows = csv_import.rows if isinstance(csv_import.rows, list) else []
        changed = False
        for row in rows:
            if isinstance(row, dict) and str(row.get("email", "")).casefold() == email:
                row.update(name=tombstone, email=tombstone)
                changed = True
        if changed:
            InvitationImport.objects.filter(pk=csv_import.pk).update(rows=rows)


def _scrub_data_requests(invitation: Invitation, tombstone: str) -> None:
    from oneway.core.models import DataRequest

    others = (
        Invitation.objects.filter(
            organisation=invitation.organisation, email__iexact=invitation.email
        )
        .exclude(pk=invitation.pk)
        .exclude(status=InvitationStatus.ERASED)
    )
    if not others.exists():
        DataRequest.objects.filter(
            organisation=invitation.organisation, email__iexact=invitation.email
        ).update(email=f"{tombstone}@erased.invalid")


def _scrub_invitation(invitation: Invitation, tombstone: str) -> None:
    Invitation.objects.filter(pk=invitation.pk).update(
        name=tombstone,
        email=f"{tombstone}@erased.invalid",
        timezone="UTC",
        token_hash=new_token()[1],
        status=InvitationStatus.ERASED,
        erased_at=timezone.now(),
        consent_text="",
        accommodation_time_factor=1,
        accommodation_text_alternative=False,
        accommodation_note="",
        active_tab="",
    )


# --- The job: remove the files ------------------------------------------------------


def erasure_run(*, erasure_id: int) -> bool:
    """Remove what the ledger row still lists. True when nothing is left; raises
    ``ErasureIncomplete`` (the job retries) when something could not be removed yet.
    Safe to repeat, also after completion (a second pass removes late writes)."""
    erasure = Erasure.objects.filter(pk=erasure_id).first()
    if erasure is None:
        return True
    remaining: list[str] = []
    errors: list[str] = []
    ledger_written = True
    try:
        # The ledger outside the database (erasure_ledger.py), for a restore that finds
        # no database to read it from.
        ledger_entry_write(
            invitation_id=erasure.invitation_id,
            reason=erasure.reason,
            tombstone=erasure.tombstone,
            requested_at=erasure.requested_at,
        )
    except Exception as exc:
        ledger_written = False
        errors.append(f"erasure ledger entry: {exc}")
    for name in erasure.pending_files:
        try:
            _remove(name)
        except Exception as exc:
            remaining.append(name)
            errors.append(f"{name}: {exc}")
    left_uploads: list[dict[str, Any]] = []
    for spec in erasure.pending_uploads:
        try:
            _discard_upload(spec)
        except Exception as exc:
            left_uploads.append(spec)
            errors.append(f"upload {spec.get('id')}: {exc}")
    if erasure.completed_at is not None:
        # A later pass over a completed erasure only removes; the record stays as it was.
        return not errors
    done = not remaining and not left_uploads and ledger_written
    Erasure.objects.filter(pk=erasure.pk).update(
        pending_files=remaining if not done else erasure.pending_files,
        pending_uploads=left_uploads if not done else erasure.pending_uploads,
        attempts=erasure.attempts + 1,
        last_error="\n".join(errors)[:4000],
        completed_at=timezone.now() if done else None,
    )
    if not done:
        logger.warning("erasure %s incomplete: %s", erasure.pk, "; ".join(errors))
        raise ErasureIncomplete("; ".join(errors))
    return True


def _remove(name: str) -> None:
    from oneway.media import storage

    if name.startswith(DIR_PREFIX + "work:"):
        pattern = name[len(DIR_PREFIX + "work:") :] + "*"
        for path in storage.work_dir_root().glob(pattern):
            shutil.rmtree(path, ignore_errors=False)
        return
    if name.startswith(DIR_PREFIX):
        _remove_tree(name[len(DIR_PREFIX) :])
        return
    with contextlib.suppress(FileNotFoundError):
        default_storage.delete(name)


def _remove_tree(prefix: str) -> None:
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for filename in files:
        with contextlib.suppress(FileNotFoundError):
            default_storage.delete(prefix.rstrip("/") + "/" + filename)
    for folder in folders:
        _remove_tree(prefix.rstrip("/") + "/" + folder + "/")
    from oneway.media.storage import local_path

    path = local_path(prefix)
    if path is not None and path.is_dir():
        shutil.rmtree(path)


def _discard_upload(spec: dict[str, Any]) -> None:
    import uuid

    from oneway.uploads import conf
    from oneway.uploads.backends import backend_for, default_storage_is_s3
    from oneway.uploads.models import Upload

    upload = Upload(
        id=uuid.UUID(spec["id"]),
        backend=spec["backend"],
        s3_upload_id=spec.get("s3_upload_id", ""),
        expires_at=timezone.now(),
    )
    backend_for(upload).discard(upload)
    for path in conf.temp_dir().glob(f"{upload.id.hex}*"):
        path.unlink(missing_ok=True)
    if default_storage_is_s3():
        _abort_multipart_uploads(spec["target"])


def _abort_multipart_uploads(target: str) -> None:
    """Also multipart uploads the database never heard of (a crash before commit)."""
    client = default_storage.connection.meta.client  # type: ignore[attr-defined]
    bucket = default_storage.bucket_name  # type: ignore[attr-defined]
    key = default_storage._normalize_name(target)  # type: ignore[attr-defined]
    listing = client.list_multipart_uploads(Bucket=bucket, Prefix=key)
    for pending in listing.get("Uploads", []):
        client.abort_multipart_upload(
            Bucket=bucket, Key=pending["Key"], UploadId=pending["UploadId"]
        )


def erasures_retry_pending() -> int:
    """Run the erasures whose files are not all removed yet (the periodic safety net)."""
    count = 0
    for erasure_id in Erasure.objects.filter(completed_at__isnull=True).values_list(
        "pk", flat=True
    ):
        with contextlib.suppress(ErasureIncomplete):
            erasure_run(erasure_id=erasure_id)
        count += 1
    return count


def erasure_reapply(*, erasure: Erasure) -> bool:
    """After a restore from a backup: erase again a candidate the ledger says is erased
    (their invitation came back with the backup). True if there was anything to erase."""
    invitation = Invitation.objects.filter(pk=erasure.invitation_id).exclude(
        status=InvitationStatus.ERASED
    )
    restored = invitation.first()
    if restored is None:
        return False
    Erasure.objects.filter(pk=erasure.pk).delete()
    candidate_erase(invitation=restored, reason=erasure.reason)
    return True


def erasure_ledger_snapshot() -> list[tuple[int, str]]:
    """(invitation id, reason) of every erasure in the ledger, read before a restore
    replaces the database: the backup being restored may predate some of them. Both
    copies of the ledger are read: the database's rows (an empty or new database has
    none) and the entries in the media storage (erasure_ledger.py), which outlive a lost
    database."""
    try:
        rows = list(Erasure.objects.order_by("pk").values_list("invitation_id", "reason"))
    except DatabaseError:
        rows = []
    known = {invitation_id for invitation_id, _reason in rows}
    return rows + [entry for entry in ledger_entries() if entry[0] not in known]


def erasures_reapply(ledger: list[tuple[int, str]]) -> int:
    """After a restore: erase again every candidate the ledger knew as erased whose data
    came back with the backup (their files too: the restored rows point at the restored
    files). Returns how many were erased again."""
    erased = 0
    for invitation_id, reason in ledger:
        restored = (
            Invitation.objects.filter(pk=invitation_id)
            .exclude(status=InvitationStatus.ERASED)
            .first()
        )
        if restored is None:
            continue
        Erasure.objects.filter(invitation_id=invitation_id).delete()
        candidate_erase(invitation=restored, reason=reason)
        erased += 1
    return erased


def send_erasure_receipt(notice: ErasureNotice) -> None:
    """Only the candidate's receipt (the team itself erased the data)."""
    send_erasure_emails(notice, team=False)


def send_erasure_emails(notice: ErasureNotice, *, team: bool = True) -> None:
    """The candidate's receipt and the team's notice (alias in blind mode). Sent right
    after commit from memory: the address is nowhere else any more, not even a queue."""
    from oneway.core.emails import in_language, send_templated_email

    context = {
        "notice": notice,
        "tombstone": notice.tombstone,
        "erased_at": timezone.now().strftime("%Y-%m-%d %H:%M"),
    }
    try:
        with in_language(notice.language):
            send_templated_email(
                "erasure_receipt", to=[notice.email], reply_to=[notice.contact], context=context
            )
    except Exception:
        logger.exception("could not send the erasure receipt")
    for address in notice.team if team else ():
        try:
            send_templated_email("team_withdrawn", to=[address], context=context)
        except Exception:
            logger.exception("could not send the withdrawal notice to the team")


def live_interviews_erase(
    *, organisation: Any, email: str, actor: Any, request: HttpRequest | None = None
) -> int:
    """Erase live interviews with this candidate address that stand alone (no invitation
    reaches them): bookings, notes and outcome go, the audit log is tombstoned."""
    from oneway.live.models import LiveInterview

    lives = LiveInterview.objects.filter(organisation=organisation, candidate_email__iexact=email)
    ids = [str(pk) for pk in lives.values_list("pk", flat=True)]
    if not ids:
        return 0
    tombstone = new_tombstone()
    with transaction.atomic():
        AuditEntry.objects.filter(
            Q(object_type="liveinterview", object_id__in=ids)
            | Q(organisation=organisation, data__icontains=email)
        ).tombstone(tombstone=tombstone, keep_keys=KEEP_AUDIT_KEYS)
        lives.delete()
        log_action(
            "live.erased",
            organisation=organisation,
            actor=actor,
            data={"count": len(ids), "tombstone": tombstone},
            request=request,
        )
    return len(ids)
