"""The budget categories the seeds name (DOMAIN.md §2 resources: 渠道投放 40% + 内容生产 30% + 活动运营 20% +
人力成本 10%), and 其他 for the rest; admins edit the list."""

from django.db import migrations

CATEGORIES = [
    ("channel", "渠道投放", "Channel placement"),
    ("content", "内容生产", "Content production"),
    ("events", "活动运营", "Events"),
    ("people", "人力成本", "People"),
    ("other", "其他", "Other"),
]


def add_categories(apps, schema_editor):
    BudgetCategory = apps.get_model("budget", "BudgetCategory")
    for order, (code, name, name_en) in enumerate(CATEGORIES, start=1):
        BudgetCategory.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("budget", "0001_initial")]
    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]
