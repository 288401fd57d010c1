"""A candidate's data as one ZIP: requested by the candidate (or a data request), built by a
job, offered by a signed short-lived link, removed after ``EXPORT_KEEP_DAYS``.

The ZIP is written entry by entry from storage into a temporary file (``copyfileobj`` in
1 MiB chunks: no whole recording is ever in memory), then put into the default storage.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
import os
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePath
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from oneway.core.audit import log_action
from oneway.core.models import (
    Answer,
    DataExport,
    ExportState,
    Invitation,
    InvitationStatus,
    Organisation,
)
from oneway.core.services.erasure import (
    DEVICE_CHECK_OWNER,
    TAKE_OWNER,
    candidate_live_interviews,
    export_storage_name,
)

logger = logging.getLogger(__name__)

EXPORT_KEEP_DAYS = 7
# The job's tries (its task retries) before the export shows as failed.
EXPORT_MAX_ATTEMPTS = 4
CHUNK = 1024 * 1024
_SALT = "oneway.data-export"


class ExportLinkExpired(Exception):
    pass


class ExportLinkInvalid(Exception):
    pass


def export_link_hours() -> int:
    return int(settings.DATA_EXPORT_LINK_HOURS)


def data_export_request(
    *,
    organisation: Organisation,
    invitations: list[Invitation],
    language: str,
    requested_by: Any = None,
    request: HttpRequest | None = None,
) -> DataExport:
    """Queue a ZIP of these invitations' data. While one for the same invitations is still
    being prepared, that one is returned (a double click builds one ZIP)."""
    ids = sorted(inv.pk for inv in invitations)
    if not ids or any(inv.status == InvitationStatus.ERASED for inv in invitations):
        raise ValueError("nothing to export")
    with transaction.atomic():
        # Serialise requests for the same candidate(s) on their invitation rows.
        list(Invitation.objects.select_for_update().filter(pk__in=ids))
        for pending in DataExport.objects.filter(
            organisation=organisation, state=ExportState.QUEUED
        ).prefetch_related("invitations"):
            if sorted(i.pk for i in pending.invitations.all()) == ids:
                return pending
        export = DataExport.objects.create(
            organisation=organisation,
            requested_by=requested_by if getattr(requested_by, "is_authenticated", False) else None,
            language=language[:16],
            expires_at=timezone.now() + datetime.timedelta(days=EXPORT_KEEP_DAYS),
        )
        export.invitations.set(ids)
        for invitation in invitations:
            log_action(
                "data.export_requested",
                organisation=organisation,
                actor=requested_by,
                actor_label="" if requested_by else f"candidate:{invitation.pk}",
                obj=export,
                interview_id=invitation.interview_id,
                invitation_id=invitation.pk,
                request=request,
            )
        export_id = export.pk
        transaction.on_commit(lambda: _queue_build(export_id))
    return export


def _queue_build(export_id: int) -> None:
    from oneway.core import tasks

    tasks.build_data_export(export_id)


def data_export_build(*, export_id: int) -> DataExport | None:
    """Build the ZIP (idempotent: a ready export is left alone). None when the export was
    erased meanwhile (then the file it may have written is removed)."""
    export = DataExport.objects.filter(pk=export_id).first()
    if export is None or export.state != ExportState.QUEUED:
        return export
    name = export_storage_name(export)
    invitations = list(
        export.invitations.select_related("interview", "organisation").order_by("pk")
    )
    handle, tmp = tempfile.mkstemp(suffix=".zip")
    os.close(handle)
    try:
        with translation.override(export.language):
            _write_zip(Path(tmp), invitations)
        size = Path(tmp).stat().st_size
        from oneway.media.storage import put

        put(Path(tmp), name)
    except Exception as exc:
        attempts = export.attempts + 1
        failed = attempts >= EXPORT_MAX_ATTEMPTS
        DataExport.objects.filter(pk=export.pk).update(
            attempts=attempts,
            error=str(exc)[:2000],
            state=ExportState.FAILED if failed else ExportState.QUEUED,
        )
        raise
    finally:
        Path(tmp).unlink(missing_ok=True)
    with transaction.atomic():
        locked = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if locked is None:
            # The candidate erased their data while the ZIP was being built.
            transaction.on_commit(lambda: default_storage.delete(name))
            return None
        locked.state = ExportState.READY
        locked.storage_name = name
        locked.size = size
        locked.ready_at = timezone.now()
        locked.save(update_fields=["state", "storage_name", "size", "ready_at"])
        for invitation in invitations:
            log_action(
                "data.exported",
                organisation=locked.organisation,
                actor_label="system",
                obj=locked,
                interview_id=invitation.interview_id,
                invitation_id=invitation.pk,
                data={"size": size},
            )
        if locked.requested_by_id is None:
            transaction.on_commit(lambda: _email_link(export_id))
    return locked


def _email_link(export_id: int) -> None:
    from oneway.core import tasks

    tasks.send_data_export_email(export_id)


def data_export_email_send(*, export_id: int) -> bool:
    """Email the candidate their download link (once)."""
    from oneway.core.emails import in_language, send_templated_email

    export = DataExport.objects.filter(pk=export_id, emailed_at__isnull=True).first()
    if export is None or not export.is_downloadable:
        return False
    invitation = export.invitations.select_related("interview", "organisation").first()
    if invitation is None:
        return False
    with in_language(export.language):
        send_templated_email(
            "data_export_ready",
            to=[invitation.email],
            reply_to=[invitation.interview.contact_email],
            context={
                "invitation": invitation,
                "url": settings.BASE_URL + export_url(export),
                "hours": export_link_hours(),
                "keep_days": EXPORT_KEEP_DAYS,
            },
        )
    DataExport.objects.filter(pk=export.pk).update(emailed_at=timezone.now())
    return True


def export_url(export: DataExport) -> str:
    token = signing.TimestampSigner(salt=_SALT).sign(str(export.pk))
    return reverse("candidate:data_export_download", args=[token])


def export_for_link(token: str) -> DataExport:
    """The export a signed link names: ``ExportLinkExpired`` once the link or the file is
    past its time, ``ExportLinkInvalid`` for anything forged."""
    signer = signing.TimestampSigner(salt=_SALT)
    try:
        value = signer.unsign(token, max_age=datetime.timedelta(hours=export_link_hours()))
    except signing.SignatureExpired:
        raise ExportLinkExpired() from None
    except signing.BadSignature:
        raise ExportLinkInvalid() from None
    export = DataExport.objects.filter(pk=int(value)).first()
    if export is None:
        raise ExportLinkExpired()  # erased, or removed after its days
    if not export.is_downloadable:
        raise ExportLinkExpired()
    return export


def data_export_downloaded(*, export: DataExport, request: HttpRequest | None) -> None:
    for invitation in export.invitations.all():
        log_action(
            "data.export_downloaded",
            organisation=export.organisation,
            actor=getattr(request, "user", None),
            actor_label="" if export.requested_by_id else f"candidate:{invitation.pk}",
            obj=export,
            interview_id=invitation.interview_id,
            invitation_id=invitation.pk,
            request=request,
        )


def data_exports_remove_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete ZIPs past their days (the row stays as a record without the file)."""
    now = now or timezone.now()
    removed = 0
    for export in DataExport.objects.filter(expires_at__lte=now, file_deleted_at__isnull=True):
        name = export.storage_name or export_storage_name(export)
        with contextlib.suppress(FileNotFoundError):
            default_storage.delete(name)
        DataExport.objects.filter(pk=export.pk).update(file_deleted_at=now)
        removed += 1
    return removed


# --- The ZIP ---------------------------------------------------------------------------


def _write_zip(path: Path, invitations: list[Invitation]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        files: list[tuple[str, str]] = []
        for invitation in invitations:
            folder = ""
            if len(invitations) > 1:
                folder = (
                    f"{slugify(invitation.interview.title)[:40] or 'interview'}-{invitation.pk}/"
                )
            files += _write_invitation(archive, invitation, folder)
        archive.writestr("README.txt", _readme(invitations, files))


def _text(
    archive: zipfile.ZipFile, name: str, text: str, files: list[tuple[str, str]], what: str
) -> None:
    archive.writestr(name, text.encode("utf-8"))
    files.append((name, what))


def _copy(
    archive: zipfile.ZipFile, name: str, stored: str, files: list[tuple[str, str]], what: str
) -> bool:
    """Copy a stored file into the ZIP in chunks; False if it is gone."""
    try:
        source = default_storage.open(stored, "rb")
    except (FileNotFoundError, OSError):
        return False
    with source, archive.open(name, "w", force_zip64=True) as out:
        shutil.copyfileobj(source, out, CHUNK)
    files.append((name, what))
    return True


def _moment(value: datetime.datetime | None, zone: str) -> str:
    if value is None:
        return "-"
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def _write_invitation(
    archive: zipfile.ZipFile, invitation: Invitation, folder: str
) -> list[tuple[str, str]]:
    from oneway.uploads.models import Upload

    files: list[tuple[str, str]] = []
    zone = invitation.timezone
    answers = (
        Answer.objects.filter(invitation=invitation, is_practice=False)
        .select_related("question", "submitted_take__media")
        .order_by("question__position")
    )
    lines = [
        _("Interview: %(title)s") % {"title": invitation.interview.title},
        _("Organisation: %(org)s") % {"org": invitation.organisation.name},
        _("Name: %(name)s") % {"name": invitation.name},
        _("Email: %(email)s") % {"email": invitation.email},
        _("Invited: %(when)s") % {"when": _moment(invitation.invited_at, zone)},
        _("Deadline: %(when)s") % {"when": _moment(invitation.deadline, zone)},
        _("Submitted: %(when)s") % {"when": _moment(invitation.completed_at, zone)},
        "",
    ]
    for answer in answers:
        if answer.submitted_at is None or answer.question is None:
            continue
        number = answer.question.position + 1
        base = f"{folder}answers/question-{number:02d}"
        lines.append(
            _("Question %(n)d: %(prompt)s") % {"n": number, "prompt": answer.question.prompt}
        )
        lines.append(_("  answered: %(when)s") % {"when": _moment(answer.submitted_at, zone)})
        if answer.text:
            _text(archive, f"{base}.txt", answer.text, files, _("your written answer"))
        take = answer.submitted_take
        item = take.media if take is not None else None
        if item is None:
            continue
        if item.rendition_name:
            suffix = PurePath(item.rendition_name).suffix or ".mp4"
            what = _("your video answer") if suffix == ".mp4" else _("your audio answer")
            _copy(archive, f"{base}{suffix}", item.rendition_name, files, what)
        elif item.original_name:
            suffix = PurePath(item.original_name).suffix or ".webm"
            _copy(archive, f"{base}-as-recorded{suffix}", item.original_name, files,
                  _("your recording as it was uploaded (it could not be converted)"))  # fmt: skip
        if item.captions_name:
            _copy(archive, f"{base}-transcript.vtt", item.captions_name, files,
                  _("the transcript with times (captions)"))  # fmt: skip
        if item.transcript_text:
            _text(archive, f"{base}-transcript.txt", item.transcript_text, files,
                  _("the transcript as plain text"))  # fmt: skip
    _text(archive, f"{folder}invitation.txt", "\n".join(lines) + "\n", files,
          _("your invitation, deadline and when you sent each answer"))  # fmt: skip
    if invitation.consent_at is not None:
        version = hashlib.sha256(invitation.consent_text.encode()).hexdigest()[:12]
        consent = "\n".join(
            [
                _("You agreed on %(when)s to this text:")
                % {"when": _moment(invitation.consent_at, zone)},
                "",
                invitation.consent_text,
                "",
                _("Version of the text: %(version)s") % {"version": version},
            ]
        )
        _text(archive, f"{folder}consent.txt", consent + "\n", files,
              _("the consent you gave: the text shown, its version and the time"))  # fmt: skip
    if invitation.accommodation_requested_at is not None:
        accommodation = "\n".join(
            [
                _("Asked for on: %(when)s") % {"when": _moment(invitation.accommodation_requested_at, zone)},
                _("Extra time: x%(factor)s") % {"factor": invitation.accommodation_time_factor},
                _("Text alternative: %(yes)s") % {"yes": _("yes") if invitation.accommodation_text_alternative else _("no")},
                _("Note: %(note)s") % {"note": invitation.accommodation_note or "-"},
            ]
        )  # fmt: skip
        _text(archive, f"{folder}accommodations.txt", accommodation + "\n", files,
              _("the accommodations you asked for"))  # fmt: skip
    lives = list(candidate_live_interviews(invitation))
    if lives:
        live_lines = []
        for live in lives:
            live_lines += [
                live.title,
                _("  when: %(when)s") % {"when": _moment(live.starts_at, live.candidate_timezone)},
                _("  status: %(status)s") % {"status": live.get_status_display()},
                _("  what to prepare: %(notes)s") % {"notes": live.candidate_notes or "-"},
            ]
        _text(archive, f"{folder}live-interviews.txt", "\n".join(live_lines) + "\n", files,
              _("your live interviews: when, and their status"))  # fmt: skip
    practice = Answer.objects.filter(invitation=invitation, is_practice=True).first()
    owners = [DEVICE_CHECK_OWNER.format(invitation.pk)]
    if practice is not None:
        owners += [TAKE_OWNER.format(pk) for pk in practice.takes.values_list("pk", flat=True)]
    for upload in Upload.objects.filter(owner__in=owners, completed_at__isnull=False).exclude(
        storage_name=""
    ):
        suffix = PurePath(upload.storage_name).suffix or ".webm"
        if upload.owner.startswith("device-check:"):
            _copy(archive, f"{folder}device-check-clip{suffix}", upload.storage_name, files,
                  _("your device check test clip (kept for at most 24 hours)"))  # fmt: skip
        else:
            _copy(archive, f"{folder}practice{suffix}", upload.storage_name, files,
                  _("your practice answer (kept for at most 24 hours)"))  # fmt: skip
    return files


def _readme(invitations: list[Invitation], files: list[tuple[str, str]]) -> str:
    first = invitations[0]
    lines = [
        _("Your data from %(org)s") % {"org": first.organisation.name},
        "",
        _(
            "This archive holds everything you sent in your interview and what we recorded "
            "about it. Each file:"
        ),
        "",
    ]
    lines += [f"{name}: {what}" for name, what in files]
    lines += [
        "",
        _("Video answers are MP4 files, audio answers M4A, written answers plain text."),
        _("Transcripts are made by software to help the team; they may contain mistakes."),
        _("To have your data deleted, use the link from your invitation or write to %(contact)s.")
        % {"contact": first.organisation.privacy_contact or first.interview.contact_email},
    ]
    return "\n".join(lines) + "\n"
