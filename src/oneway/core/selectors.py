"""Reads that are more than a one-line query."""

from oneway.core.models import Invitation
from oneway.core.tokens import hash_token


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a candidate's capability token opens, or None (unknown or tampered)."""
    if not token or len(token) > 128:
        return None
    return (
        Invitation.objects.select_related("interview", "organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )
