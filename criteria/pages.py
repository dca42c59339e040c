"""What the officer pages show, each read in a fixed number of queries whatever the number of
communes, indicators or changes: a province's year, a commune's years, an assessment's entry
sections and its audit trail.

The pages sit above the criteria app's models, selectors and scoring (the yearly picture of
communes is the one the unit API shows too); they add no rule of their own except naming the
disagreement between the computed and the recognised level.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Prefetch, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.access import Access, visible_work
from communes.models import Commune, Province, Region, structure_for_year
from criteria import scoring, selectors, services
from criteria.filters import CommuneYearFilterSet
from criteria.models import (
    Assessment,
    AssessmentValue,
    ClosureException,
    CriteriaSet,
    Evidence,
    Level,
    Measure,
    Recognition,
    YearClosure,
)
from criteria.selectors import communes_for_year, levels_by_unit

NO_LEVEL = scoring.NO_LEVEL
OPEN_WORK = (Assessment.Status.RETURNED, Assessment.Status.SUBMITTED)
UNASSESSED = "unassessed"  # the overview's extra status choice: no assessment this year
YEARS = (2000, 2100)  # the years a page may ask for (assessment years are small integers)


# --- years and ladders ------------------------------------------------------------------------


def years_offered() -> list[int]:
    """Every year some criteria set covers, newest first, up to the current year."""
    spans = CriteriaSet.objects.values_list("first_year", "last_year")
    this_year = timezone.localdate().year
    years = {y for first, last in spans for y in range(first, min(last, this_year) + 1)}
    return sorted(years, reverse=True)


def default_year(access: Access, province: Province | None, offered: list[int]) -> int:
    """The latest year with an assessment of the province this user can see; else the latest
    year a criteria set covers; else this year."""
    assessments = Assessment.objects.filter(visible_work(access))
    if province is not None:
        assessments = assessments.filter(commune__province=province)
    latest = assessments.aggregate(year=Max("year"))["year"]
    return latest or (offered[0] if offered else timezone.localdate().year)


@dataclass
class Ladder:
    """A criteria set's levels in rank order, each with its number of criteria."""

    criteria_set: CriteriaSet | None
    levels: list[Level] = field(default_factory=list)

    @property
    def first(self) -> Level | None:
        return self.levels[0] if self.levels else None

    def rank(self, code: str | None) -> int:
        ranks = {level.code: level.rank for level in self.levels}
        return ranks.get(code or NO_LEVEL, 0)

    def level(self, code: str | None) -> Level | None:
        return next((level for level in self.levels if level.code == code), None)


def ladder_for_year(year: int) -> Ladder:
    """The set in force in ``year`` (if exactly one) and its levels: 2 queries."""
    sets = list(CriteriaSet.objects.in_force(year)[:2])
    if len(sets) != 1:
        return Ladder(None)
    levels = sets[0].levels.annotate(criteria_count=Count("criteria")).order_by("rank")
    return Ladder(sets[0], list(levels))


def ladders_for_sets(set_ids) -> dict[int, Ladder]:
    """Ladders of several sets at once: 1 query."""
    levels = Level.objects.filter(criteria_set_id__in=set(set_ids)).select_related("criteria_set")
    levels = levels.annotate(criteria_count=Count("criteria")).order_by("rank")
    ladders: dict[int, Ladder] = {}
    for level in levels:
        ladder = ladders.setdefault(level.criteria_set_id, Ladder(level.criteria_set))
        ladder.levels.append(level)
    return ladders


MISMATCH_ELIGIBLE = "eligible"  # computed above what is recognised: eligible, not recognised
MISMATCH_LAPSED = "lapsed"  # recognised above what the values now reach


def recognition_mismatch(ladder: Ladder, computed: str | None, recognised: str | None):
    """How the computed level and the recognised title disagree, if they do. Without a
    computed level (no assessment) there is nothing to compare."""
    if computed is None:
        return None
    if ladder.rank(computed) > ladder.rank(recognised):
        return MISMATCH_ELIGIBLE
    if ladder.rank(recognised) > ladder.rank(computed):
        return MISMATCH_LAPSED
    return None


# --- the province overview --------------------------------------------------------------------


@dataclass
class CommuneRow:
    commune: Commune
    ladder: Ladder

    @property
    def computed(self) -> Level | None:
        return self.ladder.level(self.commune.computed_level)

    @property
    def recognised(self) -> Level | None:
        return self.ladder.level(self.commune.recognized_level)

    @property
    def criteria_total(self) -> int | None:
        return self.ladder.first.criteria_count if self.ladder.first else None

    @property
    def mismatch(self) -> str | None:
        c = self.commune
        return recognition_mismatch(self.ladder, c.computed_level, c.recognized_level)


@dataclass
class ProvinceYear:
    province: Province
    year: int
    ladder: Ladder
    rows: list[CommuneRow]
    totals: list[tuple[str, Level | None, int]]
    communes_total: int
    returned: list[Assessment]
    submitted: list[Assessment]
    unassessed: list[Commune]


def _communes(province: Province):
    return (
        Commune.objects.rural()
        .in_province(province)
        .select_related("district")
        .order_by("district__code", "search_key", "code")
    )


def province_year(
    *, request, access: Access, province: Province, year: int, ladder: Ladder, filters: dict
) -> ProvinceYear:
    """The province's rural communes for the year with their assessment and recognised level
    (filtered), totals by level, and the work waiting: 4 queries."""
    data = {**filters, "structure": province.structure, "province": province.code, "year": year}
    status = data.pop("status", "")
    if status and status != UNASSESSED:
        data["status"] = status
    rows = CommuneYearFilterSet(data, queryset=_communes(province), request=request).qs
    if status == UNASSESSED:
        rows = rows.filter(assessment_id__isnull=True)
    everyone = list(communes_for_year(_communes(province), access, year))
    counts = levels_by_unit(access, year, "commune__province", [province.pk]).get(province.pk, {})
    open_work = list(
        Assessment.objects.filter(commune__province=province, status__in=OPEN_WORK)
        .select_related("commune__district")
        .order_by("-year", "commune__search_key")
    )
    unassessed = [c for c in everyone if c.assessment_id is None]
    return ProvinceYear(
        province=province,
        year=year,
        ladder=ladder,
        rows=[CommuneRow(c, ladder) for c in rows],
        totals=_totals(ladder, counts, len(unassessed)),
        communes_total=len(everyone),
        returned=[a for a in open_work if a.status == Assessment.Status.RETURNED],
        submitted=[a for a in open_work if a.status == Assessment.Status.SUBMITTED],
        unassessed=unassessed,
    )


def _totals(ladder: Ladder, counts: dict, unassessed: int) -> list:
    """(code, level, communes) from the highest level down, then no level, then unassessed."""
    totals = [(level.code, level, counts.get(level.code, 0)) for level in reversed(ladder.levels)]
    return [*totals, (NO_LEVEL, None, counts.get(NO_LEVEL, 0)), (UNASSESSED, None, unassessed)]


def rural_districts(province: Province):
    return province.districts.filter(communes__kind=Commune.Kind.XA).distinct().order_by("code")


def provinces_for_year(year: int):
    return Province.objects.filter(structure=structure_for_year(year)).order_by("name")


# --- a commune's years ------------------------------------------------------------------------


@dataclass
class AssessmentRow:
    assessment: Assessment
    ladder: Ladder

    @property
    def computed(self) -> Level | None:
        return self.ladder.level(self.assessment.level)

    @property
    def by_level(self) -> list[tuple[Level, int, int]]:
        """(level, criteria met, criteria in the level) in rank order, as last scored."""
        stored = self.assessment.criteria_met_by_level or {}
        return [
            (level, *stored.get(level.code, (0, level.criteria_count)))
            for level in self.ladder.levels
        ]


def commune_years(commune: Commune) -> tuple[list[AssessmentRow], list[Recognition]]:
    """Every assessment of the commune (newest first) and every recognition: 3 queries."""
    assessments = list(
        commune.assessments.select_related("criteria_set").order_by(
            "-year", "-criteria_set__first_year"
        )
    )
    ladders = ladders_for_sets(a.criteria_set_id for a in assessments)
    rows = [AssessmentRow(a, ladders.get(a.criteria_set_id, Ladder(None))) for a in assessments]
    recognitions = list(commune.recognitions.select_related("level__criteria_set"))
    return rows, recognitions


def recognised_level(commune: Commune, year: int, criteria_set: CriteriaSet) -> Level | None:
    """The highest level of the set held on 31 December of ``year``: 1 query."""
    held = Recognition.objects.in_force(year).filter(
        commune=commune, level__criteria_set=criteria_set
    )
    recognition = held.select_related("level").order_by("-level__rank").first()
    return recognition.level if recognition else None


# --- the assessment entry page ----------------------------------------------------------------


@dataclass
class IndicatorRow:
    indicator: object  # criteria.models.Indicator, thresholds loaded
    result: scoring.IndicatorResult
    first_for_measure: bool
    demo: bool  # the threshold applied is a demo value, not a legal one

    @property
    def measure(self) -> Measure:
        return self.indicator.measure


@dataclass
class CriterionBlock:
    criterion: object  # criteria.models.Criterion
    result: scoring.CriterionResult
    rows: list[IndicatorRow]


@dataclass
class LevelSection:
    level: Level
    result: scoring.LevelResult
    criteria: list[CriterionBlock]


def _applied_row(indicator, threshold: scoring.ResolvedThreshold | None, year: int):
    """The stored threshold row the scoring engine applied (to show its demo flag)."""
    if threshold is None:
        return None
    for row in indicator.thresholds.all():
        where = row.province.code if row.province_id else row.class_value
        in_force = (row.first_year or year) <= year <= (row.last_year or year)
        if (row.scope, where, row.source) == (
            threshold.scope,
            threshold.scope_value,
            threshold.source,
        ) and in_force:
            return row
    return None


def entry_sections(levels: list[Level], result: scoring.AssessmentResult, year: int):
    """The set's levels (from selectors.levels_with_rules) joined with the scoring result:
    sections of criteria of indicators, each measure's input placed at its first indicator."""
    judged_levels = {lr.code: lr for lr in result.levels}
    criteria = {(lr.code, c.code): c for lr in result.levels for c in lr.criteria}
    seen: set[str] = set()
    sections = []
    for level in levels:
        blocks = []
        for criterion in level.criteria.all():
            judged = criteria[(level.code, criterion.number)]
            rows = _indicator_rows(criterion, judged, seen, year)
            blocks.append(CriterionBlock(criterion, judged, rows))
        sections.append(LevelSection(level, judged_levels[level.code], blocks))
    return sections


def _indicator_rows(criterion, judged: scoring.CriterionResult, seen: set[str], year: int):
    results = {i.code: i for i in judged.indicators}
    rows = []
    for indicator in criterion.indicators.all():
        result = results[indicator.code]
        applied = _applied_row(indicator, result.threshold, year)
        first = indicator.measure.code not in seen
        seen.add(indicator.measure.code)
        rows.append(IndicatorRow(indicator, result, first, bool(applied and applied.demo)))
    return rows


def entered_measures(levels: list[Level]) -> list[Measure]:
    """The measures an officer types in, in the order the page first shows them."""
    measures: dict[str, Measure] = {}
    for level in levels:
        for criterion in level.criteria.all():
            for indicator in criterion.indicators.all():
                measure = indicator.measure
                if measure.source == Measure.Source.ENTERED:
                    measures.setdefault(measure.code, measure)
    return list(measures.values())


def indicator_names(levels: list[Level]) -> dict[tuple[str, str], object]:
    """{(level code, indicator code): indicator}, to name the gap's indicators."""
    return {
        (level.code, i.code): i
        for level in levels
        for criterion in level.criteria.all()
        for i in criterion.indicators.all()
    }


def region_names() -> dict[str, Region]:
    return {region.code: region for region in Region.objects.all()}


# --- the audit trail --------------------------------------------------------------------------


@dataclass
class ValueChange:
    at: object
    user: object
    measure: Measure
    kind: str  # "+" created, "~" changed, "-" cleared
    old: dict | None
    new: dict | None


def _snapshot(record) -> dict:
    return {
        "value": record.flag if record.flag is not None else record.number,
        "not_applicable": record.not_applicable,
        "note": record.note,
        "evidence_url": record.evidence_url,
    }


def value_changes(assessment: Assessment) -> list[ValueChange]:
    """Every change to the assessment's values, newest first, each with the value before and
    after: 1 query over the recorded history."""
    records = (
        AssessmentValue.history.filter(assessment_id=assessment.pk)
        .select_related("history_user", "measure")
        .order_by("measure_id", "history_date", "history_id")
    )
    previous: dict[int, dict | None] = defaultdict(lambda: None)
    changes = []
    for record in records:
        new = None if record.history_type == "-" else _snapshot(record)
        old = previous[record.measure_id]
        if new != old:
            changes.append(
                ValueChange(
                    record.history_date,
                    record.history_user,
                    record.measure,
                    record.history_type,
                    old,
                    new,
                )
            )
        previous[record.measure_id] = new
    changes.sort(key=lambda change: change.at, reverse=True)
    return changes


def localized(obj, field: str = "name") -> str:
    """A criteria object's Vietnamese or English text, following the page's language."""
    if obj is None:
        return ""
    english = (get_language() or "").startswith("en")
    first, second = ("en", "vi") if english else ("vi", "en")
    return getattr(obj, f"{field}_{first}", "") or getattr(obj, f"{field}_{second}", "")


def format_number(value) -> str:
    """A stored number as people write it: no trailing zeros, the language's decimal mark."""
    number = Decimal(value).normalize()
    if number == number.to_integral():
        number = number.quantize(Decimal(1))
    return number_format(number)


# --- one assessment ---------------------------------------------------------------------------


@dataclass
class AssessmentPage:
    assessment: Assessment  # with values_by_measure, result and step_list (selectors.with_details)
    ladder: Ladder
    sections: list[LevelSection]
    measures: list[Measure]
    indicators: dict
    recognised: Level | None
    regions: dict
    changes: list[ValueChange]
    evidence: dict[str, list[Evidence]]
    closure: YearClosure | None = None  # the year closed for the province
    exception: ClosureException | None = None  # ...but this commune reopened by exception

    @property
    def closed(self) -> bool:
        """Whether the year is closed for this commune (the services refuse its changes)."""
        return self.closure is not None and self.exception is None

    @property
    def result(self) -> scoring.AssessmentResult:
        return self.assessment.result

    @property
    def computed(self) -> Level | None:
        return self.ladder.level(self.result.level)

    @property
    def next_level(self) -> Level | None:
        return self.ladder.level(self.result.next_level)

    @property
    def mismatch(self) -> str | None:
        recognised = self.recognised.code if self.recognised else None
        return recognition_mismatch(self.ladder, self.result.level, recognised)

    @property
    def gap(self) -> list[tuple[object, scoring.IndicatorResult]]:
        return [(self.indicators.get((i.level, i.code)), i) for i in self.result.gap]


def assessment_page(assessment: Assessment, levels: list[Level] | None = None) -> AssessmentPage:
    """Everything the assessment page shows, from the assessment's current values. The set's
    rules are loaded once, for the scoring and the sections alike."""
    if levels is None:
        levels = selectors.levels_with_rules(assessment.criteria_set)
    selectors.with_details(assessment, levels)
    return AssessmentPage(
        assessment=assessment,
        ladder=Ladder(assessment.criteria_set, levels),
        sections=entry_sections(levels, assessment.result, assessment.year),
        measures=entered_measures(levels),
        indicators=indicator_names(levels),
        recognised=recognised_level(assessment.commune, assessment.year, assessment.criteria_set),
        regions=region_names(),
        changes=value_changes(assessment),
        evidence=evidence_by_measure(assessment),
        **closure_state(assessment),
    )


@dataclass(frozen=True)
class Entry:
    """What a save of the entry form needs, without scoring or history: the set's rules, the
    measures typed in, and the values stored now."""

    levels: list[Level]
    measures: list[Measure]
    stored: dict[str, dict]


def entry_for(assessment: Assessment) -> Entry:
    levels = selectors.levels_with_rules(assessment.criteria_set)
    return Entry(levels, entered_measures(levels), selectors.values_by_measure(assessment))


def closure_state(assessment: Assessment) -> dict:
    """The closure of the assessment's year for its province, if any, and this commune's
    exception to it: 1 query, 2 when the year is closed."""
    exceptions = ClosureException.objects.filter(commune_id=assessment.commune_id)
    closure = (
        YearClosure.objects.filter(province_id=assessment.commune.province_id, year=assessment.year)
        .select_related("closed_by")
        .prefetch_related(
            Prefetch("exceptions", exceptions.select_related("opened_by"), to_attr="here")
        )
        .first()
    )
    return {"closure": closure, "exception": closure.here[0] if closure and closure.here else None}


def evidence_by_measure(assessment: Assessment) -> dict[str, list[Evidence]]:
    """The assessment's files by measure code, oldest first: 1 query."""
    files = assessment.evidence_files.select_related("measure", "uploaded_by")
    by_measure: dict[str, list[Evidence]] = defaultdict(list)
    for evidence in files.order_by("uploaded_at", "pk"):
        by_measure[evidence.measure.code].append(evidence)
    return dict(by_measure)


def assessment_for(commune: Commune, year: int) -> Assessment | None:
    """The commune's assessment of the year (of the newest set, should two ever overlap)."""
    assessments = selectors.assessments_for_list().select_related("updated_by")
    assessments = assessments.filter(commune=commune, year=year)
    return assessments.order_by("-criteria_set__first_year").first()


# Who may take each workflow step (accounts.access); which status allows it is the service's.
STEP_NEEDS = {"submit": "edit", "approve": "approve", "return": "approve", "reopen": "approve"}


def may_take(access: Access, action: str, province_id: int) -> bool:
    if STEP_NEEDS.get(action) == "edit":
        return access.can_edit(province_id)
    return STEP_NEEDS.get(action) == "approve" and access.can_approve(province_id)


def available_steps(assessment: Assessment, access: Access, closed: bool = False) -> list[str]:
    """The workflow steps this user may take on the assessment now (in a closed year, only
    those the services still allow)."""
    province_id = assessment.commune.province_id
    return [
        action
        for action, transition in services.TRANSITIONS.items()
        if assessment.status in transition.sources
        and not (closed and transition.open_year_only)
        and may_take(access, action, province_id)
    ]


STEP_DONE = {
    "submit": _("Submitted for approval."),
    "approve": _("Approved: the values are locked."),
    "return": _("Returned to the province for changes."),
    "reopen": _("Reopened: the province can change the values again."),
}


def approval_queue(access: Access) -> list[AssessmentRow]:
    """Submitted assessments of the approver's province (every province for national users),
    oldest submission first, each with when it was submitted: 2 queries."""
    queue = Assessment.objects.filter(status=Assessment.Status.SUBMITTED)
    if not access.country_wide:
        queue = queue.filter(commune__province_id=access.province_id)
    queue = queue.select_related("commune__province", "commune__district", "criteria_set")
    queue = queue.annotate(submitted_at=Max("steps__at", filter=Q(steps__action="submit")))
    queue = list(queue.order_by("submitted_at", "commune__search_key"))
    ladders = ladders_for_sets(a.criteria_set_id for a in queue)
    return [AssessmentRow(a, ladders.get(a.criteria_set_id, Ladder(None))) for a in queue]


# --- closing years (the approvals page) -------------------------------------------------------


@dataclass
class YearPanel:
    """One year of a province: open, or closed with its communes reopened by exception."""

    year: int
    closure: YearClosure | None
    communes: list[Commune]  # the province's rural communes
    reopened: object | None = None  # the last reopening on record (a history row)

    @property
    def exceptions(self) -> list[ClosureException]:
        return list(self.closure.exceptions.all()) if self.closure else []

    @property
    def reopenable(self) -> list[Commune]:
        """The communes that may still be reopened by exception."""
        taken = {exception.commune_id for exception in self.exceptions}
        return [commune for commune in self.communes if commune.pk not in taken]


def _on_map(province: Province, year: int) -> bool:
    """Whether the year's data is kept on this province's map (in force on 1 January)."""
    day = datetime.date(year, 1, 1)
    started = province.valid_from is None or province.valid_from <= day
    return started and (province.valid_to is None or province.valid_to >= day)


def year_panels(province: Province) -> list[YearPanel]:
    """The province's years (newest first), each with its closure, the communes reopened by
    exception and the last reopening on record: 5 queries."""
    years = [year for year in years_offered() if _on_map(province, year)]
    exceptions = ClosureException.objects.select_related("commune", "opened_by")
    closures = (
        YearClosure.objects.filter(province=province, year__in=years)
        .select_related("closed_by")
        .prefetch_related(Prefetch("exceptions", exceptions.order_by("commune__search_key")))
    )
    closed = {closure.year: closure for closure in closures}
    reopened = YearClosure.history.filter(province=province, history_type="-")
    last_reopened = {}
    for record in reopened.select_related("history_user").order_by("history_date"):
        last_reopened[record.year] = record
    communes = Commune.objects.rural().in_province(province).select_related("district")
    communes = list(communes.order_by("search_key", "code"))
    return [YearPanel(year, closed.get(year), communes, last_reopened.get(year)) for year in years]
