from django.db import migrations


def add_default_rule(apps, schema_editor):
    """A company-wide rule so that a reported figure beyond its source's tolerance (数据交叉验证)
    raises an alert out of the box (admins may change its recipients or channels, or deactivate it)."""
    AlertRule = apps.get_model("alerts", "AlertRule")
    if not AlertRule.objects.filter(condition="data_discrepancy").exists():
        AlertRule.objects.create(
            name="上报数据与来源数据不一致",
            scope="company",
            condition="data_discrepancy",
            recipients=["owner", "manager"],
            channels=["inbox"],
            is_active=True,
        )


def remove_default_rule(apps, schema_editor):
    apps.get_model("alerts", "AlertRule").objects.filter(
        condition="data_discrepancy", name="上报数据与来源数据不一致", created_by__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0004_alert_about_a_retrospective"),
        ("metrics", "0004_verification"),
    ]

    operations = [migrations.RunPython(add_default_rule, remove_default_rule)]
