"""Every staff URL, for every role, against another organisation's objects: 404 (or 403).

Staff views are those wrapped in ``staff_view`` (they carry ``.staff_permission``). A URL's
keyword values come from ``isolation_objects.OBJECT_FACTORIES``, created in a second
organisation; an unknown keyword name fails the test, so a new URL cannot dodge it.

- A role without the view's permission gets 403 for every method.
- Otherwise GET and POST each answer 404 (or 405 for a method the view does not take),
  and at least one of them 404.
- With the member's *own* objects the owner's GET is not 404, which proves the factories
  build what the URL expects (the test would otherwise pass vacuously).
- Pages without keywords never show the other organisation's objects.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from isolation_objects import FOREIGN_MARKER, OBJECT_FACTORIES

from oneway.accounts.models import User
from oneway.accounts.roles import Role, role_has
from oneway.core.models import Organisation


@dataclass(frozen=True)
class StaffURL:
    name: str  # namespaced, for reverse()
    kwargs: tuple[str, ...]
    permission: str


def _walk(
    patterns: list[URLPattern | URLResolver], namespace: str = "", kwargs: tuple[str, ...] = ()
) -> Iterator[tuple[URLPattern, str, tuple[str, ...]]]:
    for entry in patterns:
        names = tuple(_kwarg_names(entry))
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner, kwargs + names)
        else:
            yield entry, namespace, kwargs + names


def _kwarg_names(entry: URLPattern | URLResolver) -> list[str]:
    pattern: Any = entry.pattern
    converters = getattr(pattern, "converters", None)
    if converters:
        return list(converters)
    return list(pattern.regex.groupindex)


def staff_urls() -> list[StaffURL]:
    found: list[StaffURL] = []
    for entry, namespace, kwargs in _walk(get_resolver().url_patterns):
        permission = getattr(entry.callback, "staff_permission", None)
        if permission is None:
            continue
        assert entry.name, f"staff view {entry.callback.__qualname__} has no URL name"
        found.append(StaffURL(f"{namespace}{entry.name}", kwargs, permission))
    return found


STAFF_URLS = staff_urls()
ROLES = [Role.OWNER, Role.ADMIN, Role.REVIEWER]


def test_the_walk_finds_the_staff_urls() -> None:
    names = {url.name for url in STAFF_URLS}
    assert {"dashboard:interview_detail", "dashboard:invitation_detail"} <= names
    assert len(STAFF_URLS) > 30


class Objects:
    """Factory values per organisation, made once per test."""

    def __init__(self) -> None:
        self.values: dict[tuple[int, str], int | str] = {}

    def kwargs_for(self, url: StaffURL, org: Organisation) -> dict[str, int | str]:
        unknown = [name for name in url.kwargs if name not in OBJECT_FACTORIES]
        assert not unknown, (
            f"{url.name}: add {unknown} to tests/isolation_objects.py OBJECT_FACTORIES"
        )
        result = {}
        for name in url.kwargs:
            key = (org.pk, name)
            if key not in self.values:
                self.values[key] = OBJECT_FACTORIES[name](org)
            result[name] = self.values[key]
        return result


@pytest.mark.parametrize("url", STAFF_URLS, ids=lambda url: url.name)
def test_staff_url_is_scoped_to_the_organisation(
    url: StaffURL,
    org: Organisation,
    other_org: Organisation,
    make_member: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    objects = Objects()
    foreign = objects.kwargs_for(url, other_org)
    own = objects.kwargs_for(url, org)
    if not url.kwargs:  # list pages: give them something foreign they must not show
        for factory in OBJECT_FACTORIES.values():
            factory(other_org)
    for role in ROLES:
        client = client_for(make_member(org, role))
        allowed = role_has(role, url.permission)
        if not url.kwargs:
            response = client.get(reverse(url.name))
            if not allowed:
                assert response.status_code == 403, (url.name, role)
            else:
                assert response.status_code < 500, (url.name, role)
                assert FOREIGN_MARKER.encode() not in response.content, (
                    f"{url.name} shows another organisation's data to {role}"
                )
            continue
        path = reverse(url.name, kwargs=foreign)
        statuses = {method: getattr(client, method)(path).status_code for method in ("get", "post")}
        if not allowed:
            assert set(statuses.values()) == {403}, (url.name, role, statuses)
            continue
        assert set(statuses.values()) <= {404, 405}, (url.name, role, statuses)
        assert 404 in statuses.values(), (url.name, role, statuses)
        if role == Role.OWNER:
            own_status = client.get(reverse(url.name, kwargs=own)).status_code
            assert own_status != 404, f"{url.name}: 404 for the owner's own objects"


def test_review_at_volume_urls_are_checked() -> None:
    """Issue 17's staff pages are among those checked above."""
    names = {url.name for url in STAFF_URLS}
    assert {
        "dashboard:profile",
        "dashboard:review_scorecard",
        "dashboard:review_rate_competency",
        "dashboard:review_side_by_side",
    } <= names
