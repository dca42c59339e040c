"""Reads that several places need: a criteria set as the scoring engine's data classes, the
class a commune is judged in, and an assessment's values. Each costs a fixed number of queries.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from accounts.access import Access, visible_work
from criteria import registry, scoring
from criteria.models import (
    Assessment,
    AssessmentValue,
    CommuneClass,
    CriteriaSet,
    Criterion,
    Indicator,
    Level,
    Measure,
    Recognition,
    Threshold,
)

# --- ladders: a set's levels in rank order ----------------------------------------------------

MISMATCH_ELIGIBLE = "eligible"  # computed above what is recognised: eligible, not recognised
MISMATCH_LAPSED = "lapsed"  # recognised above what the values now reach


@dataclass
class Ladder:
    """A criteria set's levels in rank order, each annotated with its number of criteria
    (``criteria_count``); no set (None) when none governs the year."""

    criteria_set: CriteriaSet | None
    levels: list[Level] = field(default_factory=list)

    @property
    def first(self) -> Level | None:
        return self.levels[0] if self.levels else None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(level.code for level in self.levels)

    @property
    def by_rank(self) -> dict[int, str]:
        return {level.rank: level.code for level in self.levels}

    def rank(self, code: str | None) -> int:
        ranks = {level.code: level.rank for level in self.levels}
        return ranks.get(code or scoring.NO_LEVEL, 0)

    def level(self, code: str | None) -> Level | None:
        return next((level for level in self.levels if level.code == code), None)

    def mismatch(self, computed: str | None, recognised: str | None) -> str | None:
        """How the computed level and the recognised title disagree, if they do. Without a
        computed level (no assessment) there is nothing to compare."""
        if computed is None:
            return None
        if self.rank(computed) > self.rank(recognised):
            return MISMATCH_ELIGIBLE
        if self.rank(recognised) > self.rank(computed):
            return MISMATCH_LAPSED
        return None


def _ladder_levels():
    levels = Level.objects.select_related("criteria_set").annotate(criteria_count=Count("criteria"))
    return levels.order_by("rank")


def ladder_for_year(year: int) -> Ladder:
    """The ladder of the set governing ``year`` (CriteriaSet.objects.governing): 1 query."""
    levels = list(_ladder_levels().filter(criteria_set__in=CriteriaSet.objects.governing(year)))
    return Ladder(levels[0].criteria_set if levels else None, levels)


def ladders_for_sets(set_ids) -> dict[int, Ladder]:
    """Ladders of several sets at once: 1 query."""
    ladders: dict[int, Ladder] = {}
    for level in _ladder_levels().filter(criteria_set_id__in=set(set_ids)):
        ladders.setdefault(level.criteria_set_id, Ladder(level.criteria_set)).levels.append(level)
    return ladders


# --- a set's rules, as the scoring engine reads them --------------------------------------------


def levels_with_rules(criteria_set: CriteriaSet) -> list[Level]:
    """The set's levels with criteria, indicators, measures and thresholds: 4 queries."""
    thresholds = Threshold.objects.select_related("province", "relative_to__criterion__level")
    indicators = Indicator.objects.select_related("measure").prefetch_related(
        Prefetch("thresholds", queryset=thresholds)
    )
    criteria = Criterion.objects.select_related("requires_level").prefetch_related(
        Prefetch("indicators", queryset=indicators)
    )
    return list(
        criteria_set.levels.order_by("rank").prefetch_related(
            Prefetch("criteria", queryset=criteria)
        )
    )


def threshold_rule(threshold: Threshold) -> scoring.ThresholdRule:
    relative = threshold.relative_to
    return scoring.ThresholdRule(
        scope=scoring.Scope(threshold.scope),
        scope_value=threshold.province.code if threshold.province else threshold.class_value,
        value=threshold.value,
        first_year=threshold.first_year,
        last_year=threshold.last_year,
        relative_to=(relative.criterion.level.code, relative.code) if relative else None,
        factor=threshold.factor,
        verified=threshold.verified,
        source=threshold.source,
        demo=threshold.demo,
    )


def _indicator_rule(indicator: Indicator) -> scoring.IndicatorRule:
    return scoring.IndicatorRule(
        code=indicator.code,
        measure=indicator.measure.code,
        comparison=scoring.Comparison(indicator.comparison),
        thresholds=tuple(threshold_rule(t) for t in indicator.thresholds.all()),
        name=indicator.name_vi,
    )


def _criterion_rule(criterion: Criterion) -> scoring.CriterionRule:
    return scoring.CriterionRule(
        code=criterion.number,
        indicators=tuple(_indicator_rule(i) for i in criterion.indicators.all()),
        requires_level=criterion.requires_level.code if criterion.requires_level else None,
        name=criterion.name_vi,
    )


def rules_for(criteria_set: CriteriaSet, levels: list[Level] | None = None) -> scoring.RuleSet:
    """The criteria set as the scoring engine reads it; ``levels`` when the caller has already
    loaded them with levels_with_rules (a page that also lists them), else loaded here."""
    if levels is None:
        levels = levels_with_rules(criteria_set)
    return scoring.RuleSet(
        code=criteria_set.code,
        levels=tuple(
            scoring.LevelRule(
                code=level.code,
                rank=level.rank,
                criteria=tuple(_criterion_rule(c) for c in level.criteria.all()),
            )
            for level in levels
        ),
    )


def classes_for(communes: Iterable, criteria_set: CriteriaSet, year: int) -> dict[int, str]:
    """The class each commune is judged in that year: a stored assignment or override, else
    (for region-keyed sets) its province's region. Communes need province__region loaded."""
    communes = list(communes)
    stored = dict(
        CommuneClass.objects.filter(
            criteria_set=criteria_set, year=year, commune__in=[c.pk for c in communes]
        ).values_list("commune_id", "class_value")
    )
    by_region = criteria_set.classification == CriteriaSet.Classification.REGION
    return {
        c.pk: stored.get(c.pk)
        or (c.province.region.code if by_region and c.province.region else "")
        for c in communes
    }


def _measure_value(row: AssessmentValue, measure: Measure) -> scoring.MeasureValue:
    value = row.flag if measure.value_type == Measure.ValueType.BOOL else row.number
    return scoring.MeasureValue(value=value, not_applicable=row.not_applicable, note=row.note)


def entered_values(assessment_ids: Collection[int]) -> dict[int, dict[str, scoring.MeasureValue]]:
    """Entered values of many assessments in one query: {assessment id: {measure code: value}}."""
    result: dict[int, dict[str, scoring.MeasureValue]] = {pk: {} for pk in assessment_ids}
    rows = AssessmentValue.objects.filter(assessment_id__in=assessment_ids).select_related(
        "measure"
    )
    for row in rows:
        result[row.assessment_id][row.measure.code] = _measure_value(row, row.measure)
    return result


def derived_values(
    criteria_set: CriteriaSet, commune_ids: Collection[int], year: int
) -> dict[int, dict[str, scoring.MeasureValue]]:
    """Values of the set's derived measures from their registered providers; a measure with
    no provider stays missing."""
    result: dict[int, dict[str, scoring.MeasureValue]] = {pk: {} for pk in commune_ids}
    derived = criteria_set.measures.filter(source=Measure.Source.DERIVED)
    for measure in derived:
        provider = registry.provider_for(measure.derived_from)
        if provider is None:
            continue
        for commune_id, value in provider(commune_ids, year).items():
            value = (
                Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
            )
            result[commune_id][measure.code] = scoring.MeasureValue(value=value)
    return result


def assessments_for_scoring(ids: Collection[int]):
    return Assessment.objects.filter(pk__in=ids).select_related(
        "criteria_set", "commune__province__region"
    )


def results_for(
    criteria_set: CriteriaSet, assessments: list[Assessment], levels: list[Level] | None = None
) -> dict[int, tuple[str, scoring.AssessmentResult]]:
    """Score assessments of one set from their current values, in a fixed number of queries:
    {assessment id: (class scored with, result)}. Communes need province__region loaded."""
    rules = rules_for(criteria_set, levels)
    entered = entered_values([a.pk for a in assessments])
    results = {}
    for year in {a.year for a in assessments}:
        of_year = [a for a in assessments if a.year == year]
        classes = classes_for([a.commune for a in of_year], criteria_set, year)
        derived = derived_values(criteria_set, [a.commune_id for a in of_year], year)
        for a in of_year:
            class_value = classes[a.commune_id]
            subject = scoring.Subject(year, a.commune.province.code, class_value)
            values = entered[a.pk] | derived[a.commune_id]
            results[a.pk] = (class_value, scoring.score(rules, subject, values))
    return results


def result_for(
    assessment: Assessment, levels: list[Level] | None = None
) -> scoring.AssessmentResult:
    """The full scoring breakdown of one assessment from its current values (what the
    assessment page, the admin and the API detail show)."""
    return results_for(assessment.criteria_set, [assessment], levels)[assessment.pk][1]


def assessments_for_list():
    return Assessment.objects.select_related(
        "commune__province__region", "commune__district", "criteria_set"
    )


def with_details(
    assessment: Assessment,
    levels: list[Level] | None = None,
    result: scoring.AssessmentResult | None = None,
) -> Assessment:
    """Attach what the detail view shows: entered values by measure code, the live scoring
    breakdown (``result`` when the caller has just scored), and the workflow steps (a fixed
    number of queries)."""
    assessment.values_by_measure = values_by_measure(assessment)
    assessment.result = result if result is not None else result_for(assessment, levels)
    assessment.step_list = list(assessment.steps.select_related("user"))
    return assessment


def values_by_measure(assessment: Assessment) -> dict[str, dict]:
    """The assessment's entered values by measure code, as pages and the API show them."""
    rows = assessment.values.select_related("measure").order_by("measure__code")
    return {
        row.measure.code: {
            "value": row.flag if row.measure.value_type == Measure.ValueType.BOOL else row.number,
            "not_applicable": row.not_applicable,
            "note": row.note,
            "evidence_url": row.evidence_url,
            "updated_at": row.updated_at,
        }
        for row in rows
    }


# --- units with their picture for a year (the officer overview and the unit API) --------------
# Each commune's assessment of the year that the user may see and its recognised level; each
# district's and province's communes counted by computed level. Fixed number of queries.


def _visible_assessments(access: Access, year: int) -> QuerySet:
    """The year's assessments (under the set governing it) that this user may see."""
    governed = Assessment.objects.filter(
        year=year, criteria_set__in=CriteriaSet.objects.governing(year)
    )
    return governed.filter(visible_work(access))


def _highest_recognition(year: int, **unit) -> Subquery:
    return Subquery(Recognition.objects.held(year).filter(**unit).values("level__code")[:1])


def communes_for_year(queryset: QuerySet, access: Access, year: int) -> QuerySet:
    """Annotate each commune with its assessment of the year that this user may see (id,
    status, level, criteria met) and its highest recognised level on 31 December."""
    latest = _visible_assessments(access, year).filter(commune=OuterRef("pk"))
    return queryset.annotate(
        assessment_id=Subquery(latest.values("pk")[:1]),
        assessment_status=Subquery(latest.values("status")[:1]),
        computed_level=Subquery(latest.values("level")[:1]),
        criteria_met=Subquery(latest.values("criteria_met")[:1]),
        recognized_level=_highest_recognition(year, commune=OuterRef("pk")),
    )


def districts_for_year(queryset: QuerySet, year: int) -> QuerySet:
    return queryset.annotate(recognized_level=_highest_recognition(year, district=OuterRef("pk")))


def levels_by_unit(access: Access, year: int, unit_field: str, unit_ids) -> dict[int, dict]:
    """{unit id: {level: communes}} over the assessments of the year this user may see, for
    units given by ``unit_field`` (``commune__district`` or ``commune__province``)."""
    rows = (
        _visible_assessments(access, year)
        .filter(**{f"{unit_field}__in": list(unit_ids)})
        .values(unit_field, "level")
        .annotate(communes=Count("pk"))
    )
    counts: dict[int, dict] = defaultdict(dict)
    for row in rows:
        counts[row[unit_field]][row["level"]] = row["communes"]
    return counts
