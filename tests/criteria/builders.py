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


def first_edition(cset):
    """The set's first published edition, as the loader records a file's: what assessments
    scored before any amendment are scored under."""
    import datetime

    from django.utils import timezone

    from criteria import scoring, selectors
    from criteria.models import Edition

    return Edition.objects.create(
        criteria_set=cset,
        number=1,
        status=Edition.Status.PUBLISHED,
        title="Bộ tiêu chí ban đầu",
        decision_number="1/QĐ-TEST",
        decision_date=datetime.date(2021, 1, 1),
        first_year=cset.first_year,
        last_year=cset.last_year,
        published_at=timezone.now(),
        rules=scoring.ruleset_as_data(selectors.rules_for(cset)),
    )


def approved(commune, values: dict, year: int = 2023):
    """An assessment entered, submitted and approved through the services, so that its
    stored results (criterion results included) are the real ones."""
    from criteria.services import create_assessment, move, save_values

    assessment = create_assessment(commune=commune, year=year)
    save_values(assessment=assessment, values=values, version=1)
    move(assessment=assessment, action="submit", version=2)
    return move(assessment=assessment, action="approve", version=3)
