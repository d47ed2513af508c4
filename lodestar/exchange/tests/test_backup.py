"""Backup and restore on the suite's own database: what counts as empty, and what restore refuses."""

from __future__ import annotations

import json
import zipfile

import pytest
from django.core.files.storage import InMemoryStorage

from lodestar.exchange.backup.restore import RestoreRefused, data_tables_with_rows, restore_archive
from lodestar.exchange.backup.rows import TableDigest, line_of
from lodestar.exchange.backup.snapshot import backup_write
from lodestar.org.models import Department


def test_a_freshly_migrated_database_counts_as_empty(db):
    """What migrations put in the database (goal types, channels, default alert rules…) is not data:
    a new data migration must add its table to tables.SEEDED, or restore would refuse every install."""
    assert data_tables_with_rows("default") == []


def test_the_table_checksum_ignores_row_order_but_not_content():
    lines = [line_of({"id": i, "name": f"部门{i}"}) for i in range(5)]
    forward, backward, changed = TableDigest(), TableDigest(), TableDigest()
    for line in lines:
        forward.add(line)
    for line in reversed(lines):
        backward.add(line)
    for line in [*lines[:4], line_of({"id": 4, "name": "部门X"})]:
        changed.add(line)
    assert forward.checksum == backward.checksum
    assert forward.checksum != changed.checksum
    assert forward.rows == changed.rows == 5


@pytest.fixture
def archive(org, tmp_path):
    path = tmp_path / "backup.zip"
    backup_write(path, storage=InMemoryStorage())
    return path


def _rewrite(source, target, *, manifest=None, member=None, content=None):
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "manifest.json" and manifest is not None:
                data = json.dumps(manifest(json.loads(data))).encode()
            if info.filename == member:
                data = content(data)
            new.writestr(info.filename, data)
    return target


def test_restore_refuses_a_database_with_data_and_names_what_is_there(archive):
    with pytest.raises(RestoreRefused) as refused:
        restore_archive(archive, storage=InMemoryStorage())
    assert "already holds data" in str(refused.value)
    assert "org.department" in str(refused.value)
    assert "--force" in str(refused.value)


def test_restore_refuses_an_archive_from_a_newer_release(archive, tmp_path):
    def ahead(manifest):
        manifest["migrations"]["goals"].append("9999_from_the_future")
        manifest["app_version"] = "9.0.0"
        return manifest

    newer = _rewrite(archive, tmp_path / "newer.zip", manifest=ahead)
    with pytest.raises(RestoreRefused) as refused:
        restore_archive(newer, storage=InMemoryStorage(), force=True)
    assert "newer Lodestar (9.0.0)" in str(refused.value)
    assert "goals.9999_from_the_future" in str(refused.value)


def test_restore_refuses_an_archive_from_an_older_release(archive, tmp_path):
    def behind(manifest):
        manifest["migrations"]["goals"].pop()
        return manifest

    older = _rewrite(archive, tmp_path / "older.zip", manifest=behind)
    with pytest.raises(RestoreRefused, match="older Lodestar"):
        restore_archive(older, storage=InMemoryStorage(), force=True)


def test_a_forced_restore_of_a_damaged_archive_writes_nothing(org, archive, tmp_path):
    """A row changed inside the archive fails its checksum: the forced restore, which had already
    deleted this install's records, is rolled back whole."""
    Department.objects.create(name="备份之后的部门", code="AFTER")
    damaged = _rewrite(
        archive,
        tmp_path / "damaged.zip",
        member="data/org.department.jsonl",
        content=lambda data: data.replace("市场".encode(), "改动".encode(), 1),
    )
    storage = InMemoryStorage()
    with pytest.raises(RestoreRefused, match=r"org\.department in the archive"):
        restore_archive(damaged, storage=storage, force=True)
    assert Department.objects.filter(code="AFTER").exists()
    assert list(storage.listdir("")[1]) == []


def test_a_forced_restore_puts_back_the_backup(org, archive):
    before = Department.objects.count()
    Department.objects.create(name="备份之后的部门", code="AFTER")
    result = restore_archive(archive, storage=InMemoryStorage(), force=True)
    assert Department.objects.count() == before
    assert not Department.objects.filter(code="AFTER").exists()
    assert result.rows > 0


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("IMG_0001.jpg", b"\xff\xd8")
    with pytest.raises(RestoreRefused, match="not a Lodestar backup"):
        restore_archive(other, storage=InMemoryStorage())


def test_restore_refuses_a_newer_archive_format(archive, tmp_path):
    def newer_format(manifest):
        manifest["format_version"] = 99
        return manifest

    newer = _rewrite(archive, tmp_path / "format.zip", manifest=newer_format)
    with pytest.raises(RestoreRefused, match="format 99"):
        restore_archive(newer, storage=InMemoryStorage(), force=True)
