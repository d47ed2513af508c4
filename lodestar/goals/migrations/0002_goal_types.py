from django.db import migrations

GOAL_TYPES = [
    ("sales", "销售额", "Sales", 10),
    ("user_growth", "用户增长", "User growth", 20),
    ("brand_exposure", "品牌曝光", "Brand exposure", 30),
    ("user_operations", "用户运营", "User operations", 40),
    ("conversion", "转化", "Conversion", 50),
    ("content", "内容", "Content", 60),
    ("other", "其他", "Other", 99),
]


def create_goal_types(apps, schema_editor):
    GoalType = apps.get_model("goals", "GoalType")
    for code, name, name_en, order in GOAL_TYPES:
        GoalType.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("goals", "0001_initial")]
    operations = [migrations.RunPython(create_goal_types, migrations.RunPython.noop)]
