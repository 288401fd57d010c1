"""RFC 9457 problem documents: every error the API answers is one of these."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse, JsonResponse

PROBLEM_TYPE = "https://oneway.invalid/problems/"
CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    """Raise from anywhere in the API to answer a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        kind: str = "",
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.kind = kind or _KIND.get(status, "error")


_KIND = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid",
    429: "rate-limited",
    500: "server-error",
}


def problem_response(problem: Problem, *, instance: str = "") -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + problem.kind,
        "title": problem.title,
        "status": problem.status,
    }
    if problem.detail:
        body["detail"] = problem.detail
    if instance:
        body["instance"] = instance
    if problem.errors:
        body["errors"] = problem.errors
    response = JsonResponse(body, status=problem.status, content_type=CONTENT_TYPE)
    for name, value in problem.headers.items():
        response[name] = value
    if problem.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="oneway"'
    return response


def field_error(field: str, detail: str) -> dict[str, str]:
    return {"field": field, "detail": detail}


def from_django(exc: DjangoValidationError, *, status: int = 422) -> Problem:
    """A service's ValidationError: field errors when it names fields, else its message."""
    errors: list[dict[str, str]] = []
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            for message in messages:
                errors.append(field_error(field, message))
        detail = errors[0]["detail"] if errors else ""
    else:
        detail = " ".join(exc.messages)
    return Problem(status, "The request could not be carried out.", detail, errors=errors)
