"""``python -m oneway refresh-search``: rebuild every candidate's search document (or one
organisation's), e.g. after an upgrade that changed how documents are indexed (each
transcript stemmed in its own language). Documents are derived data: running it again
rebuilds the same rows; candidates without a submitted answer are skipped."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Exists, OuterRef

from oneway.core.models import Answer, Invitation, Organisation
from oneway.reviews.search import search_documents_refresh

BATCH = 200


class Command(BaseCommand):
    help = "Rebuild the candidates' search documents (transcripts in their own language)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", help="organisation slug (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        invitations = Invitation.objects.filter(
            Exists(Answer.objects.filter(invitation_id=OuterRef("pk"), submitted_at__isnull=False))
        ).exclude(status="erased")
        if options["organisation"]:
            organisation = Organisation.objects.filter(slug=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"No organisation {options['organisation']!r}.")
            invitations = invitations.filter(organisation=organisation)
        ids = list(invitations.order_by("pk").values_list("pk", flat=True))
        done = 0
        for start in range(0, len(ids), BATCH):
            done += search_documents_refresh(ids[start : start + BATCH])
            self.stdout.write(f"{done}/{len(ids)} search documents rebuilt")
        if not ids:
            self.stdout.write("No candidate has answers to index.")
