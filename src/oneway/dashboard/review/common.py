from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def error_messages(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            name: [str(m) for m in ValidationError(errs).messages]
            for name, errs in error.error_dict.items()
        }
    return {"__all__": error_messages(error)}


def json_error(error: ValidationError, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "errors": field_errors(error)}, status=status)


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
