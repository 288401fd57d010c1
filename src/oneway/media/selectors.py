"""Reads of media items, always scoped to an organisation."""

from django.http import Http404

from oneway.core.models import Organisation
from oneway.media.models import MediaItem


def media_item_for_org(organisation: Organisation | None, item_id: int) -> MediaItem:
    """The organisation's item, or 404 (another organisation's item does not exist here)."""
    if organisation is None:
        raise Http404
    item = MediaItem.objects.filter(organisation=organisation, pk=item_id).first()
    if item is None:
        raise Http404
    return item
