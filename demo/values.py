"""The demo's values: for each planned assessment, the values an officer would enter so that
scoring gives exactly the planned outcome (the level, the criteria failed, those left incomplete
by a missing value), judged against the thresholds in force, demo ones included."""

import random
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from communes.models import Commune
from criteria import scoring, selectors
from criteria.models import Measure
from criteria.services.values import NewAssessment
from demo.plan import (
    HARDER,
    NOT_APPLICABLE_NOTE,
    SEED,
    YEARS,
    CommunePlan,
    DemoError,
    DemoPlan,
    Shape,
    Use,
    YearPlan,
)


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
GRAIN = {Measure.ValueType.NUMBER: Decimal(1), Measure.ValueType.COUNT: Decimal(1)}
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
    return 3 if value_type in (Measure.ValueType.NUMBER, Measure.ValueType.COUNT) else 150


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


def _classes(plan: DemoPlan) -> dict[tuple[int, int], str]:
    communes = [cp.commune for cp in plan.commune_plans()]
    return {
        (commune_id, year): class_value
        for year in YEARS
        for commune_id, class_value in selectors.classes_for(
            communes, plan.criteria_set, year
        ).items()
    }


def entries(plan: DemoPlan) -> list[NewAssessment]:
    """Every planned assessment with its values, as criteria.services.create_assessments takes
    them. Call after the demo thresholds are written: the values are generated against them."""
    maker = ValueMaker(plan)
    classes = _classes(plan)
    found = []
    for cp in plan.commune_plans():
        orders = _orders(maker.shape, cp.commune)
        for year, yp in cp.years.items():
            subject = scoring.Subject(year, cp.commune.province.code, classes[cp.commune.pk, year])
            values = maker.values(cp, yp, orders, subject)
            found.append(NewAssessment(commune=cp.commune, year=year, values=values))
    return found
