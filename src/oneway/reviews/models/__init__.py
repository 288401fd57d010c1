from oneway.reviews.models.assignments import ReviewerAssignment
from oneway.reviews.models.comments import Comment, CommentMention
from oneway.reviews.models.decisions import (
    Decision,
    DecisionEmailTemplate,
    DecisionEvent,
    DecisionStatus,
)
from oneway.reviews.models.digests import DigestEntry
from oneway.reviews.models.reviews import Rating, Recommendation, Review, ReviewSummary
from oneway.reviews.models.scorecards import Competency, CompetencyRating, Scorecard
from oneway.reviews.models.search import CandidateSearchDocument
from oneway.reviews.models.shares import ShareLink

__all__ = [
    "CandidateSearchDocument",
    "Comment",
    "CommentMention",
    "Competency",
    "CompetencyRating",
    "Decision",
    "DecisionEmailTemplate",
    "DecisionEvent",
    "DecisionStatus",
    "DigestEntry",
    "Rating",
    "Recommendation",
    "Review",
    "ReviewSummary",
    "ReviewerAssignment",
    "Scorecard",
    "ShareLink",
]
