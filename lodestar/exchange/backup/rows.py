"""Rows as database-neutral JSON lines, and the checksum of a table.

A row is a JSON object of its columns (by attribute name, keys sorted): decimals as strings (exactly
as stored), datetimes in UTC ISO 8601, dates and times in ISO 8601, UUIDs as strings, bytes in
base64, JSON fields as JSON. Content types and permissions are written by natural key, and so is
every foreign key to them, because a fresh install numbers them its own way.

The same line comes out of SQLite and PostgreSQL for the same data, so the checksum of a table
(`TableDigest`) is comparable across the two. It is the sum modulo 2**256 of the SHA-256 of each
line: independent of row order (the databases need not sort text the same way), still changed by
any altered, missing or extra row, and computed in constant memory while streaming.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.duration import duration_iso_string

CHUNK = 2000


@dataclass
class TableDigest:
    """Row count and order-independent checksum of a table's lines."""

    rows: int = 0
    total: int = 0

    def add(self, line: str) -> None:
        self.rows += 1
        self.total = (self.total + int.from_bytes(hashlib.sha256(line.encode()).digest())) % 2**256

    @property
    def checksum(self) -> str:
        return f"{self.total:064x}"


@dataclass
class NaturalKeys:
    """Ids of content types and permissions in one database, both ways."""

    content_types: dict[int, tuple[str, str]] = field(default_factory=dict)
    permissions: dict[int, tuple[str, str, str]] = field(default_factory=dict)

    @classmethod
    def read(cls, using: str) -> NaturalKeys:
        keys = cls()
        for pk, app_label, model in ContentType.objects.using(using).values_list("pk", "app_label", "model"):
            keys.content_types[pk] = (app_label, model)
        for pk, ct_id, codename in Permission.objects.using(using).values_list(
            "pk", "content_type_id", "codename"
        ):
            keys.permissions[pk] = (*keys.content_types[ct_id], codename)
        return keys

    def content_type_ids(self) -> dict[tuple[str, str], int]:
        return {key: pk for pk, key in self.content_types.items()}

    def permission_ids(self) -> dict[tuple[str, str, str], int]:
        return {key: pk for pk, key in self.permissions.items()}


def columns(model: type[models.Model]) -> list[models.Field]:
    """The table's own columns (a multi-table child's parent columns live in the parent's table)."""
    fields = list(model._meta.local_concrete_fields)
    if model is ContentType or model is Permission:
        fields = [f for f in fields if not f.primary_key]  # by natural key, not by id
    return fields


def _kind(f: models.Field) -> str:
    if f.is_relation and f.related_model is ContentType:
        return "content_type"
    if f.is_relation and f.related_model is Permission:
        return "permission"
    if isinstance(f, models.JSONField):
        return "json"
    return "plain"


def to_jsonable(value: Any) -> Any:
    """A value read from the database, as JSON that reads the same whichever database it came from."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dt.timedelta):
        return duration_iso_string(value)
    raise TypeError(f"Cannot back up a value of type {type(value).__name__}")


def line_of(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=to_jsonable)


def read_lines(model: type[models.Model], *, using: str, keys: NaturalKeys) -> Iterator[str]:
    """The table's rows as lines, streamed (a server-side cursor on PostgreSQL, chunks on SQLite)."""
    fields = columns(model)
    kinds = [_kind(f) for f in fields]
    names = [f.attname for f in fields]
    query = model._base_manager.using(using).values_list(*names)
    if model is not ContentType and model is not Permission:
        query = query.order_by("pk")
    for values in query.iterator(chunk_size=CHUNK):
        row = {}
        for name, kind, value in zip(names, kinds, values, strict=True):
            if value is None or kind == "json":
                row[name] = value
            elif kind == "content_type":
                row[name] = list(keys.content_types[value])
            elif kind == "permission":
                row[name] = list(keys.permissions[value])
            else:
                row[name] = to_jsonable(value)
        yield line_of(row)


class RowWriter:
    """Turns lines of one table back into parameters for a plain INSERT on the target database
    (`get_db_prep_save`, so each backend gets its own representation; no `save()`, no signals, no
    `auto_now` stamping: the rows are put back exactly as they were)."""

    def __init__(
        self, model: type[models.Model], connection: BaseDatabaseWrapper, *, content_types, permissions
    ):
        self.model = model
        self.connection = connection
        self.fields = columns(model)
        self.kinds = [_kind(f) for f in self.fields]
        self.content_types = content_types
        self.permissions = permissions
        quote = connection.ops.quote_name
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(model._meta.db_table),
            ", ".join(quote(f.column) for f in self.fields),
            ", ".join(["%s"] * len(self.fields)),
        )

    @property
    def column_names(self) -> list[str]:
        return [f.attname for f in self.fields]

    def params(self, row: dict[str, Any]) -> list[Any]:
        out = []
        for f, kind in zip(self.fields, self.kinds, strict=True):
            value = row[f.attname]
            if value is None:
                # A non-null JSON field's None is JSON null; elsewhere None is SQL NULL.
                out.append(
                    f.get_db_prep_value(None, self.connection) if kind == "json" and not f.null else None
                )
            elif kind == "content_type":
                out.append(self.content_types[tuple(value)])
            elif kind == "permission":
                out.append(self.permissions[tuple(value)])
            elif kind == "json":
                out.append(f.get_db_prep_save(value, self.connection))
            else:
                out.append(f.get_db_prep_save(f.to_python(value), self.connection))
        return out
