# Lists sort units by name without "Tỉnh", "Huyện", "Xã"... (communes.text.sort_key).

from django.db import migrations, models

from communes.text import sort_key


def fill_sort_keys(apps, schema_editor):
    for name in ("Province", "District", "Commune"):
        model = apps.get_model("communes", name)
        units = list(model.objects.only("pk", "name"))
        for unit in units:
            unit.sort_key = sort_key(unit.name)
        model.objects.bulk_update(units, ["sort_key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("communes", "0002_kind_changes_and_lineage"),
    ]

    operations = [
        migrations.AddField(
            model_name="commune",
            name="sort_key",
            field=models.CharField(
                db_index=True, default="", editable=False, max_length=400, verbose_name="sort key"
            ),
        ),
        migrations.AddField(
            model_name="district",
            name="sort_key",
            field=models.CharField(
                db_index=True, default="", editable=False, max_length=400, verbose_name="sort key"
            ),
        ),
        migrations.AddField(
            model_name="province",
            name="sort_key",
            field=models.CharField(
                db_index=True, default="", editable=False, max_length=400, verbose_name="sort key"
            ),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop),
    ]
