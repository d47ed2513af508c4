"""The channels the seeds name (DOMAIN.md §6), so a new install can import and budget by channel at once."""

from django.db import migrations

CHANNELS = [
    ("douyin", "抖音", "Douyin"),
    ("tmall", "天猫", "Tmall"),
    ("xiaohongshu", "小红书", "Xiaohongshu"),
    ("wechat", "微信/私域社群", "WeChat / private community"),
    ("live", "直播", "Live streaming"),
    ("linkedin", "LinkedIn", "LinkedIn"),
    ("edm", "EDM", "EDM"),
    ("summit", "行业峰会", "Industry summits"),
]


def add_channels(apps, schema_editor):
    Channel = apps.get_model("metrics", "Channel")
    for order, (code, name, name_en) in enumerate(CHANNELS, start=1):
        Channel.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]
    operations = [migrations.RunPython(add_channels, migrations.RunPython.noop)]
