"""Scoring engine: judge one commune's values for one year against a criteria set.

The rules (DESIGN.md, "Scoring"), for any criteria set:

- Threshold: among an indicator's thresholds in force that year, the most specific scope wins
  (province > class > national); within one scope the latest ``first_year`` wins (an open start
  counts as earliest) and equal ones go to the first declared. A relative threshold is
  ``factor`` x the referenced indicator's threshold, resolved the same way.
- Indicator: "not applicable" passes; TRUE needs ``True``; otherwise no threshold is
  NOT_CONFIGURED, no value is MISSING, else the value is compared with the threshold.
- Criterion: a failed indicator makes it NOT_MET; otherwise missing data, an unconfigured
  threshold or no indicators at all make it INCOMPLETE (never a vacuous pass). A
  ``requires_level`` criterion follows that lower level.
- Level: each level has a rule kind (``LevelRule.rule``), its numbers left to the data.
  - "all" (every level of 2021-2025, the 2026-2030 commune levels): met when all its criteria
    are met; NOT_MET once a criterion is not met; otherwise INCOMPLETE.
  - "share" (Decision 51/2025/QĐ-TTg, Annex III condition 3: a ward or special zone meets "at
    least 70% of the criterion contents", six of them mandatory): the level's *contents* are
    the indicators of its criteria without ``requires_level``; a ``requires_level`` criterion
    is a gate outside the count, which must be met. With ``n`` contents, ``p`` passed (pass or
    not applicable, as everywhere) and ``u`` open (missing value or unconfigured threshold:
    not passed, not failed), in this order:
    1. the rule cannot be applied (share not in (0, 1], a mandatory code that is no content
       of the level: ``rule_problems``): INCOMPLETE, with the reason in ``problem``;
    2. a mandatory content failed, or a gate is not met: NOT_MET, whatever the share;
    3. a criterion without indicators (not defined yet, so ``n`` is not known), or no
       contents at all: INCOMPLETE (never a vacuous pass);
    4. ``p + u < share x n``: NOT_MET (the share is out of reach even if every open one
       passes);
    5. ``p >= share x n``, every mandatory content passed and every gate met: MET, even with
       other contents still open (they cannot undo it; ``complete`` stays false);
    6. otherwise INCOMPLETE (the share needs open contents, or a mandatory one is open).
    Counting is exact (``p >= share x n`` in decimals): 7 of 10 meets 0.70, 32 of 47 does not.
  Each criterion keeps its own status (the headline "criteria met" is unchanged).
- Ladder: the commune's level is the highest level met with every lower level met; the next
  level is the lowest not met, and its gap lists the indicators there that did not pass.

Pure: no Django, no I/O. The ORM layer builds these data classes from the loaded criteria set.
"""

import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

NO_LEVEL = "none"


class RuleError(ValueError):
    """A rule of the set that cannot be applied as it stands (relative thresholds in a cycle,
    a reference to an indicator that does not exist or has no number). ``score`` reports it
    on the indicator's result (not configured, with the reason) and never raises it."""


class Comparison(StrEnum):
    GTE = ">="
    LTE = "<="
    EQ = "=="
    TRUE = "true"


class Scope(StrEnum):
    NATIONAL = "national"
    CLASS = "class"
    PROVINCE = "province"


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    MISSING = "missing"
    NOT_APPLICABLE = "not_applicable"
    NOT_CONFIGURED = "not_configured"


class CriterionStatus(StrEnum):
    """The status of a criterion, and of a level (LevelResult.status)."""

    MET = "met"
    NOT_MET = "not_met"
    INCOMPLETE = "incomplete"


class LevelRuleKind(StrEnum):
    ALL = "all"  # every criterion met
    SHARE = "share"  # a share of the level's indicators passed, a mandatory subset among them


# ---------------------------------------------------------------------------------------------
# Rules (input)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThresholdRule:
    """One threshold row. With neither ``value`` nor ``relative_to`` it is declared but not yet
    set (e.g. "set by the province"): it still wins its scope and resolves to unconfigured."""

    scope: Scope
    scope_value: str = ""
    value: Decimal | None = None
    first_year: int | None = None
    last_year: int | None = None
    relative_to: tuple[str, str] | None = None
    factor: Decimal | None = None
    verified: bool = False
    source: str = ""
    demo: bool = False  # an illustrative value for a demo, never a legal one

    def __post_init__(self) -> None:
        if self.value is not None and self.relative_to is not None:
            raise ValueError("a threshold is absolute (value) or relative (relative_to), not both")
        if (self.relative_to is None) != (self.factor is None):
            raise ValueError("a relative threshold needs both relative_to and factor")
        if _ends_before_start(self.first_year, self.last_year):
            raise ValueError(f"threshold years out of order: {self.first_year}-{self.last_year}")

    def in_force(self, year: int) -> bool:
        starts = self.first_year is None or self.first_year <= year
        return starts and (self.last_year is None or year <= self.last_year)

    @property
    def declared_only(self) -> bool:
        return self.value is None and self.relative_to is None


def _ends_before_start(first_year: int | None, last_year: int | None) -> bool:
    return first_year is not None and last_year is not None and last_year < first_year


@dataclass(frozen=True)
class IndicatorRule:
    code: str
    measure: str
    comparison: Comparison
    thresholds: tuple[ThresholdRule, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class CriterionRule:
    code: str
    indicators: tuple[IndicatorRule, ...] = ()
    requires_level: str | None = None
    name: str = ""


@dataclass(frozen=True)
class LevelRule:
    """A level and how it is met (module docstring). ``share`` (e.g. 0.70) and ``mandatory``
    (codes of the level's own indicators) belong to the "share" rule only; inconsistent values
    are reported by rule_problems, never raised."""

    code: str
    rank: int
    criteria: tuple[CriterionRule, ...] = ()
    rule: LevelRuleKind = LevelRuleKind.ALL
    share: Decimal | None = None
    mandatory: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    code: str
    levels: tuple[LevelRule, ...]


def ruleset_as_data(rules: RuleSet) -> dict:
    """The rules as JSON-ready data (numbers as strings, no float rounding): what an edition
    keeps of the rules it published, read back by ruleset_from_data."""
    return {
        "code": rules.code,
        "levels": [
            {
                "code": level.code,
                "rank": level.rank,
                "rule": LevelRuleKind(level.rule).value,
                "share": None if level.share is None else str(level.share),
                "mandatory": list(level.mandatory),
                "criteria": [_criterion_data(c) for c in level.criteria],
            }
            for level in rules.levels
        ],
    }


def _criterion_data(criterion: CriterionRule) -> dict:
    return {
        "code": criterion.code,
        "name": criterion.name,
        "requires_level": criterion.requires_level,
        "indicators": [
            {
                "code": i.code,
                "measure": i.measure,
                "comparison": i.comparison.value,
                "name": i.name,
                "thresholds": [_threshold_data(t) for t in i.thresholds],
            }
            for i in criterion.indicators
        ],
    }


def _threshold_data(rule: ThresholdRule) -> dict:
    return {
        "scope": rule.scope.value,
        "scope_value": rule.scope_value,
        "value": None if rule.value is None else str(rule.value),
        "first_year": rule.first_year,
        "last_year": rule.last_year,
        "relative_to": list(rule.relative_to) if rule.relative_to else None,
        "factor": None if rule.factor is None else str(rule.factor),
        "verified": rule.verified,
        "source": rule.source,
        "demo": rule.demo,
    }


def ruleset_from_data(data: dict) -> RuleSet:
    return RuleSet(code=data["code"], levels=tuple(_level_from_data(lv) for lv in data["levels"]))


def _level_from_data(data: dict) -> LevelRule:
    # Editions published before levels had rule kinds keep no "rule": theirs was "all".
    share = data.get("share")
    return LevelRule(
        code=data["code"],
        rank=data["rank"],
        criteria=tuple(_criterion_from_data(c) for c in data["criteria"]),
        rule=LevelRuleKind(data.get("rule", LevelRuleKind.ALL)),
        share=None if share is None else Decimal(share),
        mandatory=tuple(data.get("mandatory", ())),
    )


def _criterion_from_data(data: dict) -> CriterionRule:
    return CriterionRule(
        code=data["code"],
        name=data["name"],
        requires_level=data["requires_level"],
        indicators=tuple(
            IndicatorRule(
                code=i["code"],
                measure=i["measure"],
                comparison=Comparison(i["comparison"]),
                name=i["name"],
                thresholds=tuple(_threshold_from_data(t) for t in i["thresholds"]),
            )
            for i in data["indicators"]
        ),
    )


def _threshold_from_data(data: dict) -> ThresholdRule:
    def number(key: str) -> Decimal | None:
        return None if data[key] is None else Decimal(data[key])

    return ThresholdRule(
        scope=Scope(data["scope"]),
        scope_value=data["scope_value"],
        value=number("value"),
        first_year=data["first_year"],
        last_year=data["last_year"],
        relative_to=tuple(data["relative_to"]) if data["relative_to"] else None,
        factor=number("factor"),
        verified=data["verified"],
        source=data["source"],
        demo=data["demo"],
    )


@dataclass(frozen=True)
class Subject:
    year: int
    province: str
    class_value: str = ""


@dataclass(frozen=True)
class MeasureValue:
    value: Decimal | bool | None = None
    not_applicable: bool = False
    note: str = ""


_ABSENT = MeasureValue()


def measure_value(value: Decimal | bool | None, not_applicable: bool, note: str) -> MeasureValue:
    """MeasureValue(value, not_applicable, note), built for reading a year's values (tens of
    thousands): without the frozen dataclass's field-by-field __init__ (see _built)."""
    return _built(MeasureValue, {"value": value, "not_applicable": not_applicable, "note": note})


# ---------------------------------------------------------------------------------------------
# Results (output)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedThreshold:
    value: Decimal
    scope: Scope
    scope_value: str
    verified: bool
    source: str
    relative_to: tuple[str, str] | None = None
    factor: Decimal | None = None
    demo: bool = False


@dataclass(frozen=True)
class IndicatorResult:
    level: str
    criterion: str
    code: str
    measure: str
    comparison: Comparison
    outcome: Outcome
    value: Decimal | bool | None
    threshold: ResolvedThreshold | None
    note: str = ""
    problem: str = ""  # why the threshold could not be applied (a RuleError), if so

    @property
    def passed(self) -> bool:
        return self.outcome in (Outcome.PASS, Outcome.NOT_APPLICABLE)


@dataclass(frozen=True)
class CriterionResult:
    level: str
    code: str
    status: CriterionStatus
    indicators: tuple[IndicatorResult, ...]

    @property
    def met(self) -> bool:
        return self.status == CriterionStatus.MET


@dataclass(frozen=True)
class LevelResult:
    code: str
    rank: int
    criteria: tuple[CriterionResult, ...]
    criteria_met: int
    criteria_total: int
    met: bool  # status == MET
    complete: bool  # no missing value, unconfigured threshold or undecided criterion
    uses_unverified: bool
    status: CriterionStatus
    rule: LevelRuleKind = LevelRuleKind.ALL
    share: Decimal | None = None
    # The level's contents (indicators of criteria without requires_level) that passed, of all.
    indicators_passed: int = 0
    indicators_total: int = 0
    problem: str = ""  # why a share rule could not be applied, if so


@dataclass(frozen=True)
class AssessmentResult:
    level: str
    levels: tuple[LevelResult, ...]
    next_level: str | None
    gap: tuple[IndicatorResult, ...]
    uses_unverified: bool

    def level_result(self, code: str) -> LevelResult:
        for level in self.levels:
            if level.code == code:
                return level
        raise KeyError(f"no level {code!r} in this assessment")

    def criteria_met(self, code: str) -> int:
        return self.level_result(code).criteria_met

    @property
    def stopped_for_missing_values(self) -> bool:
        """Whether values missing stopped the climb: the first level not met is undecided
        (incomplete), not failed. A missing value is missing, not failed."""
        stopped = next((level for level in self.levels if not level.met), None)
        return stopped is not None and stopped.status == CriterionStatus.INCOMPLETE

    @property
    def missing_measures(self) -> frozenset[str]:
        """The measures read without a value, each once, whatever the levels reading it."""
        return frozenset(
            indicator.measure
            for level in self.levels
            for criterion in level.criteria
            for indicator in criterion.indicators
            if indicator.outcome == Outcome.MISSING
        )


# ---------------------------------------------------------------------------------------------
# Threshold resolution
# ---------------------------------------------------------------------------------------------

_MOST_SPECIFIC_FIRST = (Scope.PROVINCE, Scope.CLASS, Scope.NATIONAL)


def _covers(rule: ThresholdRule, subject: Subject) -> bool:
    """Whether the rule's scope includes the subject (national covers everyone)."""
    if rule.scope == Scope.PROVINCE:
        return rule.scope_value == subject.province
    if rule.scope == Scope.CLASS:
        # A commune with no class yet must not pick up a class row with an empty scope_value.
        return bool(subject.class_value) and rule.scope_value == subject.class_value
    return True


def _latest(rules: list[ThresholdRule]) -> ThresholdRule:
    # Overlapping years mean an amendment: the newer rule applies. max() keeps the first of
    # equal keys, so a tie goes to declaration order and the choice stays deterministic.
    return max(rules, key=lambda r: (r.first_year is not None, r.first_year or 0))


def select_threshold(thresholds: Iterable[ThresholdRule], subject: Subject) -> ThresholdRule | None:
    """The threshold row that applies to the subject in its year, or None."""
    applicable = [r for r in thresholds if r.in_force(subject.year) and _covers(r, subject)]
    for scope in _MOST_SPECIFIC_FIRST:
        in_scope = [r for r in applicable if r.scope == scope]
        if in_scope:
            return _latest(in_scope)
    return None


def resolve_threshold(
    rules: RuleSet, level: str, indicator: IndicatorRule, subject: Subject
) -> ResolvedThreshold | None:
    """The threshold ``indicator`` (at ``level``) is judged against, or None if unconfigured."""
    return _resolve(rules, (level, indicator.code), indicator, subject, frozenset())


def _resolve(
    rules: RuleSet,
    key: tuple[str, str],
    indicator: IndicatorRule,
    subject: Subject,
    seen: frozenset[tuple[str, str]],
) -> ResolvedThreshold | None:
    if key in seen:
        raise RuleError(_cycle_message(rules, key))
    rule = select_threshold(indicator.thresholds, subject)
    if rule is None or rule.declared_only:
        return None
    if rule.relative_to is None:
        return _absolute(rule)
    return _relative(rules, rule, subject, seen | {key})


def _absolute(rule: ThresholdRule) -> ResolvedThreshold:
    assert rule.value is not None
    return ResolvedThreshold(
        value=Decimal(rule.value),
        scope=rule.scope,
        scope_value=rule.scope_value,
        verified=rule.verified,
        source=rule.source,
        demo=rule.demo,
    )


def _relative(
    rules: RuleSet, rule: ThresholdRule, subject: Subject, seen: frozenset[tuple[str, str]]
) -> ResolvedThreshold | None:
    assert rule.relative_to is not None and rule.factor is not None
    level, code = rule.relative_to
    referenced = find_indicator(rules, level, code)
    if referenced.comparison == Comparison.TRUE:
        raise RuleError(
            f"a threshold in {rules.code} is relative to {level} {code}, a yes/no indicator "
            "that has no number to scale"
        )
    base = _resolve(rules, (level, code), referenced, subject, seen)
    if base is None:
        return None
    return ResolvedThreshold(
        value=Decimal(rule.factor) * base.value,
        scope=rule.scope,
        scope_value=rule.scope_value,
        # A scaled figure is only as trustworthy as both the scaling and what it scales.
        verified=rule.verified and base.verified,
        source=rule.source,
        relative_to=(level, code),
        factor=rule.factor,
        demo=rule.demo or base.demo,
    )


def rule_problems(rules: RuleSet) -> list[str]:
    """Every rule of the set that can never be applied, whatever the commune and year: a
    relative threshold pointing to an indicator that does not exist, to a yes/no indicator, to
    itself, or into a cycle (through any of the referenced indicator's thresholds); a level
    whose rule kind does not fit its numbers (level_rule_problems). What an edit must not
    save, and what the report lists; scoring reports the same at the indicators or levels
    concerned."""
    edges: dict[tuple[str, str], set[tuple[str, str]]] = {}
    problems = []
    for level in rules.levels:
        for criterion in level.criteria:
            for indicator in criterion.indicators:
                key = (level.code, indicator.code)
                for rule in indicator.thresholds:
                    if rule.relative_to is None:
                        continue
                    try:
                        referenced = find_indicator(rules, *rule.relative_to)
                    except RuleError as error:
                        problems.append(str(error))
                        continue
                    if referenced.comparison == Comparison.TRUE:
                        problems.append(
                            f"{key[0]} {key[1]} is relative to {rule.relative_to[0]} "
                            f"{rule.relative_to[1]}, a yes/no indicator that has no number"
                        )
                    edges.setdefault(key, set()).add(rule.relative_to)
    problems += [_cycle_message(rules, key) for key in _in_cycles(edges)]
    return problems + [p for level in rules.levels for p in level_rule_problems(rules, level)]


def level_rule_problems(rules: RuleSet, level: LevelRule) -> list[str]:
    """Why the level's rule kind cannot be applied as its data stands: a share rule needs a
    share above 0 and at most 1, and its mandatory codes must be indicators of the level (not
    of a requires_level criterion); an "all" level takes neither a share nor mandatory ones."""
    where = f"{rules.code} level {level.code}"
    if level.rule == LevelRuleKind.ALL:
        stray = (("a share", level.share is not None), ("mandatory indicators", level.mandatory))
        return [
            f"{where} has {what}, which only a share rule takes; its rule is 'all'"
            for what, given in stray
            if given
        ]
    problems = []
    if level.share is None or not Decimal(0) < level.share <= Decimal(1):
        problems.append(
            f"{where}: the share rule needs a share above 0 and at most 1, not {level.share}"
        )
    contents = {i.code for i in _contents(level)}
    problems += [
        f"{where}: mandatory indicator {code!r} is not an indicator of the level"
        for code in dict.fromkeys(level.mandatory)
        if code not in contents
    ]
    if len(set(level.mandatory)) != len(level.mandatory):
        problems.append(f"{where}: a mandatory indicator is named twice")
    return problems


def _is_gate(criterion: CriterionRule) -> bool:
    return criterion.requires_level is not None


def _contents(level: LevelRule) -> list[IndicatorRule]:
    """What a share rule counts: the indicators of the level's criteria that are not gates."""
    return [i for c in level.criteria if not _is_gate(c) for i in c.indicators]


def _in_cycles(edges: dict[tuple[str, str], set[tuple[str, str]]]) -> list[tuple[str, str]]:
    """The indicators from which the references lead back to themselves."""

    def returns(start: tuple[str, str]) -> bool:
        seen, todo = set(), list(edges.get(start, ()))
        while todo:
            key = todo.pop()
            if key == start:
                return True
            if key not in seen:
                seen.add(key)
                todo.extend(edges.get(key, ()))
        return False

    return sorted(key for key in edges if returns(key))


def _cycle_message(rules: RuleSet, key: tuple[str, str]) -> str:
    return f"relative thresholds in {rules.code} form a cycle through {key}"


def find_indicator(rules: RuleSet, level: str, code: str) -> IndicatorRule:
    """The indicator ``code`` at ``level``; a dangling reference is a data error."""
    found = (
        indicator
        for level_rule in rules.levels
        if level_rule.code == level
        for criterion in level_rule.criteria
        for indicator in criterion.indicators
        if indicator.code == code
    )
    indicator = next(found, None)
    if indicator is None:
        raise RuleError(f"{rules.code} has no indicator {code!r} at level {level!r}")
    return indicator


# ---------------------------------------------------------------------------------------------
# Indicator outcome
# ---------------------------------------------------------------------------------------------

_COMPARE: dict[Comparison, Callable[[Decimal, Decimal], bool]] = {
    Comparison.GTE: operator.ge,
    Comparison.LTE: operator.le,
    Comparison.EQ: operator.eq,
}


def judge(
    indicator: IndicatorRule, measure: MeasureValue, threshold: ResolvedThreshold | None
) -> Outcome:
    """The outcome of one indicator, in the order the rules give precedence."""
    _check_type(indicator, measure.value)
    if measure.not_applicable:
        return Outcome.NOT_APPLICABLE
    if indicator.comparison == Comparison.TRUE:
        return _judge_true(measure.value)
    if threshold is None:
        return Outcome.NOT_CONFIGURED
    if measure.value is None:
        return Outcome.MISSING
    value = measure.value
    number = value if isinstance(value, Decimal) else Decimal(value)
    passes = _COMPARE[indicator.comparison](number, threshold.value)
    return Outcome.PASS if passes else Outcome.FAIL


def _judge_true(value: Decimal | bool | None) -> Outcome:
    if value is None:
        return Outcome.MISSING
    return Outcome.PASS if value is True else Outcome.FAIL


def _check_type(indicator: IndicatorRule, value: object) -> None:
    # bool is an int subclass, and a float would compare inexactly: both are caller bugs.
    if value is None:
        return
    if indicator.comparison == Comparison.TRUE:
        if not isinstance(value, bool):
            raise TypeError(_type_message(indicator, "a bool", value))
    elif isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(_type_message(indicator, "a Decimal", value))


def _type_message(indicator: IndicatorRule, wanted: str, value: object) -> str:
    return (
        f"indicator {indicator.code} (measure {indicator.measure!r}, "
        f"comparison {indicator.comparison.value!r}) needs {wanted}, "
        f"got {type(value).__name__} {value!r}"
    )


# ---------------------------------------------------------------------------------------------
# Criteria, levels and the ladder
# ---------------------------------------------------------------------------------------------


# The threshold each indicator is judged against, and why none could be applied if so: what
# depends on the subject (year, province, class) and not on its values.
Resolved = dict[tuple[str, str, str], tuple[ResolvedThreshold | None, str]]


def resolved_thresholds(rules: RuleSet, subject: Subject) -> Resolved:
    """Every indicator's threshold for ``subject``, keyed by (level, criterion, indicator)
    codes: an indicator code is unique within its criterion only."""
    resolved: Resolved = {}
    for level in rules.levels:
        for criterion in level.criteria:
            for indicator in criterion.indicators:
                try:
                    found = resolve_threshold(rules, level.code, indicator, subject), ""
                except RuleError as error:
                    found = None, str(error)
                resolved[(level.code, criterion.code, indicator.code)] = found
    return resolved


class Scorer:
    """A rule set compiled for scoring many communes: its levels put in order once and the
    thresholds resolved once per subject (year, province, class), however many communes share
    it. Rule sets are immutable, so a scorer can be kept as long as its rules are current
    (selectors.scorer_for keeps one per set and rules version)."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.ordered = _ordered_levels(rules)
        self._resolved: dict[Subject, Resolved] = {}
        # Equal thresholds of different subjects are one object, so that the indicator
        # results shared by subjects (_indicator_result) are few, whatever their number.
        self._interned: dict[ResolvedThreshold, ResolvedThreshold] = {}
        self._shared: dict[tuple, IndicatorResult] = {}

    def thresholds(self, subject: Subject) -> Resolved:
        try:
            return self._resolved[subject]
        except KeyError:
            resolved = {
                key: (None if found is None else self._interned.setdefault(found, found), why)
                for key, (found, why) in resolved_thresholds(self.rules, subject).items()
            }
            return self._resolved.setdefault(subject, resolved)

    def score(self, subject: Subject, values: Mapping[str, MeasureValue]) -> AssessmentResult:
        ctx = _Context(
            self.rules, subject, values, self.thresholds(subject), self.ordered, self._shared
        )
        levels = _evaluate_levels(ctx)
        reached, next_level = _climb(levels)
        return AssessmentResult(
            level=reached,
            levels=levels,
            next_level=next_level.code if next_level else None,
            gap=_gap(next_level),
            uses_unverified=any(level.uses_unverified for level in levels),
        )


@dataclass(frozen=True)
class _Context:
    rules: RuleSet
    subject: Subject
    values: Mapping[str, MeasureValue]
    thresholds: Resolved
    ordered: list[LevelRule]
    shared: dict  # indicator results shared by communes (_indicator_result)


def score(rules: RuleSet, subject: Subject, values: Mapping[str, MeasureValue]) -> AssessmentResult:
    """Judge every indicator, criterion and level of ``rules`` for ``subject`` (many subjects
    under one rule set: a Scorer, which resolves thresholds once per subject)."""
    return Scorer(rules).score(subject, values)


def _ordered_levels(rules: RuleSet) -> list[LevelRule]:
    codes = [level.code for level in rules.levels]
    ranks = [level.rank for level in rules.levels]
    # The ladder and requires_level both depend on an unambiguous order.
    if len(set(codes)) != len(codes) or len(set(ranks)) != len(ranks):
        raise ValueError(f"{rules.code}: level codes and ranks must be unique")
    return sorted(rules.levels, key=lambda level: level.rank)


def _evaluate_levels(ctx: _Context) -> tuple[LevelResult, ...]:
    # Lowest rank first, so a requires_level criterion finds its lower level already judged.
    done: dict[str, LevelResult] = {}
    for level in ctx.ordered:
        done[level.code] = _level_result(ctx, level, done)
    return tuple(done.values())


def _level_result(ctx: _Context, level: LevelRule, lower: Mapping[str, LevelResult]) -> LevelResult:
    criteria = tuple(_criterion_result(ctx, level, c, lower) for c in level.criteria)
    contents = _content_results(level, criteria)
    problem = ""
    if level.rule == LevelRuleKind.SHARE:
        problem = "; ".join(level_rule_problems(ctx.rules, level))
        status = CriterionStatus.INCOMPLETE if problem else _share_status(level, criteria)
    else:
        status = _all_status(criteria)
    # Complete: no missing value or unconfigured threshold, no undecided criterion (an
    # undefined level or criterion lacks data as surely as a missing value does); unverified:
    # a verdict drawn from an unverified threshold. One pass over the indicators (a year's
    # rescoring walks three quarters of a million of them).
    gaps = unverified = False
    for criterion in criteria:
        for indicator in criterion.indicators:
            outcome = indicator.outcome
            if outcome in _OPEN:
                gaps = True
            elif not unverified and _judged_on_unverified(indicator):
                unverified = True
    undecided = any(c.status == CriterionStatus.INCOMPLETE for c in criteria)
    return LevelResult(
        code=level.code,
        rank=level.rank,
        criteria=criteria,
        criteria_met=sum(c.status == CriterionStatus.MET for c in criteria),
        criteria_total=len(criteria),
        met=status == CriterionStatus.MET,
        complete=bool(criteria) and not gaps and not undecided,
        uses_unverified=unverified,
        status=status,
        rule=level.rule,
        share=level.share,
        indicators_passed=sum(i.outcome in _PASSING for i in contents),
        indicators_total=len(contents),
        problem=problem,
    )


def _all_status(criteria: tuple[CriterionResult, ...]) -> CriterionStatus:
    if criteria and all(c.met for c in criteria):
        return CriterionStatus.MET
    if any(c.status == CriterionStatus.NOT_MET for c in criteria):
        return CriterionStatus.NOT_MET
    return CriterionStatus.INCOMPLETE  # no criteria at all, or one still undecided


_OPEN = (Outcome.MISSING, Outcome.NOT_CONFIGURED)
_PASSING = (Outcome.PASS, Outcome.NOT_APPLICABLE)  # IndicatorResult.passed


def _content_results(
    level: LevelRule, criteria: tuple[CriterionResult, ...]
) -> list[IndicatorResult]:
    pairs = zip(level.criteria, criteria, strict=True)
    return [i for rule, result in pairs if not _is_gate(rule) for i in result.indicators]


def _share_status(level: LevelRule, criteria: tuple[CriterionResult, ...]) -> CriterionStatus:
    """The share rule, steps 2-6 of the module docstring (step 1, a rule that cannot be
    applied, is the caller's)."""
    assert level.share is not None
    pairs = zip(level.criteria, criteria, strict=True)
    gates = [result for rule, result in pairs if _is_gate(rule)]
    contents = _content_results(level, criteria)
    mandatory = [i for i in contents if i.code in level.mandatory]
    if any(i.outcome == Outcome.FAIL for i in mandatory) or any(
        g.status == CriterionStatus.NOT_MET for g in gates
    ):
        return CriterionStatus.NOT_MET
    if not contents or any(not _is_gate(rule) and not rule.indicators for rule in level.criteria):
        return CriterionStatus.INCOMPLETE
    needed = level.share * len(contents)
    passed = sum(i.passed for i in contents)
    if passed + sum(i.outcome in _OPEN for i in contents) < needed:
        return CriterionStatus.NOT_MET
    if passed >= needed and all(i.passed for i in mandatory) and all(g.met for g in gates):
        return CriterionStatus.MET
    return CriterionStatus.INCOMPLETE


def _judged_on_unverified(result: IndicatorResult) -> bool:
    # Only a verdict actually drawn from the threshold depends on it.
    judged = result.outcome in (Outcome.PASS, Outcome.FAIL)
    return judged and result.threshold is not None and not result.threshold.verified


def _criterion_result(
    ctx: _Context, level: LevelRule, criterion: CriterionRule, lower: Mapping[str, LevelResult]
) -> CriterionResult:
    indicators = tuple(
        _indicator_result(ctx, level.code, criterion.code, indicator)
        for indicator in criterion.indicators
    )
    if criterion.requires_level is None:
        status = criterion_status(indicators)
    else:
        status = _required_level_status(ctx.rules, criterion, lower)
    return _built(
        CriterionResult,
        {"level": level.code, "code": criterion.code, "status": status, "indicators": indicators},
    )


def _indicator_result(
    ctx: _Context, level: str, criterion: str, indicator: IndicatorRule
) -> IndicatorResult:
    measure = ctx.values.get(indicator.measure, _ABSENT)
    threshold, problem = ctx.thresholds[(level, criterion, indicator.code)]
    # A result is immutable and depends on nothing but the indicator, its threshold and the
    # value: the yes/no and missing ones, the same for most communes, are built once and
    # shared. The key holds the value's type (True must not stand for 1) and the threshold's
    # identity (Scorer interns them, and keeps them alive).
    value = measure.value
    shared = not measure.note and not isinstance(value, Decimal)
    if shared:
        key = (
            level,
            criterion,
            indicator.code,
            id(threshold),
            problem,
            type(value),
            value,
            measure.not_applicable,
        )
        found = ctx.shared.get(key)
        if found is not None:
            return found
    result = _built(
        IndicatorResult,
        {
            "level": level,
            "criterion": criterion,
            "code": indicator.code,
            "measure": indicator.measure,
            "comparison": indicator.comparison,
            "outcome": judge(indicator, measure, threshold),
            "value": measure.value,
            "threshold": threshold,
            "note": measure.note,
            "problem": problem,
        },
    )
    if shared:
        ctx.shared[key] = result
    return result


def _built(cls: type, fields: dict):
    """An instance of a frozen result class from every one of its fields, without the
    dataclass __init__'s field-by-field frozen setattr: the results of a year's communes are
    tens of thousands of objects, and that __init__ was a third of the time to score them.
    The instance is the same (equality, hash, repr and immutability are the class's)."""
    instance = object.__new__(cls)
    instance.__dict__.update(fields)
    return instance


def criterion_status(indicators: Iterable[IndicatorResult]) -> CriterionStatus:
    """Status from indicator outcomes: a failure decides, then any gap in data."""
    outcomes = {indicator.outcome for indicator in indicators}
    if not outcomes:
        return CriterionStatus.INCOMPLETE  # a criterion the data does not define yet must block
    if Outcome.FAIL in outcomes:
        return CriterionStatus.NOT_MET
    if outcomes & {Outcome.MISSING, Outcome.NOT_CONFIGURED}:
        return CriterionStatus.INCOMPLETE
    return CriterionStatus.MET


def _required_level_status(
    rules: RuleSet, criterion: CriterionRule, lower: Mapping[str, LevelResult]
) -> CriterionStatus:
    required = lower.get(criterion.requires_level or "")
    if required is None:
        raise ValueError(_bad_requirement(rules, criterion))
    # Mirror why the lower level falls short: missing data there is not a failure here.
    return required.status


def _bad_requirement(rules: RuleSet, criterion: CriterionRule) -> str:
    known = {level.code for level in rules.levels}
    why = "is not a lower level" if criterion.requires_level in known else "is not a level"
    return f"criterion {criterion.code} requires {criterion.requires_level!r}, which {why}"


def _climb(levels: tuple[LevelResult, ...]) -> tuple[str, LevelResult | None]:
    """The level reached and the first level not met (levels in rank order)."""
    reached = NO_LEVEL
    for level in levels:
        if not level.met:
            return reached, level
        reached = level.code
    return reached, None


def _gap(next_level: LevelResult | None) -> tuple[IndicatorResult, ...]:
    if next_level is None:
        return ()
    return tuple(
        indicator
        for criterion in next_level.criteria
        for indicator in criterion.indicators
        if not indicator.passed
    )
