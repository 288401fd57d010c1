"""Every write of the review workspace: one typed function each, each audited."""

from oneway.reviews.services.assignments import reviewer_assign, reviewer_unassign
from oneway.reviews.services.comments import comment_add, comment_delete
from oneway.reviews.services.decisions import decision_change, decision_template_save
from oneway.reviews.services.exports import review_export_csv
from oneway.reviews.services.preferences import reviewer_preferences_update
from oneway.reviews.services.reveals import candidate_identity_reveal
from oneway.reviews.services.reviews import review_rate, review_save, review_submit
from oneway.reviews.services.shares import (
    share_link_create,
    share_link_record_view,
    share_link_revoke,
)

__all__ = [
    "candidate_identity_reveal",
    "comment_add",
    "comment_delete",
    "decision_change",
    "decision_template_save",
    "review_export_csv",
    "review_rate",
    "review_save",
    "review_submit",
    "reviewer_assign",
    "reviewer_preferences_update",
    "reviewer_unassign",
    "share_link_create",
    "share_link_record_view",
    "share_link_revoke",
]
