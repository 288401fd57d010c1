"""Comments on a candidate, at a time code of an answer, with replies and @mentions."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.audit import log_action
from oneway.core.models import Answer, Interview, Invitation
from oneway.reviews.models import Comment

MAX_COMMENT = 5_000
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


def _mentionable(interview: Interview) -> QuerySet[User]:
    return (
        User.objects.filter(
            Q(
                memberships__organisation_id=interview.organisation_id,
                memberships__role__in=[Role.OWNER, Role.ADMIN],
            )
            | Q(review_assignments__interview=interview),
            is_active=True,
        )
        .distinct()
        .order_by("email")
    )


def _handles(emails: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    for email in emails:
        local = email.split("@", 1)[0].lower()
        counts[local] = counts.get(local, 0) + 1
    return [
        email.lower()
        if counts[email.split("@", 1)[0].lower()] > 1
        else email.split("@", 1)[0].lower()
        for email in emails
    ]


def mention_handles(interview: Interview) -> list[str]:
    """The handles of everyone who may be mentioned on this interview's candidates."""
    return sorted(_handles(list(_mentionable(interview).values_list("email", flat=True))))


def mentionable_members(interview: Interview) -> dict[str, User]:
    """Handle -> member, for everyone who may see this interview's candidates.

    The handle is the part of the email address before the @, or the whole address
    when two members share it.
    """
    members = list(_mentionable(interview))
    return dict(zip(_handles([m.email for m in members]), members, strict=True))


def parse_mentions(body: str, interview: Interview) -> list[User]:
    members = mentionable_members(interview)
    by_email = {member.email.lower(): member for member in members.values()}
    found: dict[int, User] = {}
    for match in MENTION.finditer(body):
        handle = match.group(1).rstrip(".").lower()
        member = members.get(handle) or by_email.get(handle)
        if member is not None:
            found[member.pk] = member
    return list(found.values())


@transaction.atomic
def comment_add(
    *,
    invitation: Invitation,
    author: User,
    body: str,
    answer: Answer | None = None,
    time_ms: int | None = None,
    parent: Comment | None = None,
    request: HttpRequest | None = None,
) -> Comment:
    """Comment on a candidate (or reply); mentioned team members get an email."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    if len(body) > MAX_COMMENT:
        raise ValidationError({"body": _("Keep a comment under 5,000 characters.")})
    if answer is not None and answer.invitation_id != invitation.pk:
        raise ValidationError(_("That answer belongs to another candidate."))
    if parent is not None:
        if parent.invitation_id != invitation.pk or parent.deleted_at is not None:
            raise ValidationError(_("That comment cannot be replied to."))
        # One level of threading: a reply to a reply joins the same thread.
        parent = parent.parent or parent
        answer = parent.answer
        time_ms = None
    if time_ms is not None:
        if answer is None:
            raise ValidationError({"time_code": _("A time code needs an answer to refer to.")})
        if time_ms < 0 or time_ms > 24 * 3600 * 1000:
            raise ValidationError({"time_code": _("That time code is out of range.")})
    comment = Comment.objects.create(
        organisation_id=invitation.organisation_id,
        invitation=invitation,
        answer=answer,
        parent=parent,
        author=author,
        body=body,
        time_ms=time_ms,
    )
    mentioned = [user for user in parse_mentions(body, invitation.interview) if user != author]
    comment.mentions.set(mentioned)
    log_action(
        "review.commented",
        organisation=invitation.organisation,
        actor=author,
        obj=comment,
        interview_id=invitation.interview_id,
        invitation_id=invitation.pk,
        data={
            "answer_id": answer.pk if answer else None,
            "time_ms": time_ms,
            "reply_to": parent.pk if parent else None,
            "mentions": [user.pk for user in mentioned],
        },
        request=request,
    )
    if mentioned:
        from oneway.reviews.tasks import send_mention_emails

        transaction.on_commit(lambda: send_mention_emails(comment.pk))
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User, request: HttpRequest | None = None) -> None:
    """Remove a comment's text (its author, or an admin); replies stay readable."""
    if comment.deleted_at is not None:
        return
    comment.deleted_at = timezone.now()
    comment.body = ""
    comment.save(update_fields=["deleted_at", "body"])
    log_action(
        "review.comment_deleted",
        organisation=comment.organisation,
        actor=actor,
        obj=comment,
        interview_id=comment.invitation.interview_id,
        invitation_id=comment.invitation_id,
        request=request,
    )


def parse_time_code(value: str) -> int | None:
    """ "1:23", "83", "1:02:03" -> milliseconds; "" -> None."""
    value = value.strip()
    if not value:
        return None
    if not re.fullmatch(r"\d{1,3}(:\d{1,2}){0,2}(\.\d+)?", value):
        raise ValidationError({"time_code": _("Write the time as minutes:seconds, e.g. 1:23.")})
    head, _dot, fraction = value.partition(".")
    seconds = 0
    for part in head.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds * 1000 + (int((fraction + "000")[:3]) if fraction else 0)
