"""Media as review pages see it: the submitted take of a candidate's answer."""

from typing import Any

from django.utils import timezone
from isolation_objects import make_interview, make_invitation

from oneway.accounts.models import User
from oneway.core.models import Answer, Invitation, Take
from oneway.media.models import MediaItem
from oneway.reviews.models import ReviewerAssignment


def attach_to_answer(
    item: MediaItem, *, assign: User | None = None, **interview: Any
) -> Invitation:
    """Make ``item`` the submitted take of a candidate's answer (media is served only for
    answers the viewer may see), and assign ``assign`` as a reviewer of that interview."""
    org = item.organisation
    invitation = make_invitation(make_interview(org, questions=1, **interview))
    answer = Answer.objects.create(
        invitation=invitation,
        question=invitation.interview.questions.first(),
        is_practice=False,
        submitted_at=timezone.now(),
    )
    answer.submitted_take = Take.objects.create(answer=answer, number=1, media=item)
    answer.save(update_fields=["submitted_take"])
    if assign is not None:
        ReviewerAssignment.objects.create(
            organisation=org, interview=invitation.interview, user=assign
        )
    return invitation
