"""Inviting many candidates from a CSV file: parse and preview first, send on confirmation.

The parsed rows are kept in an ``InvitationImport`` so the confirmation does not upload the
file again; nothing is created or sent until the rows are confirmed, and only the rows
without errors are.
"""

import csv
import datetime
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _

from oneway.core import tasks
from oneway.core.audit import client_ip, log_action
from oneway.core.deadlines import deadline_for, local_to_utc
from oneway.core.languages import language_codes, parse_language
from oneway.core.models import (
    AuditEntry,
    Interview,
    Invitation,
    InvitationImport,
    InvitationStatus,
)
from oneway.core.services.invitations import (
    interview_invite_problems,
    invitations_for_email,
    normalise_email,
)
from oneway.core.timezones import is_valid_timezone
from oneway.core.tokens import new_token

MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
COLUMN_NAMES = {
    "name": ("name", "full name", "candidate", "candidate name"),
    "email": ("email", "e-mail", "email address", "mail"),
    "timezone": ("timezone", "time zone", "tz"),
    "deadline": ("deadline", "due", "deadline (local)"),
    "language": ("language", "lang", "locale"),
}
DEADLINE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is not a text (CSV) file."), code="encoding")


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = title.strip().lower()
        for column, aliases in COLUMN_NAMES.items():
            if key in aliases and column not in found:
                found[column] = index
    return found


def _parse_deadline(text: str, zone_name: str) -> datetime.datetime | None:
    for fmt in DEADLINE_FORMATS:
        try:
            naive = datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d":
            naive = naive.replace(hour=23, minute=59)
        return local_to_utc(naive, zone_name)
    return None


def parse_rows(
    raw: bytes, *, interview: Interview, now: datetime.datetime | None = None
) -> list[dict[str, Any]]:
    """Every data row with its own list of errors (empty when the row can be invited)."""
    if len(raw) > MAX_BYTES:
        raise ValidationError(
            _("The file is too large (at most %(mb)d MB).") % {"mb": MAX_BYTES // 1024 // 1024}
        )
    text = _decode(raw)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ValidationError(_("The file is empty.")) from exc
    except csv.Error as exc:
        raise ValidationError(_("The file could not be read as CSV: %(e)s") % {"e": exc}) from exc
    columns = _columns(header)
    missing = [c for c in ("name", "email") if c not in columns]
    if missing:
        raise ValidationError(
            _(
                "The first row must name the columns; %(missing)s not found. Expected: name, "
                "email, and optionally timezone, deadline and language."
            )
            % {"missing": ", ".join(missing)}
        )
    now = now or dj_timezone.now()
    default_zone = interview.organisation.timezone
    rows: list[dict[str, Any]] = []
    try:
        for line, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_ROWS:
                raise ValidationError(_("Too many rows: at most %(n)d per file.") % {"n": MAX_ROWS})

            def cell(column: str, record: list[str] = record) -> str:
                index = columns.get(column)
                return record[index].strip() if index is not None and index < len(record) else ""

            rows.append(
                {
                    "line": line,
                    "name": cell("name")[:200],
                    "email": normalise_email(cell("email")),
                    "timezone": cell("timezone"),
                    "deadline_text": cell("deadline"),
                    "deadline": None,
                    "language": cell("language"),
                    "errors": [],
                }
            )
    except csv.Error as exc:
        raise ValidationError(_("The file could not be read as CSV: %(e)s") % {"e": exc}) from exc
    if not rows:
        raise ValidationError(_("The file has a header but no candidates."))

    already = invitations_for_email(interview, [row["email"] for row in rows if row["email"]])
    seen: dict[str, int] = {}
    for row in rows:
        errors: list[str] = row["errors"]
        if not row["name"]:
            errors.append(_("Name is missing."))
        if not row["email"]:
            errors.append(_("Email is missing."))
        else:
            try:
                validate_email(row["email"])
            except ValidationError:
                errors.append(_("Not a valid email address."))
            else:
                if row["email"] in seen:
                    errors.append(
                        _("Duplicate: the same email is on line %(line)d.")
                        % {"line": seen[row["email"]]}
                    )
                elif row["email"] in already:
                    errors.append(_("Already invited to this interview."))
                seen.setdefault(row["email"], row["line"])
        zone_name = row["timezone"] or default_zone
        if row["timezone"] and not is_valid_timezone(row["timezone"]):
            errors.append(
                _("Unknown time zone %(tz)s (use names like Europe/Berlin).")
                % {"tz": row["timezone"]}
            )
            zone_name = default_zone
        if row["deadline_text"]:
            deadline = _parse_deadline(row["deadline_text"], zone_name)
            if deadline is None:
                errors.append(_("Deadline is not a date and time like 2025-03-14 17:00."))
            elif deadline <= now:
                errors.append(_("Deadline is in the past."))
            else:
                row["deadline"] = deadline.isoformat()
        row["timezone"] = zone_name if is_valid_timezone(zone_name) else default_zone
        if row["language"]:
            code = parse_language(row["language"])
            if code is None:
                errors.append(
                    _("Unknown language %(code)s: use one of %(codes)s.")
                    % {"code": row["language"], "codes": ", ".join(language_codes())}
                )
            else:
                row["language"] = code
    return rows


def invitation_import_create(
    *,
    interview: Interview,
    raw: bytes,
    filename: str,
    actor: Any,
    request: HttpRequest | None = None,
) -> InvitationImport:
    """Parse an uploaded file and keep its rows for the preview. Sends nothing."""
    problems = interview_invite_problems(interview)
    if problems:
        raise ValidationError(problems[0], code="not_ready")
    rows = parse_rows(raw, interview=interview)
    with transaction.atomic():
        upload = InvitationImport.objects.create(
            organisation=interview.organisation,
            interview=interview,
            created_by=actor,
            filename=filename[:255],
            rows=rows,
        )
        log_action(
            "invitation.import_uploaded",
            organisation=interview.organisation,
            actor=actor,
            obj=upload,
            interview_id=interview.pk,
            data={
                "filename": filename[:255],
                "rows": len(rows),
                "with_errors": sum(1 for r in rows if r["errors"]),
            },
            request=request,
        )
    return upload


def invitation_import_confirm(
    *,
    invitation_import: InvitationImport,
    actor: Any,
    request: HttpRequest | None = None,
) -> list[Invitation]:
    """Invite every row without errors and queue their emails (one task for all).

    Rows whose address was invited meanwhile are skipped. Confirming twice does nothing.
    """
    interview = invitation_import.interview
    problems = interview_invite_problems(interview)
    if problems:
        raise ValidationError(problems[0], code="not_ready")
    try:
        return _confirm(invitation_import, interview=interview, actor=actor, request=request)
    except IntegrityError as exc:  # someone invited one of these addresses meanwhile
        raise ValidationError(
            _("Some of these candidates were invited meanwhile. Confirm again to skip them."),
            code="race",
        ) from exc


def _confirm(
    invitation_import: InvitationImport,
    *,
    interview: Interview,
    actor: Any,
    request: HttpRequest | None,
) -> list[Invitation]:
    now = dj_timezone.now()
    with transaction.atomic():
        locked = InvitationImport.objects.select_for_update().get(pk=invitation_import.pk)
        if locked.confirmed_at is not None:
            raise ValidationError(_("These candidates were already invited."), code="confirmed")
        rows = locked.valid_rows
        taken = invitations_for_email(interview, [str(row["email"]) for row in rows])
        invitations: list[Invitation] = []
        hashes: list[str] = []
        for row in rows:
            if row["email"] in taken:
                continue
            zone_name = str(row["timezone"])
            deadline = (
                datetime.datetime.fromisoformat(str(row["deadline"]))
                if row["deadline"]
                else deadline_for(interview, timezone=zone_name, invited_at=now)
            )
            if deadline <= now:
                continue
            # Nobody learns this token: each email carries a link of its own.
            _unused, token_hash = new_token()
            hashes.append(token_hash)
            invitations.append(
                Invitation(
                    organisation=interview.organisation,
                    interview=interview,
                    name=str(row["name"]),
                    email=str(row["email"]),
                    timezone=zone_name,
                    deadline=deadline,
                    # Rows kept from before the language column have none: the interview's.
                    language=str(row.get("language") or ""),
                    token_hash=token_hash,
                    invited_at=now,
                    status=InvitationStatus.INVITED,
                    source="csv",
                )
            )
        Invitation.objects.bulk_create(invitations, batch_size=500)
        saved = list(
            Invitation.objects.filter(token_hash__in=hashes).only("id", "token_hash", "email")
        )
        actor_user = actor if getattr(actor, "is_authenticated", False) else None
        ip = client_ip(request)
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    organisation=interview.organisation,
                    actor=actor_user,
                    actor_label=actor_user.email if actor_user else "system",
                    action="invitation.created",
                    object_type="invitation",
                    object_id=str(inv.pk),
                    interview_id=interview.pk,
                    invitation_id=inv.pk,
                    data={"email": inv.email, "source": "csv", "import": locked.pk},
                    ip=ip,
                )
                for inv in saved
            ],
            batch_size=500,
        )
        locked.confirmed_at = now
        locked.created_count = len(saved)
        locked.save(update_fields=["confirmed_at", "created_count"])
        log_action(
            "invitation.import_confirmed",
            organisation=interview.organisation,
            actor=actor,
            obj=locked,
            interview_id=interview.pk,
            data={"invited": len(saved), "skipped": len(locked.rows) - len(saved)},
            request=request,
        )
        ids = sorted(inv.pk for inv in saved)
        transaction.on_commit(lambda: tasks.send_invitation_emails(ids, "invite"))
    invitation_import.confirmed_at = locked.confirmed_at
    invitation_import.created_count = locked.created_count
    return saved
