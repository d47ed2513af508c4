"""MetricPoint's metric and channel keep their Django foreign keys (cascade, protect) without the database
FOREIGN KEY constraint, and lose the metric_id index (issue 16, see `MetricPoint`'s docstring).

The constraint also stopped a parent from being deleted while points named it (a raw DELETE, or a delete
racing an import); a BEFORE DELETE trigger on each parent keeps that: it raises an integrity error when a
point still names the row. Deletes through Django never meet it (points are cascaded or protected first).

The triggers are PostgreSQL's only. On SQLite Django's flush deletes the tables one by one in no fixed
order and SQLite has no deferred triggers, so a trigger stopped every flush that reached a parent before
its points (the browser journeys); SQLite keeps Django's cascade and protect and the writer's checks.
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



def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        # Django's flush on SQLite deletes the tables one by one in no fixed order, and SQLite has no
        # deferred triggers: a trigger here stopped every flush (the browser journeys'
        # TransactionTestCase) that reached a parent before its points. SQLite keeps Django's
        # cascade and protect and the writer's checks; PostgreSQL flushes with TRUNCATE.
        return
    templates = {"postgresql": POSTGRESQL}.get(vendor)
    if templates is None:
        raise RuntimeError(f"no delete triggers for {vendor}")
    for name, table, column in PARENTS:
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
