"""Builders of small criteria sets for tests."""

from decimal import Decimal

from criteria.models import Criterion, Indicator, Measure, Threshold


def measure(cset, code, value_type, **extra):
    return Measure.objects.create(
        criteria_set=cset, code=code, name_vi=code, name_en=code, value_type=value_type, **extra
    )


def indicator(level, number, code, measure, comparison, *thresholds):
    criterion, _ = Criterion.objects.get_or_create(
        level=level,
        number=number,
        defaults={
            "name_vi": f"Tiêu chí {number}",
            "name_en": f"Criterion {number}",
            "source": "test",
            "order": int(number),
        },
    )
    indicator = Indicator.objects.create(
        criterion=criterion,
        measure=measure,
        code=code,
        name_vi=code,
        name_en=code,
        comparison=comparison,
        source="test",
    )
    for scope, where, value in thresholds:
        Threshold.objects.create(
            indicator=indicator,
            scope=scope,
            value=Decimal(value),
            source="test",
            verified=True,
            first_year=2021,
            last_year=2025,
            **(
                {"class_value": where}
                if scope == "class"
                else {"province": where}
                if scope == "province"
                else {}
            ),
        )
    return indicator
