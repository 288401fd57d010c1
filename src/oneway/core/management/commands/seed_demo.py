"""A demo to try Oneway with: an organisation, an owner, an interview, a candidate.

Idempotent: running it again keeps everything and only issues a fresh candidate link
(the earlier links keep working too), reopening the demo invitation if it has closed.
"""

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import Interview, Invitation, InvitationStatus, Membership, Organisation
from oneway.core.services.interviews import interview_create, question_create
from oneway.core.services.invitations import (
    candidate_link,
    invitation_create,
    invitation_extend,
    invitation_is_open,
    invitation_link_create,
)

ORG_SLUG = "demo"
OWNER_EMAIL = "demo@oneway.localhost"
OWNER_PASSWORD = "oneway-demo"
CANDIDATE_EMAIL = "casey.candidate@example.com"
INTERVIEW_TITLE = "Customer support specialist"
QUESTIONS = [
    {
        "prompt": "Tell us about yourself and why you would like to work in customer support.",
        "thinking_seconds": 30,
        "max_answer_seconds": 120,
        "retakes": 1,
        "rubric": "Clear, warm, motivated; links their experience to the role.",
    },
    {
        "prompt": "Describe a time you helped someone who was frustrated. What did you do?",
        "thinking_seconds": 45,
        "max_answer_seconds": 180,
        "retakes": 1,
        "rubric": "Listens first, takes ownership, explains the outcome.",
    },
    {
        "prompt": "A customer writes that our product deleted their work. Draft your first reply.",
        "answer_type": "text",
        "thinking_seconds": 0,
        "max_characters": 1500,
        "rubric": "Empathy, a concrete next step, no blame.",
    },
]


class Command(BaseCommand):
    help = "Create (or refresh) the demo organisation, login, interview and candidate link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Seed even with ONEWAY_PRODUCTION on."
        )

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if settings.PRODUCTION and not force:
            raise CommandError(
                "Refusing to create a demo login with a known password in production "
                "(use --force if you really mean it)."
            )
        with transaction.atomic():
            owner = self._owner()
            organisation = self._organisation(owner)
            interview = self._interview(organisation, owner)
            token = self._candidate_link(interview, owner)
        self.stdout.write(
            "\n".join(
                [
                    "",
                    self.style.SUCCESS("Oneway demo"),
                    f"  URL:            {settings.BASE_URL}/",
                    f"  Sign in:        {OWNER_EMAIL}  /  {OWNER_PASSWORD}",
                    f"  Candidate link: {candidate_link(token)}",
                    "",
                ]
            )
        )

    def _owner(self) -> User:
        owner = User.objects.filter(email=OWNER_EMAIL).first()
        if owner is None:
            owner = User.objects.create_user(OWNER_EMAIL, OWNER_PASSWORD, name="Dana Demo")
        return owner

    def _organisation(self, owner: User) -> Organisation:
        organisation, _created = Organisation.objects.get_or_create(
            slug=ORG_SLUG,
            defaults={
                "name": "Demo Company",
                "timezone": "Europe/London",
                "privacy_contact": "privacy@example.com",
            },
        )
        Membership.objects.get_or_create(
            organisation=organisation, user=owner, defaults={"role": Role.OWNER}
        )
        return organisation

    def _interview(self, organisation: Organisation, owner: User) -> Interview:
        interview = Interview.objects.filter(
            organisation=organisation, title=INTERVIEW_TITLE
        ).first()
        if interview is None:
            interview = interview_create(
                organisation=organisation,
                fields={
                    "title": INTERVIEW_TITLE,
                    "intro_text": (
                        "Thanks for your interest in joining our support team. Three short "
                        "questions; answer whenever suits you before the deadline."
                    ),
                    "thank_you_text": "Thank you! We will get back to you within a week.",
                    "contact_email": "jobs@example.com",
                },
                actor=owner,
            )
        if not interview.questions.exists():
            for fields in QUESTIONS:
                question_create(interview=interview, fields=dict(fields), actor=owner)
        if interview.is_archived:
            interview.archived_at = None
            interview.save(update_fields=["archived_at"])
        return interview

    def _candidate_link(self, interview: Interview, owner: User) -> str:
        invitation = (
            Invitation.objects.filter(interview=interview, email=CANDIDATE_EMAIL)
            .exclude(status=InvitationStatus.REVOKED)
            .first()
        )
        if invitation is None:
            _invitation, token = invitation_create(
                interview=interview,
                name="Casey Candidate",
                email=CANDIDATE_EMAIL,
                timezone="America/New_York",
                actor=owner,
                send=False,
            )
            return token
        if not invitation_is_open(invitation) and invitation.status != InvitationStatus.COMPLETED:
            invitation_extend(
                invitation=invitation,
                deadline=timezone.now() + datetime.timedelta(days=5),
                actor=owner,
                notify=False,
            )
        return invitation_link_create(invitation=invitation, purpose="demo")
