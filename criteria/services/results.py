"""Storing scoring results: the rules are criteria.scoring's; this writes what they decide, in
bulk, and rescores what changed."""

from django.db import transaction
from django.utils import timezone

from criteria import scoring, selectors
from criteria.models import (
    Assessment,
    CriteriaSet,
    CriterionResult,
)
from criteria.services.bulk import insert_rows, update_rows


def _apply_result(
    assessment: Assessment, class_value: str, result: scoring.AssessmentResult, scored_at
) -> None:
    first = min(result.levels, key=lambda level: level.rank) if result.levels else None
    assessment.class_value = class_value
    assessment.level = result.level
    assessment.criteria_met = first.criteria_met if first else 0
    assessment.criteria_met_by_level = {
        level.code: [level.criteria_met, level.criteria_total] for level in result.levels
    }
    assessment.complete = all(level.complete for level in result.levels)
    assessment.uses_unverified = result.uses_unverified
    assessment.scored_at = scored_at


RESULT_FIELDS = [
    "class_value",
    "level",
    "criteria_met",
    "criteria_met_by_level",
    "complete",
    "uses_unverified",
    "scored_at",
]


def _criterion_rows(assessment: Assessment, result: scoring.AssessmentResult, ids: dict):
    return [
        {
            "assessment_id": assessment.pk,
            "criterion_id": ids[(c.level, c.code)],
            "status": c.status.value,
        }
        for level in result.levels
        for c in level.criteria
    ]


def _criterion_ids(criteria_set: CriteriaSet) -> dict[tuple[str, str], int]:
    rows = criteria_set.levels.values_list("code", "criteria__number", "criteria__id")
    return {(level, number): pk for level, number, pk in rows if pk is not None}


@transaction.atomic
def rescore_many(assessments: list[Assessment]) -> dict[int, scoring.AssessmentResult]:
    """Score assessments (of any sets and years) and store their results with bulk writes."""
    by_set: dict[int, list[Assessment]] = {}
    for assessment in assessments:
        by_set.setdefault(assessment.criteria_set_id, []).append(assessment)
    results = {}
    for group in by_set.values():
        results |= _rescore_group(group[0].criteria_set, group)
    return results


def _rescore_group(criteria_set: CriteriaSet, assessments: list[Assessment]) -> dict:
    scored = selectors.results_for(criteria_set, assessments)
    ids = _criterion_ids(criteria_set)
    scored_at = timezone.now()
    rows = []
    for a in assessments:
        class_value, result = scored[a.pk]
        _apply_result(a, class_value, result, scored_at)
        rows += _criterion_rows(a, result, ids)
    _store_results(assessments)
    CriterionResult.objects.filter(assessment__in=assessments).delete()
    insert_rows(CriterionResult, rows)
    return {pk: result for pk, (_, result) in scored.items()}


def _store_results(assessments: list[Assessment]) -> None:
    # Not bulk_update: its CASE over every row and field costs 2 ms an assessment.
    update_rows(
        Assessment,
        [{"pk": a.pk, **{name: getattr(a, name) for name in RESULT_FIELDS}} for a in assessments],
        RESULT_FIELDS,
    )


def rescore(assessment: Assessment) -> scoring.AssessmentResult:
    """Score one assessment, store the result, and return the full breakdown."""
    loaded = selectors.assessments_for_scoring([assessment.pk]).get()
    return rescore_many([loaded])[loaded.pk]


def recompute(
    *, year: int | None = None, province_code: str | None = None, batch_size: int = 500
) -> int:
    """Rescore many assessments in batches, e.g. after thresholds changed."""
    queryset = Assessment.objects.order_by("pk")
    if year is not None:
        queryset = queryset.filter(year=year)
    if province_code is not None:
        queryset = queryset.filter(commune__province__code=province_code)
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch = list(selectors.assessments_for_scoring(ids[start : start + batch_size]))
        rescore_many(batch)
    return len(ids)


def rescore_for_derived_change(key: str, commune_ids) -> int:
    """Rescore the open assessments of these communes whose set derives a measure from ``key``.
    Approved assessments are locked: their result stays the one that was approved."""
    ids = list(
        Assessment.objects.filter(
            commune_id__in=list(commune_ids),
            criteria_set__measures__derived_from=key,
        )
        .exclude(status=Assessment.Status.APPROVED)
        .values_list("pk", flat=True)
        .distinct()
    )
    if ids:
        rescore_many(list(selectors.assessments_for_scoring(ids)))
    return len(ids)
