"""The demo's plan: three provinces' rural communes assessed 2021-2025 against the real
2021-2025 set, decided before any value exists.

Nothing here is a real figure. A deterministic plan decides, for every commune and year, the
level the values must produce, the assessment's status, and how many criteria of the level
being worked on fail or miss a value (`build_plan`). demo/thresholds.py and demo/values.py then
generate the values that produce exactly that, demo/records.py the recognitions and targets
that follow from it, and demo/seeding.py writes them all through the criteria services. Every
random choice comes from a random.Random seeded with a province or commune code, never from
the clock.

Advanced criterion 13 is derived from the OCOP registry and cannot be entered: `ocop_needs`
says which communes need a certified product from which year for the plan's levels to hold.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from communes.models import Commune, Province
from criteria import scoring, selectors
from criteria.models import Assessment, CriteriaSet, Measure

SET_CODE = "NTM-2021-2025"
STRUCTURE = "2021"
YEARS = tuple(range(2021, 2026))
LADDER = ("standard", "advanced", "model")
NONE, STANDARD, ADVANCED, MODEL = range(4)
SEED = "ntm-portal-demo-1"

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
