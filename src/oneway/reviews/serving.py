"""Serving a media file to a share-link viewer (no user to bind a signed URL to)."""

from django.http import Http404, HttpRequest, HttpResponse


def serve_media_file(request: HttpRequest, name: str) -> HttpResponse:
    raise Http404
