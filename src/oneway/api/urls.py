"""/api/v1/: every operation behind the gateway; the OpenAPI document and docs are public."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from oneway.api.gateway import gateway
from oneway.api.problems import Problem, problem_response
from oneway.api.v1 import api

PUBLIC = ("openapi-json", "openapi-view")


def _guarded(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name not in PUBLIC:
            pattern.callback = gateway(pattern.callback)
    return patterns


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /api/: a problem document, not an HTML page."""
    return problem_response(Problem(404, "There is no such API endpoint."), instance=request.path)


_patterns, _app_name, _namespace = api.urls

app_name = "api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/", include((_guarded(_patterns), _app_name), namespace=_namespace)),
    path("<path:rest>", not_found, name="not_found"),
    path("", not_found, name="root"),
]
