"""Writing many rows' columns at once, fast on both databases."""

from __future__ import annotations

from django.db import connection, transaction


def write_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """UPDATE `columns` by primary key; each row is (*values, pk). Values go through the fields'
    own conversion so Decimals, datetimes and JSON are stored exactly as the ORM would store them.

    Django's bulk_update builds a CASE with a branch per row, which at thousands of rows SQLite spends
    seconds evaluating; one parameterised UPDATE run with `executemany` is linear."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in columns]
    prepared = [
        [field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=False)]
        + [row[-1]]
        for row in rows
    ]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"
    # savepoint=False: inside a service's transaction this is one statement, not three.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.executemany(sql, prepared)


def insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """INSERT rows of `columns` (attribute names, e.g. "measure_id") with one `executemany`, the values
    converted by the fields as the ORM would: bulk_create's per-object work, at tens of thousands of
    rows, is most of the time of a rebuild."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in columns]
    prepared = [
        [field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=True)]
        for row in rows
    ]
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.executemany(sql, prepared)
