"""MetricPoint's metric and channel keep their Django foreign keys (cascade, protect) without the database
FOREIGN KEY constraint, and lose the metric_id index (issue 16, see `MetricPoint`'s docstring).

The constraint also stopped a parent from being deleted while points named it (a raw DELETE, or a delete
racing an import); a BEFORE DELETE trigger on each parent keeps that: it raises an integrity error when a
point still names the row. Deletes through Django never meet it (points are cascaded or protected first).

SQLite: Django alters a table by remaking it (copy, drop, rename), and SQLite refuses the rename while a
trigger names the dropped table, so a later migration that remakes metrics_metricpoint on SQLite must call
`drop_triggers` before and `create_triggers` after (RunPython); one that remakes metrics_sourcemetric or
metrics_channel loses that table's trigger and must create it again. Both show in the tests: the first as
a failing test database, the second in `test_a_parent_named_by_points_refuses_a_raw_delete`.
"""

import django.db.models.deletion
from django.db import migrations, models

PARENTS = [
    # trigger name, parent table, the points' column
    ("metrics_sourcemetric_keeps_points", "metrics_sourcemetric", "metric_id"),
    ("metrics_channel_keeps_points", "metrics_channel", "channel_id"),
]

POSTGRESQL = ["""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM metrics_metricpoint WHERE {column} = OLD.id) THEN
        RAISE EXCEPTION 'update or delete on table "{table}" violates foreign key of table "metrics_metricpoint"'
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (id)=(%s) is still referenced.', OLD.id);
    END IF;
    RETURN OLD;
END $$
""", """
CREATE TRIGGER {name} BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()
"""]

SQLITE = ["""
CREATE TRIGGER {name} BEFORE DELETE ON {table}
WHEN EXISTS (SELECT 1 FROM metrics_metricpoint WHERE {column} = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: metrics_metricpoint.{column}');
END
"""]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    templates = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(vendor)
    if templates is None:
        raise RuntimeError(f"no delete triggers for {vendor}")
    for name, table, column in PARENTS:
        if vendor == "sqlite" and table == "metrics_channel":
            # Django's flush on SQLite deletes tables in name order, metrics_channel before
            # metrics_metricpoint, and SQLite has no deferred triggers: this one would stop every flush
            # (the browser journeys' TransactionTestCase) of a database with points. A channel stays
            # protected by Django (PROTECT); PostgreSQL flushes with TRUNCATE and keeps the trigger.
            continue
        for template in templates:
            schema_editor.execute(template.format(name=name, table=table, column=column), params=None)


def drop_triggers(apps, schema_editor):
    for name, table, _column in PARENTS:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("metrics", "0004_verification"),
    ]

    operations = [
        migrations.AlterField(
            model_name="metricpoint",
            name="channel",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="metrics.channel",
            ),
        ),
        migrations.AlterField(
            model_name="metricpoint",
            name="metric",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="points",
                to="metrics.sourcemetric",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
