"""A candidate with data of every kind, for the data-rights tests (erasure, export, retention).

    populated = populate_candidate(org, admin)      # files in Django's default storage
    populated.invitation, populated.markers         # what must vanish on erasure

Every file holds ``MEDIA_MARKER`` bytes, every text the candidate's name or email, so a
scan of the database and of the storages can prove that nothing is left.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from oneway.accounts.models import User
from oneway.candidate.testing import create_candidate
from oneway.core.audit import log_action
from oneway.core.models import (
    Answer,
    DataExport,
    Invitation,
    InvitationImport,
    Organisation,
    ReminderDelivery,
    Take,
)
from oneway.live.models import LiveInterview, LiveLink, LiveReminderDelivery, SlotBooking, SlotOffer
from oneway.media.models import MediaItem
from oneway.media.storage import item_prefix, work_dir_root
from oneway.reviews.models import (
    CandidateSearchDocument,
    Comment,
    CommentMention,
    Decision,
    DecisionEvent,
    DigestEntry,
    Rating,
    Review,
    ReviewSummary,
    ShareLink,
)
from oneway.uploads.models import Upload


@dataclass
class Populated:
    invitation: Invitation
    name: str
    email: str
    media: bytes
    token: str = ""
    files: list[str] = field(default_factory=list)
    s3_multipart: list[tuple[str, str]] = field(default_factory=list)

    @property
    def markers(self) -> list[bytes]:
        return [self.name.encode(), self.email.encode(), self.media]


def _put(name: str, data: bytes) -> str:
    saved = default_storage.save(name, ContentFile(data))
    assert saved == name, saved
    return name


def populate_candidate(
    org: Organisation,
    actor: User,
    *,
    name: str | None = None,
    email: str | None = None,
    s3_multipart: bool = False,
    **interview_fields: Any,
) -> Populated:
    tag = secrets.token_hex(4)
    name = name or f"Zebulon Quixmarsh{tag}"
    email = email or f"zq.{tag}@candidate.example"
    media = f"MEDIA-BYTES-{tag}-".encode() * 4
    link = create_candidate(
        org,
        actor=actor,
        questions=["video", "audio", "text"],
        name=name,
        email=email,
        practice_enabled=True,
        **interview_fields,
    )
    invitation = link.invitation
    now = timezone.now()
    populated = Populated(
        invitation=invitation, name=name, email=email, media=media, token=link.token
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        consent_at=now,
        consent_text=f"I agree ({name}).",
        accommodation_note=f"{name} asks for extra time",
        accommodation_requested_at=now,
        status="completed",
        started_at=now,
        completed_at=now,
    )
    invitation.refresh_from_db()
    video, audio, text = link.questions
    for question in (video, audio):
        answer = Answer.objects.create(
            invitation=invitation, question=question, revealed_at=now, submitted_at=now
        )
        upload = Upload.objects.create(
            purpose="answer", owner="", expires_at=now, completed_at=now, length=len(media)
        )
        original = _put(upload.target_name(), media)
        Upload.objects.filter(pk=upload.pk).update(storage_name=original)
        item = MediaItem.objects.create(
            organisation=org,
            kind="audio" if question is audio else "video",
            original_name=original,
            state="ready",
            transcript_state="ready",
            transcript_text=f"Hello, my name is {name} and my email is {email}.",
            transcript_words=[{"w": name, "s": 0.1, "e": 0.5}],
        )
        prefix = item_prefix(org.pk, item.pk)
        MediaItem.objects.filter(pk=item.pk).update(
            rendition_name=_put(
                prefix + ("rendition.m4a" if question is audio else "rendition.mp4"), media
            ),
            poster_name=_put(prefix + "poster.jpg", media) if question is video else "",
            captions_name=_put(prefix + "captions.vtt", f"WEBVTT\n\n{name}\n".encode()),
        )
        _put(prefix + "rendition.mp4.part-abc123", media)  # a killed worker's leftover
        work = work_dir_root() / f"item-{item.pk}-deadbeef"
        work.mkdir(parents=True, exist_ok=True)
        (work / "original.webm").write_bytes(media)
        take = Take.objects.create(
            answer=answer, number=1, state="uploaded", media=item, upload_id=upload.id
        )
        Upload.objects.filter(pk=upload.pk).update(owner=f"take:{take.pk}")
        answer.submitted_take = take
        answer.save(update_fields=["submitted_take"])
        # A retake still uploading: local in-progress data (or S3 parts and a tail).
        retake = Take.objects.create(answer=answer, number=2, state="recording")
        _in_progress_upload(populated, f"take:{retake.pk}", s3_multipart=s3_multipart)
    Answer.objects.create(
        invitation=invitation,
        question=text,
        revealed_at=now,
        submitted_at=now,
        text=f"I am {name}, write to {email}.",
    )
    practice = Answer.objects.create(invitation=invitation, is_practice=True, revealed_at=now)
    practice_take = Take.objects.create(answer=practice, number=1, state="uploaded")
    practice_upload = Upload.objects.create(
        purpose="answer",
        owner=f"take:{practice_take.pk}",
        expires_at=now,
        completed_at=now,
        length=len(media),
    )
    Upload.objects.filter(pk=practice_upload.pk).update(
        storage_name=_put(practice_upload.target_name(), media)
    )
    Take.objects.filter(pk=practice_take.pk).update(upload_id=practice_upload.id)
    clip = Upload.objects.create(
        purpose="device-check",
        owner=f"device-check:{invitation.pk}",
        expires_at=now,
        completed_at=now,
        length=len(media),
        metadata={"filename": "clip.webm"},
    )
    Upload.objects.filter(pk=clip.pk).update(storage_name=_put(clip.target_name(), media))
    _reviews(populated, actor)
    _live(populated, actor)
    export = DataExport.objects.create(
        organisation=org, expires_at=now + datetime.timedelta(days=7), state="ready"
    )
    export.invitations.add(invitation)
    DataExport.objects.filter(pk=export.pk).update(
        storage_name=_put(f"exports/{org.pk}/{export.pk}.zip", media)
    )
    InvitationImport.objects.create(
        organisation=org,
        interview=invitation.interview,
        rows=[{"line": 2, "name": name, "email": email, "errors": []}],
    )
    ReminderDelivery.objects.create(invitation=invitation, hours_before=24)
    log_action(
        "candidate.device_checked",
        organisation=org,
        actor_label=f"candidate:{invitation.pk}",
        obj=invitation,
        invitation_id=invitation.pk,
        data={"result": f"ok for {name}"},
    )
    invitation.refresh_from_db()
    return populated


def _in_progress_upload(populated: Populated, owner: str, *, s3_multipart: bool) -> None:
    now = timezone.now()
    upload = Upload.objects.create(
        id=uuid.uuid4(),
        purpose="answer",
        owner=owner,
        expires_at=now + datetime.timedelta(hours=1),
        offset=len(populated.media),
        metadata={"filename": "answer.webm"},
    )
    temp = Path(settings.UPLOAD_TEMP_DIR)
    temp.mkdir(parents=True, exist_ok=True)
    if not s3_multipart:
        (temp / upload.id.hex).write_bytes(populated.media)
        return
    client = default_storage.connection.meta.client  # type: ignore[attr-defined]
    bucket = default_storage.bucket_name  # type: ignore[attr-defined]
    key = default_storage._normalize_name(upload.target_name())  # type: ignore[attr-defined]
    started = client.create_multipart_upload(Bucket=bucket, Key=key)
    part = client.upload_part(
        Bucket=bucket, Key=key, UploadId=started["UploadId"], PartNumber=1, Body=populated.media
    )
    Upload.objects.filter(pk=upload.pk).update(
        backend="s3",
        s3_upload_id=started["UploadId"],
        s3_parts=[[1, part["ETag"], len(populated.media)]],
        s3_parts_size=len(populated.media),
    )
    (temp / f"{upload.id.hex}.{len(populated.media)}.tail").write_bytes(populated.media)
    # And one the database never heard of (a crash between create and commit).
    client.create_multipart_upload(Bucket=bucket, Key=key)
    populated.s3_multipart.append((key, started["UploadId"]))


def _reviews(populated: Populated, actor: User) -> None:
    invitation = populated.invitation
    org = invitation.organisation
    now = timezone.now()
    review = Review.objects.create(
        organisation=org,
        invitation=invitation,
        reviewer=actor,
        recommendation="yes",
        note=f"{populated.name} was great",
        submitted_at=now,
    )
    question = invitation.interview.questions.first()
    Rating.objects.create(review=review, invitation=invitation, question=question, score=4)
    ReviewSummary.objects.update_or_create(
        invitation=invitation, defaults={"review_count": 1, "rating_mean": 4}
    )
    answer = invitation.answers.filter(is_practice=False).first()
    comment = Comment.objects.create(
        organisation=org,
        invitation=invitation,
        answer=answer,
        author=actor,
        body=f"{populated.name} at 0:03",
        time_ms=3000,
    )
    CommentMention.objects.create(comment=comment, user=actor)
    Decision.objects.create(
        organisation=org, invitation=invitation, status="rejected", reason=f"{populated.name} no"
    )
    DecisionEvent.objects.create(
        organisation=org,
        invitation=invitation,
        from_status="new",
        to_status="rejected",
        reason=f"Dear {populated.name}",
        candidate_email_requested=True,
        candidate_emailed_at=now,
    )
    DigestEntry.objects.create(user=actor, invitation=invitation)
    CandidateSearchDocument.objects.update_or_create(
        invitation=invitation, defaults={"document": f"{populated.name} {populated.email}"}
    )
    share = ShareLink.objects.create(
        organisation=org,
        interview=invitation.interview,
        token_hash=secrets.token_hex(32),
        label="Hiring manager",
        expires_at=now + datetime.timedelta(days=3),
    )
    share.invitations.add(invitation)


def _live(populated: Populated, actor: User) -> None:
    invitation = populated.invitation
    org = invitation.organisation
    start = timezone.now() + datetime.timedelta(days=2)
    offer = SlotOffer.objects.create(organisation=org, name="Team slots", created_by=actor)
    live = LiveInterview.objects.create(
        organisation=org,
        interview=invitation.interview,
        invitation=invitation,
        title="Second round",
        meeting_url="https://meet.example/abc",
        candidate_name=populated.name,
        candidate_email=populated.email,
        candidate_timezone="Europe/Paris",
        slot_offer=offer,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        status="completed",
        outcome_notes=f"{populated.name} did well",
        rating=4,
    )
    live.interviewers.add(actor)
    LiveLink.objects.create(live_interview=live, token_hash=secrets.token_hex(32))
    SlotBooking.objects.create(
        offer=offer, live_interview=live, starts_at=start, ends_at=live.ends_at
    )
    LiveReminderDelivery.objects.create(live_interview=live, hours_before=24, starts_at=start)
    log_action(
        "live.cancelled",
        organisation=org,
        obj=live,
        data={"reason": f"{populated.name} is ill"},
    )


# --- Scans ------------------------------------------------------------------------------


def database_hits(markers: list[bytes]) -> list[str]:
    """Every row of every model whose values contain one of ``markers``."""
    texts = [m.decode(errors="ignore") for m in markers]
    hits = []
    for model in apps.get_models(include_auto_created=True):
        for row in model._base_manager.all().values():
            dumped = repr(row)
            for text in texts:
                if text and text in dumped:
                    hits.append(f"{model._meta.label}: {text[:20]} in {dumped[:200]}")
    return hits


def storage_hits(markers: list[bytes]) -> list[str]:
    """Files in the default storage, the upload folder and the media scratch folder."""
    hits = []
    for name in _walk_storage(""):
        with default_storage.open(name, "rb") as fh:
            data = fh.read()
        hits += [f"storage {name}" for m in markers if m in data]
    for root in (Path(settings.UPLOAD_TEMP_DIR), work_dir_root()):
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                hits += [f"file {path}" for m in markers if m in data]
    return hits


def _walk_storage(prefix: str) -> list[str]:
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return []
    names = [f"{prefix}{f}" for f in files]
    for folder in folders:
        names += _walk_storage(f"{prefix}{folder}/")
    return names
