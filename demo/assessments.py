"""Demo data: three provinces' rural communes assessed 2021-2025 against the real 2021-2025 set.

Nothing here is a real figure. Thresholds the set leaves unconfigured (its legal tables are not
typed in yet, see shared/domain) get province-scope values marked demo=True, verified=False
for the demo provinces only; recognitions carry "DEMO-" decision numbers; targets say they
apply a Decision 263 figure to the province as an illustration.

How it is built: a deterministic plan first decides, for every commune and year, the level the
values must produce, the assessment's status, and how many criteria of the level being worked
on fail or miss a value (`build_plan`); then values are generated against the thresholds in
force so as to produce exactly that, and written with bulk operations (`write`); then the
assessments are scored by the same service as entered values (`score`). Every random choice
comes from a random.Random seeded with a province or commune code, never from the clock.

Advanced criterion 13 is derived from the OCOP registry and cannot be entered: `ocop_needs`
says which communes need a certified product from which year for the plan's levels to hold.
"""

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction

from django.db import transaction
from django.db.models import Count, Q

from communes.models import Commune, District, Province
from criteria import scoring, selectors, services
from criteria.models import (
    Assessment,
    AssessmentValue,
    CriteriaSet,
    Indicator,
    Level,
    Measure,
    Recognition,
    Target,
    Threshold,
)

SET_CODE = "NTM-2021-2025"
STRUCTURE = "2021"
YEARS = tuple(range(2021, 2026))
LADDER = ("standard", "advanced", "model")
NONE, STANDARD, ADVANCED, MODEL = range(4)
SEED = "ntm-portal-demo-1"
DECISION_PREFIX = "DEMO-"
TARGET_MARK = "Minh họa (demo)"
SCORING_BATCH = 500
VALUE_BATCH = 2000

Status = Assessment.Status

# The deliberate disagreements between computed and recognised levels, one per province.
NO_LONGER_MEETS = "recognised_no_longer_meets"
REVOKED = "recognised_then_revoked"
ELIGIBLE_NOT_RECOGNISED = "eligible_not_recognised"
FELL_BACK = (NO_LONGER_MEETS, REVOKED)


class DemoError(Exception):
    """The demo cannot be built: a prerequisite is missing or the data contradicts the plan."""


@dataclass(frozen=True)
class DemoProvince:
    code: str
    name: str
    # Weights of the province's communes by level reached in 2025: none, standard, advanced,
    # model (the picture Decision 263's regional targets suggest, not published figures).
    levels_2025: tuple[int, int, int, int]
    # Weights of the year a commune first reached standard: 2021 ... 2025.
    standard_from: tuple[int, int, int, int, int]
    # Weights of the 2025 assessments: approved, submitted, draft, returned, none yet.
    statuses_2025: tuple[int, int, int, int, int]
    # 2024 assessments still submitted, and returned, when the year closed.
    late_2024: tuple[int, int]
    income_2021: Decimal  # demo standard income threshold, million VND per person per year
    income_rise: Decimal  # added each year
    poverty: tuple[Decimal, Decimal]  # demo poverty ceilings (%), standard and advanced
    role: str


DEMO_PROVINCES = (
    DemoProvince(
        code="74",
        name="Bình Dương",
        levels_2025=(3, 36, 44, 17),
        standard_from=(82, 8, 5, 3, 2),
        statuses_2025=(55, 20, 12, 8, 5),
        late_2024=(1, 0),
        income_2021=Decimal("54"),
        income_rise=Decimal("4"),
        poverty=(Decimal("2"), Decimal("1")),
        role=NO_LONGER_MEETS,
    ),
    DemoProvince(
        code="22",
        name="Quảng Ninh",
        levels_2025=(1, 29, 53, 17),
        standard_from=(75, 10, 7, 5, 3),
        statuses_2025=(60, 20, 10, 6, 4),
        late_2024=(2, 0),
        income_2021=Decimal("50"),
        income_rise=Decimal("4"),
        poverty=(Decimal("3"), Decimal("1.5")),
        role=ELIGIBLE_NOT_RECOGNISED,
    ),
    DemoProvince(
        code="20",
        name="Lạng Sơn",
        levels_2025=(86, 74, 30, 10),
        standard_from=(35, 15, 20, 15, 15),
        statuses_2025=(40, 25, 20, 10, 5),
        late_2024=(3, 1),
        income_2021=Decimal("36"),
        income_rise=Decimal("3"),
        poverty=(Decimal("10"), Decimal("6")),
        role=REVOKED,
    ),
)

# Decision 263/QĐ-TTg (22/02/2022), shared/domain notes §6 (confirmed): share of communes
# meeting the NTM standard by 2025 by region, and the national advanced and model shares.
STANDARD_TARGET_2025 = {
    "tdmnpb": 60,
    "dbsh": 100,
    "btb": 87,
    "dhntb": 80,
    "tn": 68,
    "dnb": 95,
    "dbscl": 80,
}
ADVANCED_TARGET_2025 = 40
MODEL_TARGET_2025 = 10

# Demo threshold values by measure: (standard, advanced). Illustrative only; advanced is
# stricter so that a commune can meet one level and not the next.
DEMO_THRESHOLDS = {
    "road_commune_hardened_rate": ("90", "100"),
    "road_village_hardened_rate": ("80", "95"),
    "road_alley_hardened_rate": ("70", "85"),
    "road_field_main_usable_rate": ("70", "85"),
    "farmland_irrigated_drained_rate": ("80", "90"),
    "households_electricity_rate": ("95", "99"),
    "schools_meeting_standard_rate": ("70", "80"),
    "villages_with_cultural_house_rate": ("80", "95"),
    "solid_houses_rate": ("75", "85"),
    "employment_rate": ("90", "95"),
    "trained_workers_rate": ("65", "75"),
    "workers_with_certificates_rate": ("25", "35"),
    "lower_secondary_graduates_continuing_rate": ("80", "90"),
    "employed_workers_trained_rate": ("60", "70"),
    "health_insurance_rate": ("90", "95"),
    "child_stunting_rate": ("25", "20"),
    "electronic_health_records_rate": ("70", "90"),
    "villages_cultural_standard_rate": ("70", "80"),
    "households_clean_water_rate": ("85", "95"),
    "production_sites_environment_compliance_rate": ("90", "100"),
    "public_green_land_per_capita": ("2", "4"),
    "solid_waste_wastewater_treated_rate": ("60", "80"),
    "pesticide_packaging_medical_waste_treated_rate": ("70", "90"),
    "food_safety_compliance_rate": ("90", "100"),
    "livestock_farms_compliance_rate": ("80", "90"),
    "households_hygienic_sanitation_rate": ("70", "80"),
    "households_waste_sorting_rate": ("30", "50"),
    "plastic_waste_treated_rate": ("50", "70"),
}
# For a numeric measure a later version of the set adds: by comparison.
DEFAULT_THRESHOLDS = {">=": ("80", "90"), "<=": ("10", "5"), "==": ("1", "1")}
INCOME_MEASURE = "income_per_capita"
POVERTY_MEASURE = "multidimensional_poverty_rate"
ADVANCED_INCOME_FACTOR = Decimal("1.1")

# Decisions 318 and 319 were issued in March 2022: the demo lets communes climb to advanced
# from 2022's results and to model from 2023's.
EARLIEST = {STANDARD: 2021, ADVANCED: 2022, MODEL: 2023}
NOT_APPLICABLE_SHARE = 0.05
NOT_APPLICABLE_NOTE = (
    "Minh họa (demo): xã không có làng nghề truyền thống nên chỉ tiêu không áp dụng / "
    "Demo: the commune has no traditional craft village, so the indicator does not apply"
)
MISSING_DRAWS = (1, 1, 2, 3)  # values a draft still lacks
FELL_BACK_IN = 2023  # the year the communes playing FELL_BACK roles lost the standard


@dataclass(frozen=True)
class Draws:
    """How many criteria of the level being worked on fail by entered values."""

    climbing: tuple[int, ...]  # the year before the commune reaches that level
    staying: tuple[int, ...]  # the last year of a level it does not leave by 2025
    further_back: tuple[int, ...]  # added for each earlier year at the same level
    most: int


FAILING = {
    NONE: Draws((1, 1, 2, 2, 3), (1, 2, 2, 3, 3, 4, 5, 6), (0, 1, 1, 2), 12),
    # Standard communes also miss advanced 13 (no OCOP product yet), counted apart.
    STANDARD: Draws((0, 0, 1), (0, 1, 2, 3, 4, 5), (0, 1, 1, 2), 10),
    ADVANCED: Draws((1, 1, 2), (1, 2, 2, 3), (0, 0, 1), 3),
}
# The criteria communes most often fall short on (income, poverty, environment, labour,
# health) are drawn first, so that the demo's gaps look like the programme's usual ones.
HARDER = {
    "standard": {"10": 5, "11": 4, "17": 5, "12": 3, "15": 3, "13": 2, "2": 2, "5": 2, "9": 2},
    "advanced": {"10": 5, "17": 5, "11": 3, "12": 3, "14": 3, "2": 2, "5": 2, "6": 2},
    "model": {"2": 2},
}


# --------------------------------------------------------------------------- the set's shape


@dataclass(frozen=True)
class Use:
    step: int  # 1-based position of the level in the ladder
    criterion: str
    indicator: scoring.IndicatorRule


class Shape:
    """The criteria set as the plan needs it: which measures each level uses, and which
    criteria entered values alone can fail or leave incomplete."""

    def __init__(self, criteria_set: CriteriaSet):
        self.criteria_set = criteria_set
        self.rules = selectors.rules_for(criteria_set)
        self.levels = tuple(sorted(self.rules.levels, key=lambda level: level.rank))
        self.top = len(self.levels)
        self.measures = {m.code: m for m in criteria_set.measures.order_by("code")}
        self.uses: dict[str, list[Use]] = defaultdict(list)
        for step, criterion in self._criteria():
            for indicator in criterion.indicators:
                self.uses[indicator.measure].append(Use(step, criterion.code, indicator))
        self.failable = {s: self._codes(s, self._can_fail) for s in self.steps}
        self.missable = {s: self._codes(s, self._has_lone_measure) for s in self.steps}
        self.derived_only = {s: self._codes(s, self._is_derived_only) for s in self.steps}

    @property
    def steps(self) -> range:
        return range(1, self.top + 1)

    def code(self, step: int) -> str:
        return self.levels[step - 1].code if step else scoring.NO_LEVEL

    def criteria(self, step: int) -> list[scoring.CriterionRule]:
        return sorted(self.levels[step - 1].criteria, key=lambda c: c.code)

    def total(self, step: int) -> int:
        return len(self.levels[step - 1].criteria)

    def entered(self, measure: str) -> bool:
        found = self.measures.get(measure)
        return found is not None and found.source == Measure.Source.ENTERED

    def lone_measures(self, step: int, criterion: scoring.CriterionRule) -> list[str]:
        """Entered measures of the criterion that no lower level and no other criterion of its
        level uses: leaving one empty leaves exactly this criterion incomplete."""
        return sorted(
            {i.measure for i in criterion.indicators if self._lone(i.measure, step, criterion)}
        )

    def _lone(self, measure: str, step: int, criterion: scoring.CriterionRule) -> bool:
        mine = (step, criterion.code)
        return self.entered(measure) and all(
            u.step > step or (u.step, u.criterion) == mine for u in self.uses[measure]
        )

    def _criteria(self):
        for step, level in enumerate(self.levels, 1):
            for criterion in sorted(level.criteria, key=lambda c: c.code):
                yield step, criterion

    def _codes(self, step: int, test) -> tuple[str, ...]:
        return tuple(c.code for c in self.criteria(step) if test(step, c))

    def _can_fail(self, step: int, criterion: scoring.CriterionRule) -> bool:
        return criterion.requires_level is None and any(
            self.entered(i.measure) for i in criterion.indicators
        )

    def _has_lone_measure(self, step: int, criterion: scoring.CriterionRule) -> bool:
        return bool(self.lone_measures(step, criterion))

    def _is_derived_only(self, step: int, criterion: scoring.CriterionRule) -> bool:
        indicators = criterion.indicators
        return bool(indicators) and not any(self.entered(i.measure) for i in indicators)


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class YearPlan:
    """One assessment's intended outcome."""

    year: int
    status: str
    achieved: int  # level (0: none) the values reach once complete
    level: int  # level the scoring must compute (a draft may lack a value of its own level)
    worked_on: int  # the level whose criteria are counted: the next one, or the top
    failing: int  # criteria of that level failed by entered values
    forced: int  # criteria of that level failed for lack of derived data (no OCOP product)
    missing: int  # criteria of that level incomplete because a draft lacks a value
    met: int  # criteria met at that level


@dataclass(frozen=True)
class CommunePlan:
    commune: Commune
    role: str
    not_applicable: bool  # marks its "may be not applicable" indicators so, with a note
    achieved: dict[int, int]  # every year, with or without an assessment
    ocop_from: int | None  # first year it needs a certified OCOP product
    years: dict[int, YearPlan]  # years with an assessment


@dataclass(frozen=True)
class ProvincePlan:
    config: DemoProvince
    province: Province
    communes: tuple[CommunePlan, ...]


@dataclass(frozen=True)
class DemoPlan:
    shape: Shape
    provinces: tuple[ProvincePlan, ...]

    @property
    def criteria_set(self) -> CriteriaSet:
        return self.shape.criteria_set

    def commune_plans(self):
        for province in self.provinces:
            yield from province.communes


def build_plan() -> DemoPlan:
    """The intended outcome of every demo commune and year; raises DemoError naming the
    command to run if the administrative units or the criteria set are not loaded."""
    provinces = _demo_provinces()
    shape = Shape(_criteria_set())
    if tuple(level.code for level in shape.levels) != LADDER:
        raise DemoError(f"{SET_CODE} must have the levels {', '.join(LADDER)}.")
    return DemoPlan(
        shape=shape,
        provinces=tuple(_province_plan(c, p, shape) for c, p in provinces),
    )


def ocop_needs(plan: DemoPlan) -> dict[int, int]:
    """{commune id: first year}: the communes that need at least one certified OCOP product
    valid from that year through 2025 for the planned advanced and model levels to hold."""
    return {cp.commune.pk: cp.ocop_from for cp in plan.commune_plans() if cp.ocop_from is not None}


def _criteria_set() -> CriteriaSet:
    found = CriteriaSet.objects.filter(code=SET_CODE).first()
    if found is None:
        raise DemoError(
            f"The criteria set {SET_CODE} is not loaded. Run: python manage.py load_criteria"
        )
    return found


def _demo_provinces() -> list[tuple[DemoProvince, Province]]:
    codes = [config.code for config in DEMO_PROVINCES]
    found = {
        p.code: p
        for p in Province.objects.in_structure(STRUCTURE)
        .filter(code__in=codes)
        .select_related("region")
    }
    if len(found) < len(codes) or not all(p.region for p in found.values()):
        raise DemoError(
            "The 2021 administrative units (with their regions) are not loaded. "
            "Run: python manage.py load_admin_units --structure 2021"
        )
    return [(config, found[config.code]) for config in DEMO_PROVINCES]


def _rural_communes(province: Province) -> list[Commune]:
    communes = list(
        Commune.objects.rural()
        .in_province(province)
        .select_related("district", "province__region")
        .order_by("code")
    )
    if not communes:
        raise DemoError(f"{province.name} has no rural communes loaded.")
    return communes


def _province_plan(config: DemoProvince, province: Province, shape: Shape) -> ProvincePlan:
    rng = random.Random(f"{SEED}:{config.code}")
    communes = _rural_communes(province)
    finals = _final_levels(config, communes, rng)
    roles = _roles(config, communes, finals, rng)
    statuses = _statuses(config, communes, roles, rng)
    plans = tuple(
        _commune_plan(c, config, finals[c.pk], roles.get(c.pk, ""), statuses, shape)
        for c in communes
    )
    return ProvincePlan(config=config, province=province, communes=plans)


def _quotas(weights: tuple[int, ...], total: int) -> list[int]:
    """Split ``total`` by ``weights`` into whole numbers (largest remainders, ties by order)."""
    exact = [Fraction(w * total, sum(weights)) for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _final_levels(config: DemoProvince, communes: list[Commune], rng) -> dict[int, int]:
    """The level each commune reaches by 2025. Whole districts tend to do well or badly
    together, as they do in the programme's statistics."""
    districts = sorted({c.district_id or 0 for c in communes})
    bias = {d: rng.gauss(0, 1) for d in districts}
    score = {c.pk: 0.8 * bias[c.district_id or 0] + rng.gauss(0, 1) for c in communes}
    ordered = sorted(communes, key=lambda c: (-score[c.pk], c.code))
    counts = _quotas(config.levels_2025, len(communes))
    levels = [level for level in (MODEL, ADVANCED, STANDARD, NONE) for _ in range(counts[level])]
    return {c.pk: level for c, level in zip(ordered, levels, strict=True)}


def _roles(config: DemoProvince, communes: list[Commune], finals: dict, rng) -> dict[int, str]:
    wanted = NONE if config.role in FELL_BACK else STANDARD
    pool = [c for c in communes if finals[c.pk] == wanted]
    if not pool:
        raise DemoError(f"{config.name}: no commune can play the role {config.role}")
    return {rng.choice(pool).pk: config.role}


def _statuses(config: DemoProvince, communes: list[Commune], roles: dict, rng) -> dict:
    """{(commune id, year): status, or None for no assessment}. Earlier years are approved;
    the communes playing a role stay approved so that their story is on the record."""
    statuses = {(c.pk, year): Status.APPROVED for c in communes for year in YEARS}
    others = [c for c in communes if c.pk not in roles]
    submitted, returned = config.late_2024
    late = [Status.SUBMITTED] * submitted + [Status.RETURNED] * returned
    for commune, status in zip(rng.sample(others, len(late)), late, strict=True):
        statuses[commune.pk, 2024] = status
    approved, *rest = _quotas(config.statuses_2025, len(communes))
    labels = [Status.APPROVED] * (approved - len(roles))
    for status, count in zip(
        (Status.SUBMITTED, Status.DRAFT, Status.RETURNED, None), rest, strict=True
    ):
        labels += [status] * count
    for commune, status in zip(rng.sample(others, len(others)), labels, strict=True):
        statuses[commune.pk, 2025] = status
    return statuses


def _commune_plan(
    commune: Commune, config: DemoProvince, final: int, role: str, statuses: dict, shape: Shape
) -> CommunePlan:
    rng = random.Random(f"{SEED}:{commune.code}")
    achieved = _trajectory(config, final, role, rng)
    failing = _failing_counts(achieved, shape, rng)
    ocop_from = next((y for y in YEARS if achieved[y] >= ADVANCED), None)
    years = {}
    for year in YEARS:
        status = statuses[commune.pk, year]
        if status is not None:
            years[year] = _year_plan(
                year, status, achieved[year], failing[year], ocop_from, shape, rng
            )
    return CommunePlan(
        commune=commune,
        role=role,
        not_applicable=rng.random() < NOT_APPLICABLE_SHARE,
        achieved=achieved,
        ocop_from=ocop_from,
        years=years,
    )


def _trajectory(config: DemoProvince, final: int, role: str, rng) -> dict[int, int]:
    """The level each year's values reach."""
    if role in FELL_BACK:
        # Met the standard from 2021 (and was recognised for it), then lost it.
        return {year: STANDARD if year < FELL_BACK_IN else NONE for year in YEARS}
    firsts = [2024] if role == ELIGIBLE_NOT_RECOGNISED else _first_years(config, final, rng)
    return {year: sum(first <= year for first in firsts) for year in YEARS}


def _first_years(config: DemoProvince, final: int, rng) -> list[int]:
    """The year the commune first reached each level up to ``final``, one level a year at
    most, leaving room for the levels still to come by 2025."""
    firsts, previous = [], YEARS[0] - 1
    for level in range(STANDARD, final + 1):
        years = list(range(max(previous + 1, EARLIEST[level]), YEARS[-1] - (final - level) + 1))
        weights = [config.standard_from[y - YEARS[0]] if level == STANDARD else 1 for y in years]
        previous = rng.choices(years, weights)[0]
        firsts.append(previous)
    return firsts


def _failing_counts(achieved: dict[int, int], shape: Shape, rng) -> dict[int, int]:
    """Criteria failed by entered values each year: fewer as the commune nears its next level."""
    counts: dict[int, int] = {}
    for year in reversed(YEARS):
        level = achieved[year]
        if level == shape.top:
            counts[year] = 0
            continue
        draws = FAILING[level]
        later = achieved.get(year + 1)
        if later == level:
            count = counts[year + 1] + rng.choice(draws.further_back)
        elif later is not None and later > level:
            count = rng.choice(draws.climbing)
        else:
            count = rng.choice(draws.staying)
        counts[year] = min(count, draws.most)
    return counts


def _year_plan(
    year: int, status: str, achieved: int, failing: int, ocop_from, shape: Shape, rng
) -> YearPlan:
    worked_on = min(achieved + 1, shape.top)
    missing = 0
    if status == Status.DRAFT:
        missing = min(rng.choice(MISSING_DRAWS), len(shape.missable[worked_on]))
    if achieved < shape.top:
        failing = min(failing, len(shape.failable[worked_on]) - missing)
    has_product = ocop_from is not None and ocop_from <= year
    forced = 0 if has_product else len(shape.derived_only[worked_on])
    return YearPlan(
        year=year,
        status=status,
        achieved=achieved,
        level=achieved - 1 if achieved == shape.top and missing else achieved,
        worked_on=worked_on,
        failing=failing,
        forced=forced,
        missing=missing,
        met=shape.total(worked_on) - failing - forced - missing,
    )


# --------------------------------------------------------------------------- thresholds


def _demo_value(indicator: Indicator, config: DemoProvince, year: int) -> Decimal:
    advanced = indicator.criterion.level.code != "standard"
    code = indicator.measure.code
    if code == INCOME_MEASURE:
        standard = config.income_2021 + config.income_rise * (year - YEARS[0])
        return (
            (standard * ADVANCED_INCOME_FACTOR).quantize(Decimal("0.1")) if advanced else standard
        )
    if code == POVERTY_MEASURE:
        return config.poverty[int(advanced)]
    pair = DEMO_THRESHOLDS.get(code) or DEFAULT_THRESHOLDS[indicator.comparison]
    return Decimal(pair[advanced])


def _covers(threshold: Threshold, province: Province, year: int) -> bool:
    in_force = (threshold.first_year or year) <= year <= (threshold.last_year or year)
    where = {
        Threshold.Scope.NATIONAL: True,
        Threshold.Scope.CLASS: threshold.class_value == province.region.code,
        Threshold.Scope.PROVINCE: threshold.province_id == province.pk,
    }
    return in_force and where[threshold.scope]


def _uncovered_years(indicator: Indicator, province: Province) -> list[int]:
    # Demo rows (an earlier run's) do not count: only a value someone configured does.
    thresholds = [t for t in indicator.thresholds.all() if not t.demo]
    return [y for y in YEARS if not any(_covers(t, province, y) for t in thresholds)]


def _runs(pairs: list[tuple[int, Decimal]]) -> list[tuple[int, int, Decimal]]:
    """Consecutive years with the same value, as (first, last, value)."""
    runs: list[tuple[int, int, Decimal]] = []
    for year, value in pairs:
        if runs and runs[-1][1] == year - 1 and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], year, value)
        else:
            runs.append((year, year, value))
    return runs


def threshold_source(config: DemoProvince) -> str:
    return (
        f"Giá trị minh họa (demo) cho tỉnh {config.name}, không phải số liệu pháp lý / "
        f"Illustrative demo value for {config.name}, not a legal figure"
    )


def _province_thresholds(
    indicators: list[Indicator], config: DemoProvince, province: Province
) -> list[Threshold]:
    rows = []
    for indicator in indicators:
        pairs = [
            (y, _demo_value(indicator, config, y)) for y in _uncovered_years(indicator, province)
        ]
        rows += [
            Threshold(
                indicator=indicator,
                scope=Threshold.Scope.PROVINCE,
                province=province,
                value=value,
                first_year=first,
                last_year=last,
                source=threshold_source(config),
                verified=False,
                demo=True,
            )
            for first, last, value in _runs(pairs)
        ]
    return rows


def demo_thresholds(plan: DemoPlan) -> list[Threshold]:
    """Province-scope demo values for the years in which a numeric indicator has no
    configured (non-demo) threshold in force for the province: nationally, for its region or
    for itself."""
    indicators = list(
        Indicator.objects.filter(criterion__level__criteria_set=plan.criteria_set)
        .exclude(comparison=Indicator.Comparison.TRUE)
        .select_related("measure", "criterion__level")
        .prefetch_related("thresholds")
        .order_by("criterion__level__rank", "criterion__order", "order", "code")
    )
    rows = []
    for province_plan in plan.provinces:
        rows += _province_thresholds(indicators, province_plan.config, province_plan.province)
    return rows


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Verdict:
    """What an indicator must come out as: the value is generated to satisfy every verdict."""

    comparison: scoring.Comparison
    threshold: Decimal | None
    passes: bool


@dataclass(frozen=True)
class Orders:
    """A commune's own order of trouble, fixed across years so that the criteria it fails
    in a later year are among those it failed before."""

    failing: dict[int, tuple[str, ...]]
    missing: dict[int, tuple[str, ...]]
    indicators: dict[tuple[int, str], tuple[scoring.IndicatorRule, ...]]


def _weighted_order(codes: tuple[str, ...], weights: dict[str, int], rng) -> tuple[str, ...]:
    # Efraimidis-Spirakis: a random order in which heavier items tend to come first.
    keys = {code: rng.random() ** (1 / weights.get(code, 1)) for code in codes}
    return tuple(sorted(codes, key=lambda code: (-keys[code], code)))


def _orders(shape: Shape, commune: Commune) -> Orders:
    rng = random.Random(f"{SEED}:{commune.code}:orders")
    failing, missing, indicators = {}, {}, {}
    for step in shape.steps:
        weights = HARDER.get(shape.code(step), {})
        failing[step] = _weighted_order(shape.failable[step], weights, rng)
        missing[step] = tuple(rng.sample(shape.missable[step], len(shape.missable[step])))
        for criterion in shape.criteria(step):
            ordered = sorted(criterion.indicators, key=lambda i: i.code)
            indicators[step, criterion.code] = tuple(rng.sample(ordered, len(ordered)))
    return Orders(failing, missing, indicators)


# The smallest difference between two generated values: counts and m² per person are whole.
GRAIN = {Measure.ValueType.NUMBER: Decimal(1)}
DECIMAL_GRAIN = Decimal("0.1")


def _lowest_ceiling(high: Decimal | None, value: Decimal) -> Decimal:
    return value if high is None else min(high, value)


def _bounds(value_type: str, verdicts: list[Verdict], grain: Decimal):
    """The closed interval of values satisfying every verdict (high None: no upper bound)."""
    low = Decimal(0)
    high = Decimal(100) if value_type == Measure.ValueType.PERCENT else None
    for v in verdicts:
        t = v.threshold
        if v.comparison == scoring.Comparison.LTE and v.passes:
            high = _lowest_ceiling(high, t)
        elif v.comparison == scoring.Comparison.LTE:
            low = max(low, t + grain)
        elif v.passes:
            low = max(low, t)
            if v.comparison == scoring.Comparison.EQ:
                high = _lowest_ceiling(high, t)
        else:
            high = _lowest_ceiling(high, t - grain)  # a failed "equal" falls just below
    return low, high


def _whole_grains(low: Decimal, high: Decimal | None, grain: Decimal):
    first = int((low / grain).to_integral_value(rounding=ROUND_CEILING))
    last = None if high is None else int((high / grain).to_integral_value(rounding=ROUND_FLOOR))
    return first, last


def _feasible(value_type: str, verdicts: list[Verdict]) -> bool:
    if value_type == Measure.ValueType.BOOL:
        return len({v.passes for v in verdicts}) <= 1
    grain = GRAIN.get(value_type, DECIMAL_GRAIN)
    first, last = _whole_grains(*_bounds(value_type, verdicts, grain), grain)
    return last is None or first <= last


def _near_top(verdicts: list[Verdict]) -> bool:
    """Whether the value should sit just under its ceiling (a failed "at least", or only
    "at most" verdicts) rather than just over its floor."""
    failed = [v for v in verdicts if not v.passes]
    if failed:
        return failed[0].comparison != scoring.Comparison.LTE
    return bool(verdicts) and all(v.comparison == scoring.Comparison.LTE for v in verdicts)


def _width(value_type: str, low: Decimal, grain: Decimal) -> int:
    """How far from its threshold a value may wander, in grains."""
    if value_type == Measure.ValueType.MONEY and low > 0:
        return max(1, int(low * Decimal("0.15") / grain))
    return 3 if value_type == Measure.ValueType.NUMBER else 150


def _number(measure: Measure, verdicts: list[Verdict], rng) -> Decimal:
    grain = GRAIN.get(measure.value_type, DECIMAL_GRAIN)
    low, high = _bounds(measure.value_type, verdicts, grain)
    first, last = _whole_grains(low, high, grain)
    width = _width(measure.value_type, low, grain)
    if _near_top(verdicts):
        first = max(first, last - width)
    else:
        last = first + width if last is None else min(last, first + width)
    if last < first:
        raise DemoError(f"no value of {measure.code} satisfies {verdicts}")
    return Decimal(rng.randint(first, last)) * grain


class ValueMaker:
    """Generates one assessment's values so that scoring gives its YearPlan's outcome."""

    def __init__(self, plan: DemoPlan):
        self.shape = Shape(plan.criteria_set)  # read again: it now holds the demo thresholds
        self._thresholds: dict[tuple, dict] = {}

    def thresholds(self, subject: scoring.Subject) -> dict[tuple[int, str], Decimal | None]:
        key = (subject.year, subject.province, subject.class_value)
        if key not in self._thresholds:
            self._thresholds[key] = {
                (u.step, u.indicator.code): self._resolve(u, subject)
                for uses in self.shape.uses.values()
                for u in uses
            }
        return self._thresholds[key]

    def _resolve(self, use: Use, subject: scoring.Subject) -> Decimal | None:
        if use.indicator.comparison == scoring.Comparison.TRUE:
            return None
        level = self.shape.code(use.step)
        found = scoring.resolve_threshold(self.shape.rules, level, use.indicator, subject)
        return found.value if found else None

    def values(
        self, cp: CommunePlan, yp: YearPlan, orders: Orders, subject: scoring.Subject
    ) -> dict:
        """{measure code: raw value as an officer would submit it} (missing ones absent)."""
        thresholds = self.thresholds(subject)
        verdicts = self._required(yp, thresholds, subject)
        missing = self._missing(cp, yp, orders)
        self._fail(cp, yp, orders, verdicts, missing)
        rng = random.Random(f"{SEED}:{cp.commune.code}:{yp.year}")
        return {
            code: self._raw(cp, measure, verdicts, thresholds, rng)
            for code, measure in self.shape.measures.items()
            if self.shape.entered(code) and code not in missing
        }

    def _required(self, yp: YearPlan, thresholds: dict, subject: scoring.Subject) -> dict:
        """Every indicator up to the level worked on passes, unless chosen to fail below."""
        verdicts = {}
        for uses in self.shape.uses.values():
            for u in uses:
                if u.step > yp.worked_on or not self.shape.entered(u.indicator.measure):
                    continue
                threshold = thresholds[u.step, u.indicator.code]
                if threshold is None and u.indicator.comparison != scoring.Comparison.TRUE:
                    raise DemoError(f"{u.indicator.code} has no threshold for {subject}")
                verdicts[u.step, u.indicator.code] = Verdict(
                    u.indicator.comparison, threshold, True
                )
        return verdicts

    def _missing(self, cp: CommunePlan, yp: YearPlan, orders: Orders) -> set[str]:
        step = yp.worked_on
        chosen = orders.missing[step][: yp.missing]
        by_code = {c.code: c for c in self.shape.criteria(step)}
        return {
            next(m for m in self.shape.lone_measures(step, by_code[code]) if self._may_empty(cp, m))
            for code in chosen
        }

    def _may_empty(self, cp: CommunePlan, measure: str) -> bool:
        return not (cp.not_applicable and self.shape.measures[measure].allows_not_applicable)

    def _fail(self, cp, yp: YearPlan, orders: Orders, verdicts: dict, missing: set) -> None:
        step, done = yp.worked_on, 0
        emptied = set(orders.missing[step][: yp.missing])
        for code in orders.failing[step]:
            if done == yp.failing:
                return
            if code not in emptied and self._fail_one(cp, step, code, orders, verdicts, missing):
                done += 1
        if done < yp.failing:
            raise DemoError(f"{cp.commune.code} {yp.year}: cannot fail {yp.failing} criteria")

    def _fail_one(self, cp, step: int, code: str, orders, verdicts: dict, missing: set) -> bool:
        for indicator in orders.indicators[step, code]:
            measure = indicator.measure
            if not self.shape.entered(measure) or measure in missing:
                continue
            if not self._may_empty(cp, measure):
                continue  # marked not applicable: it passes whatever happens
            key = (step, indicator.code)
            trial = {**verdicts, key: Verdict(indicator.comparison, verdicts[key].threshold, False)}
            if _feasible(self.shape.measures[measure].value_type, self._of(measure, trial)):
                verdicts[key] = trial[key]
                return True
        return False

    def _of(self, measure: str, verdicts: dict) -> list[Verdict]:
        keys = [(u.step, u.indicator.code) for u in self.shape.uses[measure]]
        return [verdicts[key] for key in keys if key in verdicts]

    def _raw(self, cp: CommunePlan, measure: Measure, verdicts, thresholds, rng):
        mine = self._of(measure.code, verdicts)
        if measure.allows_not_applicable and cp.not_applicable and all(v.passes for v in mine):
            return {"not_applicable": True, "note": NOT_APPLICABLE_NOTE}
        if not mine:
            mine = [self._loose(measure.code, thresholds, rng)]
        if measure.value_type == Measure.ValueType.BOOL:
            return all(v.passes for v in mine)
        return _number(measure, mine, rng)

    def _loose(self, measure: str, thresholds: dict, rng) -> Verdict:
        """A measure only higher levels use: pass or fail its lowest indicator at random."""
        use = min(self.shape.uses[measure], key=lambda u: u.step)
        threshold = thresholds[use.step, use.indicator.code]
        unconfigured = threshold is None and use.indicator.comparison != scoring.Comparison.TRUE
        passes = unconfigured or rng.random() < 0.5
        return Verdict(use.indicator.comparison, Decimal(0) if unconfigured else threshold, passes)


# --------------------------------------------------------------------------- recognitions


def _level_objects(plan: DemoPlan) -> dict[int, Level]:
    by_code = {level.code: level for level in plan.criteria_set.levels.all()}
    return {step: by_code[plan.shape.code(step)] for step in plan.shape.steps}


def _decision(number: int, issuer_code: str = "QĐ-UBND") -> str:
    return f"{DECISION_PREFIX}{number:04d}/{issuer_code}"


def _first_recognised_year(cp: CommunePlan, step: int) -> int | None:
    return next(
        (
            year
            for year, yp in sorted(cp.years.items())
            if yp.status == Status.APPROVED and yp.level >= step
        ),
        None,
    )


def _titles(pp: ProvincePlan, steps: range) -> list[tuple[int, int, str, CommunePlan]]:
    """(title year, level, commune code, plan) for each level a commune reached in an
    approved year, at the first such year."""
    titles = []
    for cp in pp.communes:
        if cp.role == ELIGIBLE_NOT_RECOGNISED:
            continue  # deliberately left out: eligible, not (yet) recognised
        for step in steps:
            year = _first_recognised_year(cp, step)
            if year is not None:
                titles.append((year, step, cp.commune.code, cp))
    return sorted(titles, key=lambda t: t[:3])


def _commune_recognitions(pp: ProvincePlan, index: int, levels: dict) -> list[Recognition]:
    """One decision per title year and level, recognising all its communes, dated in the
    first half of the following year (as in Quảng Trị 1161/QĐ-UBND, notes §5)."""
    day = 10 + 5 * index
    numbers: dict[tuple[int, int], str] = {}
    rows = []
    for year, step, _code, cp in _titles(pp, range(STANDARD, MODEL + 1)):
        number = numbers.setdefault((year, step), _decision(len(numbers) + 1))
        rows.append(
            Recognition(
                commune=cp.commune,
                level=levels[step],
                title_year=year,
                decision_number=number,
                decision_date=datetime.date(year + 1, 2 + step, day),
                issuer=f"UBND tỉnh {pp.config.name}",
            )
        )
    _revoke(pp, rows, _decision(len(numbers) + 1), day)
    return rows


def _revoke(pp: ProvincePlan, rows: list[Recognition], number: str, day: int) -> None:
    """The commune that fell back loses its title once that year's results are approved."""
    fell = {cp.commune.pk for cp in pp.communes if cp.role == REVOKED}
    for row in rows:
        if row.commune.pk in fell:
            row.revoked_date = datetime.date(FELL_BACK_IN + 1, 6, day)
            row.revoked_decision = number
            row.revoked_reason = (
                f"Minh họa (demo): từ năm {FELL_BACK_IN} xã không còn đáp ứng đầy đủ Bộ tiêu "
                f"chí xã nông thôn mới / Demo: since {FELL_BACK_IN} the commune no longer fully "
                "meets the new rural commune criteria"
            )


def _district_year(communes: list[CommunePlan]) -> int | None:
    """First approved year in which every rural commune of the district met the standard and
    at least 10% were advanced (the commune conditions of Decision 320; its district
    criteria are not modelled)."""
    for year in YEARS:
        plans = [cp.years.get(year) for cp in communes]
        if not all(yp and yp.status == Status.APPROVED and yp.level >= STANDARD for yp in plans):
            continue
        if 10 * sum(yp.level >= ADVANCED for yp in plans) >= len(plans):
            return year
    return None


def _district_recognitions(plan: DemoPlan, level: Level) -> list[Recognition]:
    """Rural districts (huyện) recognised by the Prime Minister (notes §5); towns and cities
    "complete the NTM task" instead, which is another title."""
    found = []
    for pp in plan.provinces:
        by_district = defaultdict(list)
        for cp in pp.communes:
            if cp.commune.district and cp.commune.district.kind == District.Kind.HUYEN:
                by_district[cp.commune.district].append(cp)
        for district, communes in by_district.items():
            year = _district_year(communes)
            if year is not None:
                found.append((year, district.code, district))
    return [
        Recognition(
            district=district,
            level=level,
            title_year=year,
            decision_number=_decision(number, "QĐ-TTg"),
            decision_date=datetime.date(year + 1, 6, 25),
            issuer="Thủ tướng Chính phủ",
        )
        for number, (year, _code, district) in enumerate(sorted(found, key=lambda f: f[:2]), 1)
    ]


# --------------------------------------------------------------------------- targets


def _target_source(config: DemoProvince, what_vi: str, what_en: str) -> str:
    return (
        f"{TARGET_MARK}: Quyết định 263/QĐ-TTg ngày 22/02/2022, {what_vi}; áp dụng cho tỉnh "
        f"{config.name} để minh họa / Demo: Decision 263/QĐ-TTg of 22/02/2022, {what_en}; "
        f"applied to {config.name} as an illustration"
    )


def _target_texts(region, share: int) -> tuple[tuple[int, int, str, str], ...]:
    """(level, percent, what in Vietnamese, what in English) of the three 2025 targets."""
    return (
        (
            STANDARD,
            share,
            f"mục tiêu vùng {region.name_vi}: {share}% số xã đạt chuẩn nông thôn mới đến năm 2025",
            f"{region.name_en} target: {share}% of communes meeting the new rural standard by 2025",
        ),
        (
            ADVANCED,
            ADVANCED_TARGET_2025,
            f"mục tiêu cả nước: khoảng {ADVANCED_TARGET_2025}% số xã đạt chuẩn nông thôn mới "
            "nâng cao",
            f"national target: about {ADVANCED_TARGET_2025}% of communes advanced",
        ),
        (
            MODEL,
            MODEL_TARGET_2025,
            f"mục tiêu cả nước: ít nhất {MODEL_TARGET_2025}% số xã đạt chuẩn nông thôn mới "
            "kiểu mẫu",
            f"national target: at least {MODEL_TARGET_2025}% of communes model",
        ),
    )


def _targets(plan: DemoPlan, levels: dict[int, Level]) -> list[Target]:
    rows = []
    for pp in plan.provinces:
        region = pp.province.region
        share = STANDARD_TARGET_2025.get(region.code)
        if share is None:
            raise DemoError(f"No Decision 263 target is known for the region {region.code}.")
        rows += [
            Target(
                province=pp.province,
                year=YEARS[-1],
                level=levels[step],
                percent=Decimal(percent),
                source=_target_source(pp.config, what_vi, what_en),
            )
            for step, percent, what_vi, what_en in _target_texts(region, share)
        ]
    return rows


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class Written:
    thresholds: int
    assessments: int
    values: int
    recognitions: int
    district_recognitions: int
    targets: int


def demo_assessments(plan: DemoPlan):
    return Assessment.objects.filter(
        criteria_set=plan.criteria_set,
        commune__province__in=[pp.province for pp in plan.provinces],
        year__in=YEARS,
    )


def _clear(plan: DemoPlan) -> None:
    """Remove what an earlier run wrote, and nothing else."""
    provinces = [pp.province for pp in plan.provinces]
    Recognition.objects.filter(decision_number__startswith=DECISION_PREFIX).filter(
        Q(commune__province__in=provinces) | Q(district__province__in=provinces)
    ).delete()
    Target.objects.filter(province__in=provinces, source__startswith=TARGET_MARK).delete()
    assessments = demo_assessments(plan)
    # The values in one statement first: the cascade would load them all into memory.
    AssessmentValue.objects.filter(assessment__in=assessments).delete()
    assessments.delete()
    Threshold.objects.filter(
        demo=True,
        province__in=provinces,
        indicator__criterion__level__criteria_set=plan.criteria_set,
    ).delete()


def _write_assessments(plan: DemoPlan) -> dict[tuple[int, int], int]:
    Assessment.objects.bulk_create(
        [
            Assessment(
                commune=cp.commune, year=year, criteria_set=plan.criteria_set, status=yp.status
            )
            for cp in plan.commune_plans()
            for year, yp in cp.years.items()
        ],
        batch_size=VALUE_BATCH,
    )
    rows = demo_assessments(plan).values_list("commune_id", "year", "pk")
    return {(commune_id, year): pk for commune_id, year, pk in rows}


def _classes(plan: DemoPlan) -> dict[tuple[int, int], str]:
    communes = [cp.commune for cp in plan.commune_plans()]
    return {
        (commune_id, year): class_value
        for year in YEARS
        for commune_id, class_value in selectors.classes_for(
            communes, plan.criteria_set, year
        ).items()
    }


def _value_rows(plan: DemoPlan, ids: dict[tuple[int, int], int]) -> list[AssessmentValue]:
    maker = ValueMaker(plan)
    classes = _classes(plan)
    rows = []
    for cp in plan.commune_plans():
        orders = _orders(maker.shape, cp.commune)
        for year, yp in cp.years.items():
            subject = scoring.Subject(year, cp.commune.province.code, classes[cp.commune.pk, year])
            raw = maker.values(cp, yp, orders, subject)
            rows += _parsed_rows(maker.shape, ids[cp.commune.pk, year], raw)
    return rows


def _parsed_rows(shape: Shape, assessment_id: int, raw: dict) -> list[AssessmentValue]:
    # Through the officers' own parser: a demo value the portal would refuse is a bug here.
    rows = []
    for code, value in raw.items():
        parsed = services.parse_value(shape.measures[code], value)
        rows.append(
            AssessmentValue(
                assessment_id=assessment_id,
                measure=shape.measures[code],
                number=parsed.number,
                flag=parsed.flag,
                not_applicable=parsed.not_applicable,
                note=parsed.note,
            )
        )
    return rows


@transaction.atomic
def write(plan: DemoPlan) -> Written:
    """Replace the demo data with the plan's: thresholds, assessments with their values and
    statuses, recognitions and targets. Unscored: call ``score`` after any derived data
    (OCOP products) the plan needs is in place."""
    _clear(plan)
    thresholds = Threshold.objects.bulk_create(demo_thresholds(plan))
    ids = _write_assessments(plan)
    values = AssessmentValue.objects.bulk_create(_value_rows(plan, ids), batch_size=VALUE_BATCH)
    levels = _level_objects(plan)
    communes = [
        r for i, pp in enumerate(plan.provinces) for r in _commune_recognitions(pp, i, levels)
    ]
    districts = _district_recognitions(plan, levels[STANDARD])
    Recognition.objects.bulk_create(communes + districts)
    targets = Target.objects.bulk_create(_targets(plan, levels))
    return Written(
        thresholds=len(thresholds),
        assessments=len(ids),
        values=len(values),
        recognitions=len(communes),
        district_recognitions=len(districts),
        targets=len(targets),
    )


@transaction.atomic
def score(plan: DemoPlan) -> int:
    """Score the demo assessments in batches with the service every entry point uses."""
    ids = list(demo_assessments(plan).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), SCORING_BATCH):
        batch = selectors.assessments_for_scoring(ids[start : start + SCORING_BATCH])
        services.rescore_many(list(batch))
    return len(ids)


# --------------------------------------------------------------------------- reading back


@dataclass
class YearCounts:
    levels: Counter
    statuses: Counter

    @property
    def assessed(self) -> int:
        return sum(self.statuses.values())


def year_counts(plan: DemoPlan) -> dict[tuple[str, int], YearCounts]:
    """{(province code, year): assessments by computed level and by status}, in one query."""
    counts = {
        (pp.province.code, year): YearCounts(Counter(), Counter())
        for pp in plan.provinces
        for year in YEARS
    }
    rows = (
        demo_assessments(plan)
        .values_list("commune__province__code", "year", "level", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for province, year, level, status, n in rows:
        counts[province, year].levels[level] += n
        counts[province, year].statuses[status] += n
    return counts


def below_plan(plan: DemoPlan) -> int:
    """Assessments scoring below their planned level: those still waiting for the OCOP
    products ``ocop_needs`` lists (advanced 13.2 is derived, not entered)."""
    planned = {
        (cp.commune.pk, year): plan.shape.code(yp.level)
        for cp in plan.commune_plans()
        for year, yp in cp.years.items()
    }
    rows = demo_assessments(plan).values_list("commune_id", "year", "level")
    return sum(level != planned[commune_id, year] for commune_id, year, level in rows)
