"""Backup and restore across SQLite and PostgreSQL: the demo organisation with an uploaded file, backed
up from the suite's database, restored into a fresh install of the other database, backed up again and
restored into a fresh install of the first kind — every table's count and checksum identical at each
step, and the uploaded file byte for byte.

The two installs are extra database aliases made inside the test and migrated with `migrate`: a
PostgreSQL database of this process's own (dropped afterwards) and an SQLite file under tmp_path. The
test is skipped when no PostgreSQL server answers (LODESTAR_TEST_POSTGRES_URL, by default the local
one).
"""

from __future__ import annotations

import io
import json
import os
import zipfile

import dj_database_url
import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connections, transaction
from django.db.utils import load_backend

from lodestar.exchange.backup import snapshot
from lodestar.exchange.backup.restore import RestoreRefused, restore_archive
from lodestar.exchange.backup.snapshot import backup_write
from lodestar.execution.models import ActionItem
from lodestar.execution.services.comments import attachment_add
from lodestar.org.models import Department, Person

PAYLOAD = bytes(range(256)) * 400 + "复盘纪要".encode()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def _postgres_server() -> dict:
    default = connections["default"].settings_dict
    if default["ENGINE"].endswith("postgresql"):
        return {k: default[k] for k in ("HOST", "PORT", "USER", "PASSWORD")}
    url = os.environ.get("LODESTAR_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parsed = dj_database_url.parse(url)
    return {k: parsed.get(k, "") for k in ("HOST", "PORT", "USER", "PASSWORD")}


def _admin_connection(server: dict):
    import psycopg

    return psycopg.connect(
        host=server["HOST"] or "127.0.0.1",
        port=server["PORT"] or 5432,
        user=server["USER"] or "postgres",
        password=server["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=3,
    )


@pytest.fixture
def postgres_database():
    server = _postgres_server()
    try:
        admin = _admin_connection(server)
    except Exception as exc:  # no server here: the SQLite half alone proves nothing across databases
        pytest.skip(f"no PostgreSQL server for the cross-database round trip ({exc})")
    name = f"lodestar_restore_{os.getpid()}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    yield {"ENGINE": "django.db.backends.postgresql", "NAME": name, "OPTIONS": {}, **server}
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _install(alias: str, database: dict) -> str:
    """A fresh install on another database: an alias, migrated, with no data. The connection is made
    by hand, not through settings.DATABASES: Django's test case lets such a connection through."""
    settings_dict = {**connections["default"].settings_dict, **database}
    connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    call_command("migrate", database=alias, verbosity=0, interactive=False)
    return alias


def _drop_alias(alias: str) -> None:
    connection = getattr(connections._connections, alias, None)
    if connection is not None:
        connection.close()
        del connections[alias]


def _backup_while_the_app_writes(alias: str, database: dict, path, media, monkeypatch) -> int:
    """A backup of `alias` during which another connection adds a department and commits (as the
    app would): the archive holds the database as of the backup's start. Returns its departments."""
    settings_dict = {**connections["default"].settings_dict, **database}
    writer = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, f"{alias}_writer")
    connections[writer.alias] = writer
    write_table = snapshot._write_table
    written = []

    def write_table_while_the_app_writes(archive, model, **kwargs):
        if not written:  # the snapshot is open: its first reads are done
            written.append(
                Department.objects.using(writer.alias).create(name="备份途中的部门", code=f"MID-{alias}")
            )
        return write_table(archive, model, **kwargs)

    monkeypatch.setattr(snapshot, "_write_table", write_table_while_the_app_writes)
    try:
        backup_write(path, using=alias, storage=media)
    finally:
        monkeypatch.setattr(snapshot, "_write_table", write_table)
        writer.close()
        del connections[writer.alias]
    assert Department.objects.using(alias).filter(code=f"MID-{alias}").exists()  # committed meanwhile
    return _tables(path)["org.department"][0]


def _tables(path) -> dict[str, tuple[int, str]]:
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    return {t["model"]: (t["rows"], t["checksum"]) for t in manifest["tables"]}


@pytest.mark.django_db
def test_backup_round_trips_between_sqlite_and_postgresql(seeded, postgres_database, tmp_path, monkeypatch):
    item = ActionItem.objects.order_by("pk").first()
    admin = Person.objects.get(user__username="admin")
    attachment = attachment_add(
        actor=admin.user, item=item, upload=SimpleUploadedFile("618复盘.pdf", PAYLOAD, "application/pdf")
    )
    source_is_postgres = connections["default"].vendor == "postgresql"
    sqlite = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "restored.sqlite3"),
        "OPTIONS": dict(settings.SQLITE_OPTIONS),
    }
    # The other database first, then back to the kind the suite runs on.
    legs = [("postgres_install", postgres_database), ("sqlite_install", sqlite)]
    if source_is_postgres:
        legs.reverse()

    first = tmp_path / "from-suite.zip"
    backup_write(first, storage=storages["default"])
    expected = _tables(first)
    assert expected["execution.attachment"][0] >= 1
    assert expected["org.person"][0] == Person.objects.count()

    archive = first
    try:
        for alias, database in legs:
            _install(alias, database)
            media = FileSystemStorage(location=tmp_path / f"{alias}-media")
            result = restore_archive(archive, using=alias, storage=media)
            assert result.rows == sum(rows for rows, _checksum in expected.values())
            # The uploaded file, byte for byte, under its own name.
            with media.open(attachment.file.name, "rb") as restored:
                assert restored.read() == PAYLOAD
            again = tmp_path / f"from-{alias}.zip"
            backup_write(again, using=alias, storage=media)
            assert _tables(again) == expected, f"counts or checksums differ after restoring into {alias}"
            # Sequences follow the restored ids (PostgreSQL's are reset): a new record gets a new id.
            fresh = Department.objects.using(alias).create(name="恢复之后的部门", code=f"NEW-{alias}")
            assert fresh.pk > Department.objects.using(alias).exclude(pk=fresh.pk).order_by("-pk")[0].pk
            with pytest.raises(RestoreRefused, match="already holds data"):
                restore_archive(archive, using=alias, storage=media)
            departments = Department.objects.using(alias).count()
            during = tmp_path / f"during-{alias}.zip"
            assert _backup_while_the_app_writes(alias, database, during, media, monkeypatch) == departments
            archive = again
    finally:
        for alias, _database in legs:
            _drop_alias(alias)
