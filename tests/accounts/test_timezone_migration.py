"""The time-zone migration keeps every chosen zone and turns the old default into
"follow the organisation"."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounts", "0001_initial")]
AFTER = [("accounts", "0002_user_timezone_follows_organisation")]


def test_default_utc_becomes_empty_and_chosen_zones_stay() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("accounts", "User")
    old.objects.create(email="default@example.com", password="!", timezone="UTC")
    old.objects.create(email="tokyo@example.com", password="!", timezone="Asia/Tokyo")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("accounts", "User")
    zones = dict(new.objects.values_list("email", "timezone"))
    assert zones == {"default@example.com": "", "tokyo@example.com": "Asia/Tokyo"}
    # Leave the database at the newest state for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
