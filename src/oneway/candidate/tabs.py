"""Two browser tabs on one link must not corrupt each other.

The tab that holds the interview is ``Invitation.active_tab`` (a random id each tab keeps
in sessionStorage, so a reload stays the same tab). Tabs say they are alive through a
heartbeat kept in the cache. Another tab that arrives while the holder is alive is told
the interview is open elsewhere and may take over; the old tab learns it at its next
heartbeat or action and pauses. Recorded data is never at stake: chunks live in the
browser's IndexedDB and each take uploads under a Web Lock, whichever tab does it.
"""

import re
import time

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from oneway.candidate import rules
from oneway.candidate.services import CandidateError, _log
from oneway.core.models import Invitation

TAB_ID = re.compile(r"\A[A-Za-z0-9_-]{8,64}\Z")


def _seen_key(invitation: Invitation) -> str:
    return f"candidate-tab-seen:{invitation.pk}"


def tab_is_alive(invitation: Invitation) -> bool:
    seen = cache.get(_seen_key(invitation))
    return seen is not None and time.time() - float(seen) < rules.TAB_STALE_SECONDS


def tab_claim(
    *, invitation: Invitation, tab: str, takeover: bool = False, request: HttpRequest | None = None
) -> None:
    """Hold the interview in ``tab`` (also the heartbeat), or raise 409 ``other_tab``."""
    if not TAB_ID.match(tab or ""):
        raise CandidateError(400, _("Reload the page and try again."), "bad_tab")
    current = invitation.active_tab
    if current and current != tab and tab_is_alive(invitation) and not takeover:
        raise CandidateError(
            409,
            _(
                "Your interview is open in another tab or window. Continue there, or use "
                "this one instead."
            ),
            "other_tab",
        )
    if current != tab:
        with transaction.atomic():
            Invitation.objects.filter(pk=invitation.pk).update(active_tab=tab)
            invitation.active_tab = tab
            if current:
                _log(
                    "candidate.tab_switched",
                    invitation,
                    data={"takeover": takeover},
                    request=request,
                )
    cache.set(_seen_key(invitation), time.time(), rules.TAB_STALE_SECONDS * 4)


def tab_check(invitation: Invitation, tab: str) -> None:
    """Refuse an action from a tab that no longer holds the interview (no tab id: allowed,
    for pages used without JavaScript)."""
    if tab and invitation.active_tab and tab != invitation.active_tab:
        raise CandidateError(
            409,
            _("You continued this interview in another tab or window. This one is paused."),
            "other_tab",
        )
