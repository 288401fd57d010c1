"""Fixtures shared by every area: organisations, members of each role, signed-in clients."""

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import Membership, Organisation

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config: pytest.Config) -> None:
    """Servers the tests start in subprocesses (with data directories of their own) sign
    with the test process's key, so what one signs the other accepts."""
    from django.conf import settings

    os.environ.setdefault("ONEWAY_SECRET_KEY", settings.SECRET_KEY)

    # Candidates' languages: the .mo files are built, not committed; a plain pytest run
    # builds the missing or stale ones (make install does it with compilemessages).
    from oneway.core.catalog import compile_stale_catalogs

    compile_stale_catalogs()


PASSWORD = "correct horse battery staple 42"

# A real S3 server (weed mini) for tests marked s3: fixtures s3_server, s3_storage.
pytest_plugins = ["s3server", "playwright_session"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    vendor = os.environ.get("DATABASE_URL", "sqlite").split(":", 1)[0]
    on_postgres = vendor.startswith("postgres")
    for item in items:
        if "postgres_only" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="PostgreSQL only"))
        if "sqlite_only" in item.keywords and on_postgres:
            item.add_marker(pytest.mark.skip(reason="SQLite only"))


@pytest.fixture(autouse=True, scope="session")
def fast_password_hasher() -> Iterator[None]:
    """Hashing a password the production way takes ~0.5 s; tests create many users."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def huey_immediate() -> Iterator[None]:
    """Tasks run inline in tests (when their on_commit fires), never in a leftover queue."""
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def make_org(db: None) -> Callable[..., Organisation]:
    counter = {"n": 0}

    def make(name: str | None = None, **fields: object) -> Organisation:
        counter["n"] += 1
        name = name or f"Org {counter['n']}"
        slug = fields.pop("slug", None) or f"org-{counter['n']}-{os.getpid()}"
        return Organisation.objects.create(name=name, slug=slug, **fields)  # type: ignore[arg-type]

    return make


@pytest.fixture
def make_member(db: None) -> Callable[..., User]:
    def make(org: Organisation, role: str = Role.ADMIN, email: str | None = None) -> User:
        email = email or f"{role}-{org.slug}@example.com"
        user = User.objects.create_user(email, PASSWORD, name=f"{role.title()} {org.name}")
        Membership.objects.create(organisation=org, user=user, role=role)
        return user

    return make


@pytest.fixture
def org(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("Acme Hiring", slug="acme", timezone="Europe/London")


@pytest.fixture
def other_org(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("Globex", slug="globex")


@pytest.fixture
def owner(org: Organisation, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.OWNER)


@pytest.fixture
def admin_user(org: Organisation, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.ADMIN)


@pytest.fixture
def reviewer(org: Organisation, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.REVIEWER)


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    return _client_for(admin_user)


@pytest.fixture
def owner_client(owner: User) -> Client:
    return _client_for(owner)


@pytest.fixture
def reviewer_client(reviewer: User) -> Client:
    return _client_for(reviewer)


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    return _client_for


@pytest.fixture
def assign_reviewer(reviewer: User) -> Callable[..., Any]:
    """Assign the ``reviewer`` fixture (or ``user``) to an interview: without it a reviewer
    sees nothing of the interview (the access gate answers 404)."""
    from oneway.reviews.models import ReviewerAssignment

    def assign(interview: Any, user: User | None = None) -> Any:
        return ReviewerAssignment.objects.get_or_create(
            organisation=interview.organisation, interview=interview, user=user or reviewer
        )[0]

    return assign
