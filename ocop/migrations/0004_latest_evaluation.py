import django.db.models.deletion
from django.db import migrations, models


def point_at_the_latest(apps, schema_editor):
    """Each product's latest evaluation, for the products recorded before the pointer existed;
    from now on the triggers of ocop.latest keep it (installed after every migrate)."""
    Product = apps.get_model("ocop", "Product")
    Evaluation = apps.get_model("ocop", "Evaluation")
    latest = Evaluation.objects.filter(product=models.OuterRef("pk")).order_by(
        "-decision_date", "-pk"
    )
    Product.objects.update(latest_evaluation=models.Subquery(latest.values("pk")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("ocop", "0003_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="latest_evaluation",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="ocop.evaluation",
                verbose_name="latest evaluation",
            ),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["name", "id"], name="product_by_name"),
        ),
        migrations.AddIndex(
            model_name="evaluation",
            index=models.Index(fields=["decision_date"], name="evaluation_decided"),
        ),
        migrations.RunPython(point_at_the_latest, migrations.RunPython.noop),
    ]
