"""Fixtures for the core: an interview with questions, ready to invite."""

import pytest
from isolation_objects import make_interview

from oneway.accounts.models import User
from oneway.core.models import Interview, Organisation


@pytest.fixture
def interview(org: Organisation, owner: User) -> Interview:
    return make_interview(org, created_by=owner)
