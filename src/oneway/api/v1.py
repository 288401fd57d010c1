"""The REST API, version 1 (Django Ninja): OpenAPI 3.1 at /api/v1/openapi.json, docs at
/api/v1/docs (served from our own static files)."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from oneway.api.problems import Problem, field_error, from_django, problem_response
from oneway.api.routers import answers, audit, interviews, invitations, live, reviews

logger = logging.getLogger(__name__)

DESCRIPTION = """\
Oneway's REST API. Authenticate with an organisation API key
(`Authorization: Bearer ow_...`), created by an owner or admin under
Settings → Integrations. Times are UTC, ISO 8601. Lists are paginated with cursors
(`cursor`, `limit`; the answer's `next_cursor`). Errors are RFC 9457 problem documents
(`application/problem+json`) with field errors in `errors`. Every POST honours an
`Idempotency-Key` header. See docs/api.md.
"""


class ApiKeyAuth(HttpBearer):
    """The gateway has already checked the key; this declares the scheme in OpenAPI."""

    openapi_description = "An organisation API key: `Authorization: Bearer ow_...`"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return getattr(request, "api_key", None)


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
                "required": ["field", "detail"],
            },
        },
    },
    "required": ["type", "title", "status"],
}
PROBLEMS = {
    "400": "Malformed request (JSON, cursor, header)",
    "401": "Missing, unknown or revoked API key",
    "403": "The key lacks the scope or the interview",
    "404": "No such object (or not visible to this key)",
    "409": "The same Idempotency-Key is still being processed",
    "413": "Request body too large",
    "422": "Invalid fields",
    "429": "Rate limit reached (see Retry-After)",
}
RATE_HEADERS = {
    "RateLimit": {
        "description": "Requests left in this window and seconds until it resets.",
        "schema": {"type": "string"},
    },
    "RateLimit-Policy": {
        "description": "Requests allowed per window.",
        "schema": {"type": "string"},
    },
}
IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Any unique string (1-255 characters); a retry with the same key and "
    "the same request returns the first response instead of acting twice.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


class OnewayAPI(NinjaAPI):
    """Adds what the gateway does to the generated document: problem responses, rate
    limit headers and the Idempotency-Key header on every POST."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem_content = {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
        for item in schema["paths"].values():
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                for status, description in PROBLEMS.items():
                    if status in ("409", "413") and method != "post":
                        continue
                    responses.setdefault(
                        status, {"description": description, "content": problem_content}
                    )
                for response in responses.values():
                    response.setdefault("headers", {}).update(RATE_HEADERS)
                if method == "post":
                    operation.setdefault("parameters", []).append(IDEMPOTENCY_HEADER)
        return schema


api = OnewayAPI(
    title="Oneway API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api:api-v1",
    auth=ApiKeyAuth(),
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(Problem)
def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return problem_response(exc, instance=request.path)


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        # ("body", "body", "name") or ("query", "limit"): the field is what follows
        parts = [p for p in location[1:] if p not in ("body", "filters")] or location
        errors.append(field_error(".".join(parts), str(error.get("msg", "Invalid value."))))
    detail = "; ".join(f"{e['field']}: {e['detail']}" for e in errors[:5])
    return problem_response(
        Problem(422, "The request is not valid.", detail, errors=errors), instance=request.path
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(Problem(401, "An API key is required."), instance=request.path)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        problem = Problem(
            400,
            "The request body is not valid JSON.",
            errors=[field_error("body", "Send a JSON document.")],
        )
    else:
        problem = Problem(exc.status_code, str(exc) or "The request could not be carried out.")
    return problem_response(problem, instance=request.path)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    detail = str(exc) if exc.args else ""
    return problem_response(Problem(404, "Not found.", detail), instance=request.path)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(Problem(403, "This API key may not do this."), instance=request.path)


@api.exception_handler(DjangoValidationError)
def _service_refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return problem_response(from_django(exc), instance=request.path)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s", request.path, exc_info=exc)
    return problem_response(
        Problem(500, "Something went wrong on our side."), instance=request.path
    )


api.add_router("", interviews.router)
api.add_router("", invitations.router)
api.add_router("", answers.router)
api.add_router("", reviews.router)
api.add_router("", live.router)
api.add_router("", audit.router)
