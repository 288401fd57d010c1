"""Small helpers shared by forms across the apps."""

from django.http import HttpRequest, QueryDict


def posted(request: HttpRequest) -> QueryDict | None:
    """The POST data to bind a form to, or None on GET.

    (``request.POST or None`` would leave a form unbound, and silent, when a POST arrives
    with every field empty.)
    """
    return request.POST if request.method == "POST" else None
