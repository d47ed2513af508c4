"""`restore_archive`: an archive written by `backup_write`, loaded into an empty install in one transaction."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.management.color import no_style
from django.db import connections, models, transaction

from lodestar.exchange.backup.rows import NaturalKeys, RowWriter, TableDigest, columns, read_lines
from lodestar.exchange.backup.snapshot import FORMAT, FORMAT_VERSION, MANIFEST, applied_migrations
from lodestar.exchange.backup.tables import REMAPPED, SEEDED, backed_up_models, label, runtime_models

BATCH = 1000


class RestoreRefused(Exception):
    """The archive cannot be restored here; nothing was written. The message says why and what to do."""


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    rows: int
    files: int


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as exc:
        raise RestoreRefused("This file is not a Lodestar backup (no readable manifest.json).") from exc
    if manifest.get("format") != FORMAT:
        raise RestoreRefused("This file is not a Lodestar backup (unknown format).")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise RestoreRefused(
            f"This backup has format {manifest['format_version']}, newer than this Lodestar reads "
            f"({FORMAT_VERSION}): restore it with the release that made it ({manifest.get('app_version')})."
        )
    return manifest


def check_migrations(manifest: dict, *, using: str) -> None:
    """The archive's schema must be this code's and this database's, migration for migration."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    archive = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    ahead = sorted(archive - set(loader.disk_migrations))
    if ahead:
        raise RestoreRefused(
            f"This backup was made by a newer Lodestar ({manifest.get('app_version')}): its database has "
            f"migrations this code does not know ({_list(ahead)}). Upgrade Lodestar, then restore."
        )
    database = {(app, name) for app, names in applied_migrations(using).items() for name in names}
    if archive - database:
        raise RestoreRefused(
            f"This database is not migrated as far as the backup ({_list(sorted(archive - database))}): "
            "run `lodestar migrate`, then restore."
        )
    if database - archive:
        raise RestoreRefused(
            f"This backup was made by an older Lodestar ({manifest.get('app_version')}), before migrations "
            f"{_list(sorted(database - archive))}. Restore it into an install of that version, then upgrade "
            "it (`lodestar migrate`)."
        )


def data_tables_with_rows(using: str) -> list[tuple[str, int]]:
    """Tables holding data in this database (ignoring what `migrate` and the first request put there)."""
    found = []
    for model in backed_up_models():
        if label(model) in REMAPPED or label(model) in SEEDED:
            continue
        count = model._base_manager.using(using).count()
        if count:
            found.append((label(model), count))
    return found


def restore_archive(
    path: str | Path, *, using: str = "default", storage: Storage | None = None, force: bool = False
) -> RestoreResult:
    """Load the archive at `path`; refuse (RestoreRefused, nothing written) when it does not fit.

    With `force`, every record of this install is deleted first — in the same transaction, so a
    failed restore leaves the old data in place."""
    storage = storage or storages["default"]
    with zipfile.ZipFile(path) as archive:
        manifest = read_manifest(archive)
        check_migrations(manifest, using=using)
        _check_columns(manifest)
        written: list[str] = []
        try:
            with transaction.atomic(using=using):
                _clear(using=using, force=force)
                rows = _load(archive, manifest, using=using)
                _verify(manifest, using=using)
                _restore_files(archive, manifest, storage=storage, written=written, force=force)
        except BaseException:
            for name in written:  # the transaction rolled back: so do the files it brought
                storage.delete(name)
            raise
    return RestoreResult(tables=len(manifest["tables"]), rows=rows, files=len(manifest["media"]))


def _list(items: list) -> str:
    shown = ", ".join("{}.{}".format(*item) if isinstance(item, tuple) else str(item) for item in items[:8])
    return shown + (f" and {len(items) - 8} more" if len(items) > 8 else "")


def _check_columns(manifest: dict) -> None:
    models_by_label = {label(m): m for m in backed_up_models()}
    for table in manifest["tables"]:
        model = models_by_label.get(table["model"])
        if model is None or [f.attname for f in columns(model)] != table["columns"]:
            raise RestoreRefused(
                f"The backup's table {table['model']} does not match this code's (different columns) "
                "although the migrations agree: restore it with the release that made it "
                f"({manifest.get('app_version')})."
            )


def _clear(*, using: str, force: bool) -> None:
    if force:
        doomed = [m for m in backed_up_models() if label(m) not in REMAPPED] + runtime_models()
    else:
        found = data_tables_with_rows(using)
        if found:
            shown = ", ".join(f"{name} ({count})" for name, count in found[:6])
            raise RestoreRefused(
                f"This database already holds data: {shown}{' …' if len(found) > 6 else ''}. Restore into an "
                "empty install (migrated, no data), or add --force to DELETE every record of this install "
                "and replace them with the backup's."
            )
        # Sessions of an empty install are anonymous, but never let one outlive the users it may name.
        doomed = [m for m in backed_up_models() if label(m) in SEEDED]
        doomed += [m for m in runtime_models() if m._meta.app_label == "sessions"]
    quote = connections[using].ops.quote_name
    with connections[using].cursor() as cursor:
        # Constraints are checked at commit (Django makes them deferrable): any order will do.
        for model in reversed(doomed):
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")


def _lines(archive: zipfile.ZipFile, member: str) -> Iterator[str]:
    with archive.open(member) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            yield line.rstrip("\n")


def _load(archive: zipfile.ZipFile, manifest: dict, *, using: str) -> int:
    connection = connections[using]
    models_by_label = {label(m): m for m in backed_up_models()}
    total = 0
    for table in manifest["tables"]:
        if table["model"] in REMAPPED:
            _merge_natural(archive, table, models_by_label[table["model"]], using=using)
            total += table["rows"]
    keys = NaturalKeys.read(using)
    content_types, permissions = keys.content_type_ids(), keys.permission_ids()
    loaded = []
    for table in manifest["tables"]:
        model = models_by_label[table["model"]]
        if table["model"] in REMAPPED:
            continue
        writer = RowWriter(model, connection, content_types=content_types, permissions=permissions)
        digest = TableDigest()
        batch: list[list] = []
        with connection.cursor() as cursor:
            for line in _lines(archive, table["file"]):
                digest.add(line)
                batch.append(writer.params(json.loads(line)))
                if len(batch) >= BATCH:
                    cursor.executemany(writer.sql, batch)
                    batch = []
            if batch:
                cursor.executemany(writer.sql, batch)
        _compare(table, digest, "in the archive")
        total += digest.rows
        loaded.append(model)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), loaded):
                cursor.execute(statement)
    # A dangling foreign key is named here, not as a bare error at commit.
    connection.check_constraints(table_names=[m._meta.db_table for m in loaded])
    return total


def _merge_natural(archive: zipfile.ZipFile, table: dict, model: type[models.Model], *, using: str) -> None:
    """Content types and permissions: keep this install's, add the archive's it lacks."""
    digest = TableDigest()
    content_types = {(ct.app_label, ct.model): ct for ct in ContentType.objects.using(using).all()}
    existing_permissions = set(
        Permission.objects.using(using).values_list(
            "content_type__app_label", "content_type__model", "codename"
        )
    )
    for line in _lines(archive, table["file"]):
        digest.add(line)
        row = json.loads(line)
        if model is ContentType:
            key = (row["app_label"], row["model"])
            if key not in content_types:
                content_types[key] = ContentType.objects.using(using).create(app_label=key[0], model=key[1])
        elif (*row["content_type_id"], row["codename"]) not in existing_permissions:
            Permission.objects.using(using).create(
                content_type=content_types[tuple(row["content_type_id"])],
                codename=row["codename"],
                name=row["name"],
            )
    _compare(table, digest, "in the archive")


def _compare(table: dict, digest: TableDigest, where: str) -> None:
    if (digest.rows, digest.checksum) != (table["rows"], table["checksum"]):
        raise RestoreRefused(
            f"Table {table['model']} {where} has {digest.rows} rows with checksum {digest.checksum[:12]}…, "
            f"the manifest says {table['rows']} rows with {table['checksum'][:12]}…: the restore was undone."
        )


def _verify(manifest: dict, *, using: str) -> None:
    """Read every restored table back and compare it with the manifest (content types and
    permissions: the archive's must all be there; the install may have more)."""
    keys = NaturalKeys.read(using)
    models_by_label = {label(m): m for m in backed_up_models()}
    for table in manifest["tables"]:
        if table["model"] in REMAPPED:
            continue
        digest = TableDigest()
        for line in read_lines(models_by_label[table["model"]], using=using, keys=keys):
            digest.add(line)
        _compare(table, digest, "as restored")


def _restore_files(
    archive: zipfile.ZipFile, manifest: dict, *, storage: Storage, written: list[str], force: bool
) -> None:
    for entry in manifest["media"]:
        name = entry["name"]
        if storage.exists(name):
            if _sha256_of(storage, name) == entry["sha256"]:
                continue
            if not force:
                raise RestoreRefused(
                    f"The uploaded file {name} already exists here with other content: restore into an empty "
                    "install, or add --force to overwrite it."
                )
            storage.delete(name)
        with archive.open(f"media/{name}") as source:
            checked = _HashingReader(source)
            saved = storage.save(name, File(checked, name=name))
        written.append(saved)
        if saved != name or checked.hexdigest() != entry["sha256"]:
            raise RestoreRefused(
                f"The uploaded file {name} could not be restored intact: the restore was undone."
            )


def _sha256_of(storage: Storage, name: str) -> str:
    sha = hashlib.sha256()
    with storage.open(name, "rb") as stream:
        while chunk := stream.read(1024 * 1024):
            sha.update(chunk)
    return sha.hexdigest()


class _HashingReader(io.RawIOBase):
    """A read-only stream that hashes what passes through it."""

    def __init__(self, source):
        self.source = source
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.sha.update(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def hexdigest(self) -> str:
        return self.sha.hexdigest()
