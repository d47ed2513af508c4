from django.db import migrations

CATEGORIES = [
    ("resources", "资源不足", "Not enough resources", 10),
    ("market", "外部/市场变化", "External or market change", 20),
    ("partner_delay", "合作方延期", "Partner delay", 30),
    ("content_quality", "内容质量", "Content quality", 40),
    ("execution", "执行问题", "Execution problem", 50),
    ("data", "数据问题", "Data problem", 60),
    ("other", "其他", "Other", 99),
]


def create(apps, schema_editor):
    DeviationCategory = apps.get_model("tracking", "DeviationCategory")
    for code, name, name_en, order in CATEGORIES:
        DeviationCategory.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en,
                                                                     "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("tracking", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
