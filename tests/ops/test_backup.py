"""backup / restore: the database and the media come back on a new server; secrets are
not in the backup."""

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from oneway.core.backup import BackupError, restore
from oneway.core.models import Organisation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


@pytest.fixture
def new_server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of an empty server to restore into."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ONEWAY_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "oneway.settings",
        "ONEWAY_DATA_DIR": str(tmp_path / "new-server"),
        "ONEWAY_MEDIA_ROOT": str(tmp_path / "new-server" / "media"),
    }
    if connection.vendor == "postgresql":
        name = f"restore_{os.getpid()}"
        admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        yield env
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'new-server.sqlite3'}"
        yield env


def organisation_names(env: dict[str, str]) -> list[str]:
    url = env["DATABASE_URL"]
    query = "SELECT name FROM core_organisation ORDER BY name"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return [row[0] for row in db.execute(query)]
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as db:
        return [row[0] for row in db.execute(query)]


def test_a_backup_restores_on_a_new_server(
    tmp_path: Path, new_server: dict[str, str], settings: Any
) -> None:
    Organisation.objects.create(name="Acme Hiring", slug="acme")
    default_storage.save("media/1/2/rendition.mp4", ContentFile(b"video bytes" * 1000))
    default_storage.save("uploads-in-progress/abc/000000000000000", ContentFile(b"partial"))
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["media_files"] == 1
    assert not (backup / "media" / "uploads-in-progress").exists()
    # No secret of this server is in the backup.
    everything = b"".join(p.read_bytes() for p in backup.rglob("*") if p.is_file())
    assert settings.SECRET_KEY.encode() not in everything

    # The next backup copies only what changed.
    default_storage.save("media/1/3/poster.jpg", ContentFile(b"jpeg"))
    out = StringIO()
    call_command("backup", str(backup), stdout=out)
    assert "media 1 copied, 1 unchanged" in out.getvalue()

    restored = subprocess.run(
        [sys.executable, "-m", "oneway", "restore", str(backup), "--yes"],
        env=new_server,
        capture_output=True,
        text=True,
    )
    assert restored.returncode == 0, restored.stderr
    assert organisation_names(new_server) == ["Acme Hiring"]
    new_media = Path(new_server["ONEWAY_MEDIA_ROOT"])
    assert (new_media / "media/1/2/rendition.mp4").read_bytes() == b"video bytes" * 1000
    assert (new_media / "media/1/3/poster.jpg").read_bytes() == b"jpeg"
    assert not (new_media / "uploads-in-progress").exists()


def test_a_backup_of_another_database_kind_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "backup"
    folder.mkdir()
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    (folder / "manifest.json").write_text(json.dumps({"vendor": other}))
    with pytest.raises(BackupError, match="DATABASE_URL is"):
        restore(folder)


def test_a_folder_without_a_backup_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="manifest.json is missing"):
        restore(tmp_path)


def test_a_candidate_erased_after_the_backup_stays_erased_after_a_restore(
    tmp_path: Path, org: Organisation, admin_user: Any
) -> None:
    """The erasure ledger is applied again: the restored rows and files of a candidate who
    was erased after the backup are erased again; another candidate comes back whole."""
    from candidate_data import database_hits, populate_candidate, storage_hits

    from oneway.core.models import Invitation, InvitationStatus
    from oneway.core.services.erasure import candidate_erase

    erased = populate_candidate(org, admin_user)
    kept = populate_candidate(org, admin_user)
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    candidate_erase(invitation=erased.invitation, reason="candidate")
    assert database_hits(erased.markers) == [] and storage_hits(erased.markers) == []

    manifest = restore(backup)

    assert manifest["erasures_reapplied"] == 1
    invitation = Invitation.objects.get(pk=erased.invitation.pk)
    assert invitation.status == InvitationStatus.ERASED
    assert database_hits(erased.markers) == []
    assert storage_hits(erased.markers) == []
    assert database_hits(kept.markers) and storage_hits(kept.markers)


def test_an_erasure_outlives_a_lost_database_and_is_reapplied_by_the_restore(
    tmp_path: Path, org: Organisation, admin_user: Any
) -> None:
    """The ledger is kept in the media storage too: when the database is lost (no ledger
    rows to read) the restore still erases again the candidate erased after the backup."""
    from candidate_data import database_hits, populate_candidate, storage_hits

    from oneway.core.models import Erasure, Invitation, InvitationStatus
    from oneway.core.services.erasure import candidate_erase
    from oneway.core.services.erasure_ledger import LEDGER_PREFIX, ledger_entry_name

    erased = populate_candidate(org, admin_user)
    kept = populate_candidate(org, admin_user)
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    candidate_erase(invitation=erased.invitation, reason="candidate")
    with default_storage.open(ledger_entry_name(erased.invitation.pk)) as f:
        entry = f.read()
    # Identifiers only: nothing of the candidate's data is in the entry.
    assert json.loads(entry)["invitation_id"] == erased.invitation.pk
    assert not [marker for marker in erased.markers if marker in entry]

    # The database is lost: an empty one takes its place (no ledger rows at all).
    call_command("flush", "--noinput")
    assert not Erasure.objects.exists() and not Invitation.objects.exists()

    manifest = restore(backup)

    assert manifest["erasures_reapplied"] == 1
    invitation = Invitation.objects.get(pk=erased.invitation.pk)
    assert invitation.status == InvitationStatus.ERASED
    assert Erasure.objects.filter(invitation_id=erased.invitation.pk).exists()
    assert database_hits(erased.markers) == []
    assert storage_hits(erased.markers) == []
    assert database_hits(kept.markers) and storage_hits(kept.markers)
    # The backup's copy of the ledger did not replace the entries written after it.
    assert default_storage.exists(ledger_entry_name(erased.invitation.pk))
    assert default_storage.listdir(LEDGER_PREFIX)[1] == [f"{erased.invitation.pk}.json"]
