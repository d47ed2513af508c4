"""Jobs already queued under the old task paths (`lodestar.tracking.tasks.*`) run under the new
ones, so an upgrade neither loses the periodic chains nor fails their next run."""

from django.db import migrations

MOVED = {
    "lodestar.tracking.tasks.evaluate_alerts": "lodestar.alerts.tasks.evaluate_alerts",
    "lodestar.tracking.tasks.escalate_alerts": "lodestar.alerts.tasks.escalate_alerts",
    "lodestar.tracking.tasks.send_checkin_reminders": "lodestar.alerts.tasks.send_checkin_reminders",
    "lodestar.tracking.tasks.deliver_pending": "lodestar.notifications.tasks.deliver_pending",
    "lodestar.tracking.tasks.send_deliveries": "lodestar.notifications.tasks.send_deliveries",
}


def _rename(apps, mapping: dict[str, str]) -> None:
    task_result = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in mapping.items():
        task_result.objects.filter(task_path=old, status__in=["READY", "RUNNING"]).update(task_path=new)


def forwards(apps, schema_editor):
    _rename(apps, MOVED)


def backwards(apps, schema_editor):
    _rename(apps, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_move_alert_models_from_tracking"),
        ("django_tasks_database", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
