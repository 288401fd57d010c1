"""tus 1.0 endpoints (being built; the URL names are the contract)."""

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def collection(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


@csrf_exempt
def resource(request: HttpRequest, upload_id: UUID) -> HttpResponse:
    return HttpResponse(status=501)
