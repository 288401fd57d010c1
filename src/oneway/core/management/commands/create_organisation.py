"""Create an organisation and invite its first owner (how a self-hosted install starts)."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from oneway.core.services.organisations import organisation_create


class Command(BaseCommand):
    help = "Create an organisation and print the link its owner uses to set a password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The organisation's name, e.g. 'Acme Hiring'.")
        parser.add_argument("owner_email", help="The first owner's email address.")
        parser.add_argument("--timezone", default="UTC", help="e.g. Europe/Berlin")

    def handle(
        self, *args: Any, name: str, owner_email: str, timezone: str, **options: Any
    ) -> None:
        try:
            organisation, invite, token = organisation_create(
                name=name, owner_email=owner_email, timezone_name=timezone
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        link = settings.BASE_URL + reverse("accounts:join", args=[token])
        self.stdout.write(
            self.style.SUCCESS(f"Created {organisation.name}.")
            + f"\nSend this link to {invite.email} (valid 7 days) to set a password:\n{link}"
        )
