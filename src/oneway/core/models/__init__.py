from oneway.core.models.answers import Answer, Take
from oneway.core.models.audit import AuditEntry
from oneway.core.models.erasure import DataRequest, Erasure, ErasureReason
from oneway.core.models.exports import DataExport, ExportState
from oneway.core.models.interviews import (
    AnswerType,
    DeadlineMode,
    Interview,
    LibraryQuestion,
    Question,
)
from oneway.core.models.invitations import (
    Invitation,
    InvitationImport,
    InvitationLink,
    InvitationStatus,
    ReminderDelivery,
)
from oneway.core.models.orgs import MemberInvite, Membership, Organisation
from oneway.core.models.periodic import PeriodicRun

__all__ = [
    "Answer",
    "AnswerType",
    "AuditEntry",
    "DataExport",
    "DataRequest",
    "DeadlineMode",
    "Erasure",
    "ErasureReason",
    "ExportState",
    "Interview",
    "Invitation",
    "InvitationImport",
    "InvitationLink",
    "InvitationStatus",
    "LibraryQuestion",
    "MemberInvite",
    "Membership",
    "Organisation",
    "PeriodicRun",
    "Question",
    "ReminderDelivery",
    "Take",
]
