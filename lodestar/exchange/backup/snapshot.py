"""`backup_write`: one consistent snapshot of the database and the uploaded files, as one archive."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from django.core.files.storage import Storage, storages
from django.db import connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder

from lodestar.exchange.backup.rows import NaturalKeys, TableDigest, columns, read_lines
from lodestar.exchange.backup.tables import backed_up_models, label

FORMAT = "lodestar-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BackupResult:
    path: Path
    tables: int
    rows: int
    files: int
    missing_files: tuple[str, ...]


def app_version() -> str:
    try:
        return metadata.version("lodestar")
    except metadata.PackageNotFoundError:
        return "unknown"


@contextmanager
def read_snapshot(using: str) -> Iterator[None]:
    """Every read inside sees the database as of one moment, while the app goes on writing.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction. SQLite: a deferred transaction, whose first
    read fixes a snapshot that WAL mode keeps for it without blocking writers — `transaction.atomic()`
    would start it with BEGIN IMMEDIATE (our SQLite `transaction_mode`) and hold the write lock for
    the whole backup. Inside a caller's transaction (a test), that transaction is the snapshot.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()  # the health check's query must not be the transaction's first
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield
        transaction.set_rollback(True, using=using)


def applied_migrations(using: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def media_names(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file of a storage, recursively (nothing when its folder does not exist yet)."""
    try:
        folders, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for folder in sorted(folders):
        yield from media_names(storage, f"{path}/{folder}" if path else folder)


def backup_write(
    path: str | os.PathLike, *, using: str = "default", storage: Storage | None = None
) -> BackupResult:
    """Write the archive to `path` (through a temporary file beside it: a failed backup leaves no
    half-written archive under the final name); returns what it holds."""
    storage = storage or storages["default"]
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            manifest = _write(archive, using=using, storage=storage)
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(
        path=target,
        tables=len(manifest["tables"]),
        rows=sum(t["rows"] for t in manifest["tables"]),
        files=len(manifest["media"]),
        missing_files=tuple(manifest["missing_media"]),
    )


def _write(archive: zipfile.ZipFile, *, using: str, storage: Storage) -> dict:
    connection = connections[using]
    with read_snapshot(using):
        manifest: dict = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": app_version(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "database": connection.vendor,
            "migrations": applied_migrations(using),
            "tables": [],
        }
        keys = NaturalKeys.read(using)
        file_names: set[str] = set()
        for model in backed_up_models():
            manifest["tables"].append(_write_table(archive, model, using=using, keys=keys))
            file_fields = [f.attname for f in columns(model) if isinstance(f, models.FileField)]
            if file_fields:
                for values in model._base_manager.using(using).values_list(*file_fields).iterator():
                    file_names.update(name for name in values if name)
        # Still inside the snapshot: the files are copied while the rows that name them are pinned.
        manifest["media"] = [_write_file(archive, storage, name) for name in media_names(storage)]
    stored = {entry["name"] for entry in manifest["media"]}
    # A file deleted between the snapshot and its copy (a rare race) is named, not silently lost.
    manifest["missing_media"] = sorted(file_names - stored)
    return manifest


def _write_table(
    archive: zipfile.ZipFile, model: type[models.Model], *, using: str, keys: NaturalKeys
) -> dict:
    digest = TableDigest()
    member = f"data/{label(model)}.jsonl"
    with archive.open(_member(member), "w", force_zip64=True) as out:
        for line in read_lines(model, using=using, keys=keys):
            digest.add(line)
            out.write(line.encode() + b"\n")
    return {
        "model": label(model),
        "table": model._meta.db_table,
        "file": member,
        "columns": [f.attname for f in columns(model)],
        "rows": digest.rows,
        "checksum": digest.checksum,
    }


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=dt.datetime.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_file(archive: zipfile.ZipFile, storage: Storage, name: str) -> dict:
    sha = hashlib.sha256()
    size = 0
    with (
        storage.open(name, "rb") as source,
        archive.open(_member(f"media/{name}"), "w", force_zip64=True) as out,
    ):
        while chunk := source.read(COPY_CHUNK):
            sha.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"name": name, "size": size, "sha256": sha.hexdigest()}
