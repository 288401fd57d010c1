from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.core.audit import log_action

PLAYBACK_RATES = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0)


def reviewer_preferences_update(
    *,
    user: User,
    playback_rate: float | None = None,
    digest: bool | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Remember the reviewer's playback speed and whether they want the daily digest."""
    changes: dict[str, object] = {}
    if playback_rate is not None:
        if playback_rate not in PLAYBACK_RATES:
            raise ValidationError(_("Choose a speed between 0.75× and 2×."))
        if user.preferences.get("playback_rate") != playback_rate:
            changes["playback_rate"] = playback_rate
    if digest is not None and user.preferences.get("review_digest", True) != digest:
        changes["review_digest"] = digest
    if not changes:
        return
    user.preferences = {**user.preferences, **changes}
    user.save(update_fields=["preferences"])
    log_action(
        "review.preferences_changed",
        organisation=getattr(request, "org", None),
        actor=user,
        obj=user,
        data=changes,
        request=request,
    )


def playback_rate_of(user: User) -> float:
    rate = user.preferences.get("playback_rate", 1.0) if user.preferences else 1.0
    return rate if rate in PLAYBACK_RATES else 1.0
