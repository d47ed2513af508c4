"""Fill the inputs of each measure's current value (goals 0008) from its check-ins and items,
and recompute the value by the rule in goals.domain.combined_current: the latest own check-in
plus item quantities reported for later periods, else the value typed before plus the items.
Run `manage.py rebuild_rollups` afterwards to refresh the goals' stored figures."""

from decimal import Decimal

from django.db import migrations
from django.db.models import Sum


def fill(apps, schema_editor):
    from lodestar.goals.domain import CurrentInputs, combined_current

    Measure = apps.get_model("goals", "Measure")
    CheckIn = apps.get_model("tracking", "CheckIn")
    ActionItem = apps.get_model("execution", "ActionItem")
    for measure in Measure.objects.filter(parts__isnull=True).distinct().iterator():
        items = ActionItem.objects.filter(measure_id=measure.pk, deleted_at__isnull=True)
        items_total = None
        if ActionItem.objects.filter(measure_id=measure.pk).exists():
            items_total = items.exclude(status="cancelled").aggregate(total=Sum("actual_quantity"))[
                "total"
            ] or Decimal(0)
        latest = (
            CheckIn.objects.filter(measure_id=measure.pk, deleted_at__isnull=True)
            .exclude(cumulative__isnull=True)
            .order_by("-period_end", "-id")
            .first()
        )
        if latest is None:
            measure.opening_value = measure.current if items_total is None else None
        else:
            measure.stock_take_value = latest.cumulative
            measure.stock_take_end = latest.period_end
            measure.current_source_ref = latest.pk
            if items_total is not None:
                later = (
                    CheckIn.objects.filter(
                        item__measure_id=measure.pk,
                        item__deleted_at__isnull=True,
                        deleted_at__isnull=True,
                        period_end__gt=latest.period_end,
                    )
                    .exclude(item__status="cancelled")
                    .aggregate(total=Sum("actual"))["total"]
                )
                measure.stock_take_items = items_total - (later or Decimal(0))
        measure.items_total = items_total
        value, source = combined_current(
            CurrentInputs(
                accumulates=measure.accumulates,
                opening=measure.opening_value,
                stock_take=measure.stock_take_value,
                stock_take_items=measure.stock_take_items,
                items_total=items_total,
            )
        )
        measure.current = value
        measure.current_source = source.value
        measure.save(
            update_fields=[
                "current",
                "current_source",
                "current_source_ref",
                "opening_value",
                "stock_take_value",
                "stock_take_end",
                "stock_take_items",
                "items_total",
            ]
        )
    Measure.objects.filter(parts__isnull=False).update(current_source="parts")


class Migration(migrations.Migration):
    dependencies = [
        ("execution", "0003_partial_deleted_index"),
        ("goals", "0009_measure_current_inputs"),
        ("tracking", "0005_alert_rule_limits_auto_resolve_reminder_claims"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
