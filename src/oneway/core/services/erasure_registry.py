"""The erasure registry: every model and storage location that can hold a candidate's data,
and what ``candidate_erase`` does with it (or why it is kept).

``tests/core/test_erasure_registry.py`` introspects the models, the storage-name fields and
the folder settings, and fails for anything that is not listed here.
"""

# Every model that can reach a candidate, and what erasure does to it.
ERASED_MODELS: dict[str, str] = {
    "core.invitation": "kept as a tombstone: name, email, time zone, consent text, "
    "accommodations and link hashes replaced; status 'erased'",
    "core.invitationlink": "deleted (the candidate's link tokens)",
    "core.reminderdelivery": "deleted",
    "core.answer": "deleted (text answers with them)",
    "core.take": "deleted",
    "core.invitationimport": "the candidate's row in a CSV import: name and email replaced",
    "core.auditentry": "entries kept; personal data and candidate IP replaced by the tombstone",
    "core.dataexport": "ZIP file and row deleted",
    "core.datarequest": "email replaced by the tombstone once no invitation of theirs is left",
    "core.dataexport_invitations": "deleted with the export",
    "media.mediaitem": "original, rendition, poster, captions, transcript: files and row "
    "(the candidate's takes; the team's welcome and question videos, Interview.welcome_media "
    "and Question.prompt_media, are the organisation's, not a candidate's: kept, deleted with "
    "their interview or question)",
    "uploads.upload": "rows deleted; stored files, local data, S3 parts and tails removed",
    "reviews.review": "deleted (notes)",
    "reviews.rating": "deleted",
    "reviews.competencyrating": "deleted with the candidate's reviews (scorecard ratings)",
    "reviews.reviewsummary": "deleted",
    "reviews.comment": "deleted",
    "reviews.commentmention": "deleted with the comment",
    "reviews.decision": "deleted (reason)",
    "reviews.decisionevent": "deleted (reasons, decision emails' record)",
    "reviews.digestentry": "deleted",
    "reviews.candidatesearchdocument": "deleted (transcripts and text answers)",
    "reviews.sharelink_invitations": "deleted: no share link reaches the candidate any more",
    "live.liveinterview": "deleted (bookings, notes, outcome, rating)",
    "live.livelink": "deleted",
    "live.slotbooking": "deleted",
    "live.livereminderdelivery": "deleted",
    "live.liveinterview_interviewers": "deleted with the live interview",
}

# Models a candidate's rows point at (or that hold an email address) which erasure keeps
# on purpose, with the reason.
KEPT_MODELS: dict[str, str] = {
    "core.organisation": "the employer; its privacy contact is the team's address",
    "core.interview": "the team's interview; its contact email is the team's address",
    "core.question": "the team's questions",
    "core.erasure": "the erasure ledger: ids and a tombstone only, no personal data",
    "core.membership": "team members, not candidates",
    "core.memberinvite": "invitations of colleagues to the team, not of candidates",
    "accounts.user": "team members' accounts",
    "reviews.sharelink": "the team's link; its access to the candidate is removed",
    "live.slotoffer": "the team's availability; the candidate's booking is removed",
    "reviews.reviewerassignment": "which team member reviews which interview",
    "reviews.competency": "the team's scorecard (competencies and anchors), not a candidate",
    "reviews.decisionemailtemplate": "the team's templates, not a sent email",
}

# Links that are no foreign key (the upload service knows nothing of takes).
NON_FK_LINKS: dict[str, dict[str, str]] = {
    "core.take": {"upload_id": "uploads.upload"},
}

# Fields holding names in Django's default storage, and what erasure does with the files.
STORAGE_FIELDS: dict[str, dict[str, str]] = {
    "media.mediaitem": {
        "original_name": "deleted",
        "rendition_name": "deleted (and the item's whole folder)",
        "poster_name": "deleted",
        "thumbnail_name": "deleted",
        "captions_name": "deleted",
    },
    "uploads.upload": {"storage_name": "deleted"},
    "core.dataexport": {"storage_name": "deleted"},
}

# Local folders (settings) and whether a candidate's bytes can be in them.
LOCAL_FOLDERS: dict[str, str] = {
    "UPLOAD_TEMP_DIR": "erased: in-progress upload data and S3 tails, by upload id",
    "MEDIA_WORK_DIR": "erased: processing scratch folders, by media item id",
    "MEDIA_ROOT": "erased: the default storage when it is a local folder",
    "STATIC_ROOT": "kept: the application's static files, never a candidate's",
    "BASE_DIR": "kept: the application's code",
    "FILE_UPLOAD_TEMP_DIR": "kept: Django's form upload temp files, gone when the request ends",
    "DATA_DIR": "holds the folders above and the SQLite database (rows erased)",
    "WHISPER_MODEL_DIR": "kept: an operator's speech-to-text model, never a candidate's",
    "METRICS_DIR": "kept: Prometheus counters of the web processes, no personal data",
}

# Audit data keys that hold no personal data; everything else in an erased candidate's
# entries is dropped.
KEEP_AUDIT_KEYS = frozenset(
    {
        "from",
        "to",
        "status",
        "practice",
        "size",
        "number",
        "take",
        "question",
        "kind",
        "purpose",
        "skipped",
        "files",
        "team",
        "source",
        "hours_before",
        "what",
        "variant",
        "outcome",
        "by_candidate",
        "reason_code",
        "invited",
        "skipped_rows",
    }
)
