"""Indexes the values' tables no longer keep: each value's and criterion result's own index on
the assessment (the unique pair beside it leads with the assessment and serves the same
lookups), and the value history's indexes on measure and on who saved (nothing reads the history
by them). Only the indexes are dropped: Django's own operations would also drop and re-add the
foreign keys (validating 2.6 million rows under lock on a national database) or, on SQLite,
copy the tables."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = [
    (
        "criteria_assessmentvalue",
        "criteria_assessmentvalue_assessment_id_fb9ce858",
        "assessment_id",
    ),
    (
        "criteria_criterionresult",
        "criteria_criterionresult_assessment_id_5b05da58",
        "assessment_id",
    ),
    (
        "criteria_historicalassessmentvalue",
        "criteria_historicalassessmentvalue_measure_id_5874a284",
        "measure_id",
    ),
    (
        "criteria_historicalassessmentvalue",
        "criteria_historicalassessmentvalue_updated_by_id_7a530c11",
        "updated_by_id",
    ),
]


def _history_key(name: str, to: str, verbose_name: str) -> migrations.AlterField:
    """A key of the value history as simple_history declares it, without its index."""
    return migrations.AlterField(
        model_name="historicalassessmentvalue",
        name=name,
        field=models.ForeignKey(
            blank=True,
            db_constraint=False,
            db_index=False,
            null=True,
            on_delete=django.db.models.deletion.DO_NOTHING,
            related_name="+",
            to=to,
            verbose_name=verbose_name,
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("criteria", "0012_rules_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for table, index, column in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="assessmentvalue",
                    name="assessment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="values",
                        to="criteria.assessment",
                        verbose_name="assessment",
                    ),
                ),
                migrations.AlterField(
                    model_name="criterionresult",
                    name="assessment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="criterion_results",
                        to="criteria.assessment",
                        verbose_name="assessment",
                    ),
                ),
                _history_key("measure", "criteria.measure", "measure"),
                _history_key("updated_by", settings.AUTH_USER_MODEL, "updated by"),
            ],
        )
    ]
