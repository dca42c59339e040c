"""An assessment's entry page: the set's levels as sections of criteria and indicators joined
with the scoring result, one input per measure, the thresholds that applied, the gap to the
next level, the evidence files, the closure of the year and the audit trail. Every read is
criteria.selectors'; every judgement is criteria.scoring's."""

from dataclasses import dataclass

from communes.models import Region
from criteria import scoring, selectors
from criteria.models import (
    Assessment,
    ClosureException,
    Edition,
    Evidence,
    Level,
    Measure,
    YearClosure,
)
from criteria.selectors import Ladder, ValueChange


@dataclass
class IndicatorRow:
    indicator: object  # criteria.models.Indicator, thresholds loaded
    result: scoring.IndicatorResult
    first_for_measure: bool

    @property
    def measure(self) -> Measure:
        return self.indicator.measure

    @property
    def demo(self) -> bool:
        """Whether the threshold applied is a demo value, not a legal one (as scoring says)."""
        return bool(self.result.threshold and self.result.threshold.demo)


@dataclass
class CriterionBlock:
    criterion: object  # criteria.models.Criterion
    result: scoring.CriterionResult
    rows: list[IndicatorRow]
    # Shown unfolded: where there is work (not met), or a field to correct (open_where).
    open: bool = False

    @property
    def measure_codes(self) -> set[str]:
        return {row.measure.code for row in self.rows if row.first_for_measure}


@dataclass
class LevelSection:
    level: Level
    result: scoring.LevelResult
    criteria: list[CriterionBlock]


def entry_sections(levels: list[Level], result: scoring.AssessmentResult) -> list[LevelSection]:
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
            rows = _indicator_rows(criterion, judged, seen)
            blocks.append(CriterionBlock(criterion, judged, rows, open=not judged.met))
        sections.append(LevelSection(level, judged_levels[level.code], blocks))
    return sections


def _indicator_rows(criterion, judged: scoring.CriterionResult, seen: set[str]):
    results = {i.code: i for i in judged.indicators}
    rows = []
    for indicator in criterion.indicators.all():
        first = indicator.measure.code not in seen
        seen.add(indicator.measure.code)
        rows.append(IndicatorRow(indicator, results[indicator.code], first))
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
    scored_under: Edition | None = None  # the edition of the stored result
    in_force: Edition | None = None  # the edition in force for the year now
    carried: frozenset[str] = frozenset()  # measures still as carried forward from last year

    @property
    def frozen(self) -> bool:
        """Approved under an edition that is no longer the one in force: its result (and the
        breakdown shown) stays that edition's until a national user re-judges it."""
        return selectors.frozen(self.assessment, {self.assessment.year: self.in_force})

    @property
    def closed(self) -> bool:
        """Whether the year is closed for this commune (the services refuse its changes)."""
        return self.closure is not None and self.exception is None

    @property
    def missing(self) -> int:
        """How many measures submitting or approving would leave without a value."""
        return len(self.result.missing_measures)

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
        decided = not self.result.stopped_for_missing_values
        return self.ladder.mismatch(self.result.level, recognised, decided)

    @property
    def gap(self) -> list[tuple[object, scoring.IndicatorResult]]:
        return [(self.indicators.get((i.level, i.code)), i) for i in self.result.gap]


def assessment_page(assessment: Assessment, levels: list[Level] | None = None) -> AssessmentPage:
    """Everything the assessment page shows, from the assessment's current values. The set's
    rules are loaded once, for the scoring and the sections alike."""
    if levels is None:
        levels = selectors.levels_with_rules(assessment.criteria_set)
    selectors.with_details(assessment, levels)
    commune, year, criteria_set = assessment.commune, assessment.year, assessment.criteria_set
    return AssessmentPage(
        assessment=assessment,
        ladder=Ladder(criteria_set, levels),
        sections=entry_sections(levels, assessment.result),
        measures=entered_measures(levels),
        indicators=indicator_names(levels),
        recognised=selectors.recognised_level(commune, year, criteria_set),
        regions=region_names(),
        changes=selectors.value_changes(assessment),
        evidence=selectors.evidence_by_measure(assessment),
        scored_under=assessment.edition,
        in_force=selectors.editions_by_year(criteria_set).get(year),
        carried=carried_forward(assessment),
        **selectors.closure_state(assessment),
    )


def carried_forward(assessment: Assessment) -> frozenset[str]:
    """The codes of the measures whose value is still last year's, copied when the year was
    created and neither confirmed nor changed since (services.values): 1 query."""
    carried = assessment.values.filter(carried_forward=True)
    return frozenset(carried.values_list("measure__code", flat=True))


@dataclass(frozen=True)
class Entry:
    """What a save of the entry form needs, without scoring or history: the set's rules, the
    measures typed in, and the values stored now."""

    levels: list[Level]
    measures: list[Measure]
    stored: dict[str, dict]
    carried: frozenset[str]


def entry_for(assessment: Assessment) -> Entry:
    levels = selectors.levels_with_rules(assessment.criteria_set)
    return Entry(
        levels,
        entered_measures(levels),
        selectors.values_by_measure(assessment),
        carried_forward(assessment),
    )


def open_where(page: AssessmentPage, codes: set[str]) -> None:
    """Unfold the criteria that hold the inputs of these measures (those in error, those in
    conflict), whatever their result."""
    if not codes:
        return
    for section in page.sections:
        for block in section.criteria:
            if block.measure_codes & codes:
                block.open = True
