"""Fast inserts for the generator: explicit ids, executemany on SQLite, COPY on PostgreSQL.

The ORM's bulk_create builds a model instance per row; at 1.5 million check-ins that alone takes
minutes. Rows here are plain tuples of the columns that vary, and every other concrete column gets
its model default, so a new field with a default does not break the generator.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

BATCH = 20_000


def _default(field: models.Field, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.has_default():
        value = field.get_default()
        return str(value) if isinstance(value, Decimal) else value
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.attname} needs a value")


class Inserter:
    """Insert rows of `columns` (attnames, `id` first) into `model`'s table; other columns get defaults."""

    def __init__(self, model: type[models.Model], columns: list[str]):
        now = timezone.now()
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        self.table = model._meta.db_table
        self.columns = list(columns)
        rest = [name for name in fields if name not in columns]
        self.constant = tuple(_default(fields[name], now) for name in rest)
        self.all_columns = self.columns + rest
        self.count = 0

    def insert(self, rows: Iterable[tuple]) -> int:
        batch: list[tuple] = []
        for row in rows:
            batch.append(row + self.constant)
            if len(batch) >= BATCH:
                self._write(batch)
                batch = []
        if batch:
            self._write(batch)
        return self.count

    def _write(self, batch: list[tuple]) -> None:
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.all_columns)
        table = connection.ops.quote_name(self.table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.all_columns))
                cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", batch)
        self.count += len(batch)


def insert(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> int:
    return Inserter(model, columns).insert(rows)


def reset_sequences(models_: list[type[models.Model]]) -> None:
    """After explicit ids, PostgreSQL's sequences must move past them (SQLite needs nothing)."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
