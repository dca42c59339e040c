"""Tests for the pure scoring engine: small criteria sets built here, no database."""

from decimal import Decimal

import pytest

from criteria.scoring import (
    NO_LEVEL,
    AssessmentResult,
    Comparison,
    CriterionRule,
    CriterionStatus,
    IndicatorResult,
    IndicatorRule,
    LevelRule,
    MeasureValue,
    Outcome,
    RuleSet,
    Scope,
    Subject,
    ThresholdRule,
    resolve_threshold,
    rule_problems,
    score,
)

D = Decimal

# ---------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------


def national(
    value: str | None,
    first: int | None = None,
    last: int | None = None,
    verified: bool = True,
    source: str = "national",
) -> ThresholdRule:
    return ThresholdRule(
        Scope.NATIONAL, "", _dec(value), first, last, verified=verified, source=source
    )


def by_class(
    class_value: str,
    value: str | None,
    first: int | None = None,
    last: int | None = None,
    verified: bool = True,
) -> ThresholdRule:
    return ThresholdRule(
        Scope.CLASS,
        class_value,
        _dec(value),
        first,
        last,
        verified=verified,
        source=f"class {class_value}",
    )


def by_province(
    province: str,
    value: str | None,
    first: int | None = None,
    last: int | None = None,
    verified: bool = True,
) -> ThresholdRule:
    return ThresholdRule(
        Scope.PROVINCE,
        province,
        _dec(value),
        first,
        last,
        verified=verified,
        source=f"province {province}",
    )


def relative(
    level: str,
    code: str,
    factor: str,
    verified: bool = True,
    scope: Scope = Scope.NATIONAL,
    scope_value: str = "",
) -> ThresholdRule:
    return ThresholdRule(
        scope,
        scope_value,
        relative_to=(level, code),
        factor=D(factor),
        verified=verified,
        source="relative",
    )


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else D(value)


def ind(code: str, measure: str, comparison: str, *thresholds: ThresholdRule) -> IndicatorRule:
    return IndicatorRule(code, measure, Comparison(comparison), tuple(thresholds))


def crit(code: str, *indicators: IndicatorRule, requires: str | None = None) -> CriterionRule:
    return CriterionRule(code, tuple(indicators), requires_level=requires)


def lvl(code: str, rank: int, *criteria: CriterionRule) -> LevelRule:
    return LevelRule(code, rank, tuple(criteria))


def ruleset(*levels: LevelRule) -> RuleSet:
    return RuleSet("test", tuple(levels))


def subject(year: int = 2024, province: str = "01", class_value: str = "dbsh") -> Subject:
    return Subject(year=year, province=province, class_value=class_value)


def mv(value: str | bool | None = None, na: bool = False, note: str = "") -> MeasureValue:
    if isinstance(value, str):
        return MeasureValue(D(value), na, note)
    return MeasureValue(value, na, note)


def vals(**values: str | bool | None | MeasureValue) -> dict[str, MeasureValue]:
    return {k: v if isinstance(v, MeasureValue) else mv(v) for k, v in values.items()}


def judge_one(
    indicator: IndicatorRule, values: dict[str, MeasureValue], who: Subject | None = None
) -> IndicatorResult:
    """Score a one-indicator set and return that indicator's result."""
    result = score(ruleset(lvl("standard", 1, crit("1", indicator))), who or subject(), values)
    return result.levels[0].criteria[0].indicators[0]


def resolve_one(indicator: IndicatorRule, who: Subject) -> Decimal | None:
    rules = ruleset(lvl("standard", 1, crit("1", indicator)))
    threshold = resolve_threshold(rules, "standard", indicator, who)
    return None if threshold is None else threshold.value


# The 2021-2025 ladder in miniature. Income is judged at every level: 45 / 55 nationally at
# standard / advanced, lower in the northern mountains (tdmnpb); model asks 110% of advanced.
PLANNING = ind("1.1", "planning", "true")
INCOME_STD = ind("10.1", "income", ">=", national("45"), by_class("tdmnpb", "36"))
POVERTY_STD = ind("11.1", "poverty", "<=", national("4"))
INCOME_ADV = ind("10.1", "income", ">=", national("55"), by_class("tdmnpb", "40"))
INCOME_MODEL = ind("2.1", "income", ">=", relative("advanced", "10.1", "1.10"))
LADDER = ruleset(
    lvl("model", 3, crit("1", requires="advanced"), crit("2", INCOME_MODEL)),
    lvl("standard", 1, crit("1", PLANNING), crit("10", INCOME_STD), crit("11", POVERTY_STD)),
    lvl("advanced", 2, crit("10", INCOME_ADV)),
)


def score_ladder(who: Subject | None = None, **values: str | bool | None) -> AssessmentResult:
    return score(LADDER, who or subject(), vals(**values))


def outcomes(result: AssessmentResult, level: str) -> dict[str, Outcome]:
    return {
        f"{c.code}/{i.code}": i.outcome
        for c in result.level_result(level).criteria
        for i in c.indicators
    }


# ---------------------------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comparison", "value", "expected"),
    [
        (">=", "79.99", Outcome.FAIL),
        (">=", "80", Outcome.PASS),
        (">=", "80.01", Outcome.PASS),
        ("<=", "79.99", Outcome.PASS),
        ("<=", "80", Outcome.PASS),
        ("<=", "80.01", Outcome.FAIL),
        ("==", "79.99", Outcome.FAIL),
        ("==", "80", Outcome.PASS),
        ("==", "80.00", Outcome.PASS),
        ("==", "80.01", Outcome.FAIL),
    ],
)
def test_numeric_comparison_boundaries(comparison: str, value: str, expected: Outcome) -> None:
    result = judge_one(ind("x", "m", comparison, national("80")), vals(m=value))
    assert result.outcome == expected
    assert result.passed is (expected == Outcome.PASS)
    assert result.value == D(value)
    assert result.threshold is not None and result.threshold.value == D("80")


def test_integer_value_is_compared_as_decimal() -> None:
    result = judge_one(ind("x", "m", ">=", national("80")), {"m": MeasureValue(80)})
    assert result.outcome == Outcome.PASS


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, Outcome.PASS), (False, Outcome.FAIL), (None, Outcome.MISSING)],
)
def test_true_comparison(value: bool | None, expected: Outcome) -> None:
    result = judge_one(ind("x", "m", "true"), vals(m=value))
    assert result.outcome == expected
    assert result.threshold is None


def test_true_comparison_never_needs_a_threshold() -> None:
    assert judge_one(ind("x", "m", "true"), {}).outcome == Outcome.MISSING


def test_bool_against_numeric_comparison_raises_type_error() -> None:
    with pytest.raises(TypeError, match="needs a Decimal, got bool True"):
        judge_one(ind("x", "m", ">=", national("80")), vals(m=True))


def test_bool_against_unconfigured_numeric_indicator_still_raises() -> None:
    with pytest.raises(TypeError, match="needs a Decimal"):
        judge_one(ind("x", "m", "<="), vals(m=False))


def test_float_value_raises_type_error() -> None:
    with pytest.raises(TypeError, match="needs a Decimal, got float"):
        judge_one(ind("x", "m", ">=", national("80")), {"m": MeasureValue(80.5)})  # type: ignore[arg-type]


def test_number_against_true_comparison_raises_type_error() -> None:
    with pytest.raises(TypeError, match="needs a bool, got Decimal"):
        judge_one(ind("x", "m", "true"), vals(m="1"))


# ---------------------------------------------------------------------------------------------
# Threshold precedence and years
# ---------------------------------------------------------------------------------------------

LAYERED = ind(
    "x",
    "m",
    ">=",
    national("50"),
    by_class("tdmnpb", "40"),
    by_class("dbsh", "60"),
    by_province("74", "70"),
    by_province("01", "30"),
)


@pytest.mark.parametrize(
    ("province", "class_value", "value", "scope", "scope_value"),
    [
        ("74", "tdmnpb", "70", Scope.PROVINCE, "74"),  # province beats class
        ("01", "dbsh", "30", Scope.PROVINCE, "01"),  # even when the province is laxer
        ("02", "tdmnpb", "40", Scope.CLASS, "tdmnpb"),  # other provinces' rows ignored
        ("02", "dbsh", "60", Scope.CLASS, "dbsh"),
        ("02", "dbscl", "50", Scope.NATIONAL, ""),  # other classes' rows ignored
        ("02", "", "50", Scope.NATIONAL, ""),  # no class: national fallback
    ],
)
def test_most_specific_threshold_wins(
    province: str, class_value: str, value: str, scope: Scope, scope_value: str
) -> None:
    rules = ruleset(lvl("standard", 1, crit("1", LAYERED)))
    who = subject(province=province, class_value=class_value)
    threshold = resolve_threshold(rules, "standard", LAYERED, who)
    assert threshold is not None
    assert threshold.value == D(value)
    assert (threshold.scope, threshold.scope_value) == (scope, scope_value)
    assert threshold.source == {Scope.NATIONAL: "national"}.get(scope, f"{scope} {scope_value}")


def test_only_other_provinces_and_classes_means_unconfigured() -> None:
    indicator = ind("x", "m", ">=", by_province("74", "70"), by_class("tdmnpb", "40"))
    assert resolve_one(indicator, subject(province="01", class_value="dbsh")) is None
    result = judge_one(indicator, vals(m="99"), subject(province="01", class_value="dbsh"))
    assert result.outcome == Outcome.NOT_CONFIGURED


def test_class_row_with_empty_value_does_not_match_a_commune_without_class() -> None:
    indicator = ind("x", "m", ">=", national("50"), by_class("", "10"))
    assert resolve_one(indicator, subject(class_value="")) == D("50")


def test_specific_threshold_out_of_force_falls_back_to_national() -> None:
    indicator = ind("x", "m", ">=", national("50"), by_province("01", "30", 2021, 2022))
    assert resolve_one(indicator, subject(year=2022, province="01")) == D("30")
    assert resolve_one(indicator, subject(year=2023, province="01")) == D("50")


@pytest.mark.parametrize(
    ("first", "last", "year", "in_force"),
    [
        (2022, 2024, 2021, False),  # before first_year
        (2022, 2024, 2022, True),  # on first_year
        (2022, 2024, 2024, True),  # on last_year
        (2022, 2024, 2025, False),  # after last_year
        (None, 2023, 1990, True),  # open start
        (None, 2023, 2024, False),
        (2023, None, 2099, True),  # open end
        (2023, None, 2022, False),
        (None, None, 2024, True),
    ],
)
def test_year_range(first: int | None, last: int | None, year: int, in_force: bool) -> None:
    indicator = ind("x", "m", ">=", national("50", first, last))
    assert resolve_one(indicator, subject(year=year)) == (D("50") if in_force else None)


@pytest.mark.parametrize(
    ("year", "expected"), [(2021, "45"), (2023, "45"), (2024, "55"), (2025, "55"), (2026, None)]
)
def test_consecutive_national_thresholds(year: int, expected: str | None) -> None:
    indicator = ind("x", "m", ">=", national("45", 2021, 2023), national("55", 2024, 2025))
    assert resolve_one(indicator, subject(year=year)) == _dec(expected)


@pytest.mark.parametrize(
    ("year", "expected"), [(2022, "40"), (2023, "50"), (2024, "60"), (2025, "50")]
)
def test_overlapping_thresholds_latest_first_year_wins(year: int, expected: str) -> None:
    indicator = ind(
        "x",
        "m",
        ">=",
        national("60", 2024, 2024),  # declared first, to show the order is not what decides
        national("40"),
        national("50", 2023),
    )
    assert resolve_one(indicator, subject(year=year)) == D(expected)


def test_same_first_year_tie_goes_to_first_declared() -> None:
    indicator = ind("x", "m", ">=", national("50", 2023), national("60", 2023, 2030))
    assert resolve_one(indicator, subject(year=2024)) == D("50")


def test_declared_threshold_without_value_is_not_configured_and_blocks_fallback() -> None:
    # "Set by the province": the province row exists but its figure is not entered yet.
    indicator = ind("x", "m", ">=", national("50"), by_province("01", None))
    result = judge_one(indicator, vals(m="99"), subject(province="01"))
    assert result.outcome == Outcome.NOT_CONFIGURED
    assert result.threshold is None
    assert resolve_one(indicator, subject(province="02")) == D("50")


# ---------------------------------------------------------------------------------------------
# Missing, not applicable, not configured
# ---------------------------------------------------------------------------------------------


def test_absent_measure_is_missing() -> None:
    result = judge_one(ind("x", "m", ">=", national("80")), {"other": mv("99")})
    assert result.outcome == Outcome.MISSING
    assert result.value is None
    assert result.threshold is not None and result.threshold.value == D("80")
    assert not result.passed


def test_measure_with_no_value_is_missing() -> None:
    assert judge_one(ind("x", "m", ">=", national("80")), vals(m=None)).outcome == Outcome.MISSING


def test_not_applicable_passes_with_its_note() -> None:
    values = {"m": mv(na=True, note="no waterway")}
    result = judge_one(ind("x", "m", ">=", national("80")), values)
    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.passed
    assert result.note == "no waterway"


def test_not_applicable_passes_an_unconfigured_indicator() -> None:
    result = judge_one(ind("x", "m", ">="), {"m": mv(na=True)})
    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.passed


def test_not_applicable_wins_over_a_failing_value() -> None:
    values = {"m": mv("1", na=True)}
    assert judge_one(ind("x", "m", ">=", national("80")), values).outcome == Outcome.NOT_APPLICABLE


def test_not_applicable_true_indicator_passes() -> None:
    assert judge_one(ind("x", "m", "true"), {"m": mv(na=True)}).outcome == Outcome.NOT_APPLICABLE


def test_no_threshold_is_not_configured_and_reports_the_value() -> None:
    result = judge_one(ind("x", "m", ">="), vals(m="99"))
    assert result.outcome == Outcome.NOT_CONFIGURED
    assert result.value == D("99")
    assert result.threshold is None
    assert not result.passed


def test_no_threshold_with_missing_value_is_not_configured() -> None:
    assert judge_one(ind("x", "m", ">="), {}).outcome == Outcome.NOT_CONFIGURED


def test_thresholds_none_in_force_is_not_configured() -> None:
    indicator = ind("x", "m", ">=", national("80", 2026))
    assert judge_one(indicator, vals(m="99"), subject(year=2025)).outcome == Outcome.NOT_CONFIGURED


# ---------------------------------------------------------------------------------------------
# One measure, several levels
# ---------------------------------------------------------------------------------------------


def test_same_measure_judged_at_two_levels_with_different_thresholds() -> None:
    result = score_ladder(planning=True, income="50", poverty="3")
    assert outcomes(result, "standard")["10/10.1"] == Outcome.PASS
    assert outcomes(result, "advanced")["10/10.1"] == Outcome.FAIL
    assert result.level == "standard"
    assert result.next_level == "advanced"
    (gap,) = result.gap
    assert (gap.level, gap.criterion, gap.code, gap.value) == ("advanced", "10", "10.1", D("50"))
    assert gap.threshold is not None and gap.threshold.value == D("55")


# ---------------------------------------------------------------------------------------------
# Relative thresholds
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("class_value", "expected"), [("dbsh", "60.5"), ("tdmnpb", "44")])
def test_relative_threshold_scales_the_regional_advanced_threshold(
    class_value: str, expected: str
) -> None:
    threshold = resolve_threshold(LADDER, "model", INCOME_MODEL, subject(class_value=class_value))
    assert threshold is not None
    assert threshold.value == D(expected)
    assert threshold.relative_to == ("advanced", "10.1")
    assert threshold.factor == D("1.10")
    assert (threshold.scope, threshold.scope_value, threshold.source) == (
        Scope.NATIONAL,
        "",
        "relative",
    )


@pytest.mark.parametrize(
    ("income", "expected"),
    [("60.49", Outcome.FAIL), ("60.5", Outcome.PASS), ("60.51", Outcome.PASS)],
)
def test_relative_threshold_boundary(income: str, expected: Outcome) -> None:
    result = score_ladder(planning=True, income=income, poverty="3")
    assert outcomes(result, "model")["2/2.1"] == expected


def test_relative_threshold_keeps_its_own_scope() -> None:
    model = ind(
        "2.1",
        "income",
        ">=",
        national("999"),
        relative("advanced", "10.1", "1.2", scope=Scope.CLASS, scope_value="dbsh"),
    )
    rules = ruleset(lvl("advanced", 2, crit("10", INCOME_ADV)), lvl("model", 3, crit("2", model)))
    threshold = resolve_threshold(rules, "model", model, subject(class_value="dbsh"))
    assert threshold is not None
    assert (threshold.value, threshold.scope, threshold.scope_value) == (
        D("66"),
        Scope.CLASS,
        "dbsh",
    )


def test_relative_to_an_unconfigured_threshold_is_unconfigured() -> None:
    advanced = ind("10.1", "income", ">=", national("55", 2026))
    model = ind("2.1", "income", ">=", relative("advanced", "10.1", "1.10"))
    rules = ruleset(lvl("advanced", 2, crit("10", advanced)), lvl("model", 3, crit("2", model)))
    assert resolve_threshold(rules, "model", model, subject(year=2024)) is None
    result = score(rules, subject(year=2024), vals(income="1000"))
    assert outcomes(result, "model")["2/2.1"] == Outcome.NOT_CONFIGURED


@pytest.mark.parametrize(
    ("relative_verified", "referenced_verified", "expected"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_relative_threshold_verified_only_if_both_are(
    relative_verified: bool, referenced_verified: bool, expected: bool
) -> None:
    advanced = ind("10.1", "income", ">=", national("55", verified=referenced_verified))
    model = ind(
        "2.1", "income", ">=", relative("advanced", "10.1", "1.10", verified=relative_verified)
    )
    rules = ruleset(lvl("advanced", 2, crit("10", advanced)), lvl("model", 3, crit("2", model)))
    threshold = resolve_threshold(rules, "model", model, subject())
    assert threshold is not None and threshold.verified is expected


def test_relative_to_a_relative_threshold_chains() -> None:
    a = ind("a", "m", ">=", national("100"))
    b = ind("b", "m", ">=", relative("one", "a", "1.5"))
    c = ind("c", "m", ">=", relative("one", "b", "2"))
    rules = ruleset(lvl("one", 1, crit("1", a, b, c)))
    threshold = resolve_threshold(rules, "one", c, subject())
    assert threshold is not None and threshold.value == D("300")


def test_relative_threshold_cycle_raises() -> None:
    a = ind("a", "m", ">=", relative("two", "b", "1.1"))
    b = ind("b", "m", ">=", relative("one", "a", "1.1"))
    rules = ruleset(lvl("one", 1, crit("1", a)), lvl("two", 2, crit("1", b)))
    with pytest.raises(ValueError, match="cycle"):
        resolve_threshold(rules, "one", a, subject())
    # Scoring never raises: the indicators in the cycle are not configured, and say why.
    result = score(rules, subject(), vals(m="1"))
    judged = [i for level in result.levels for c in level.criteria for i in c.indicators]
    assert [(i.code, i.outcome) for i in judged] == [
        ("a", Outcome.NOT_CONFIGURED),
        ("b", Outcome.NOT_CONFIGURED),
    ]
    assert all("form a cycle" in i.problem for i in judged)
    assert result.level == NO_LEVEL
    assert rule_problems(rules) == [
        "relative thresholds in test form a cycle through ('one', 'a')",
        "relative thresholds in test form a cycle through ('two', 'b')",
    ]


def test_a_bad_reference_is_reported_not_raised() -> None:
    yes_no = ind("plan", "p", "true")
    dangling = ind("a", "m", ">=", relative("two", "nope", "1.1"))
    scaled_flag = ind("b", "n", ">=", relative("one", "plan", "2"))
    fine = ind("c", "m", ">=", national("10"))
    rules = ruleset(lvl("one", 1, crit("1", yes_no, dangling, scaled_flag, fine)))
    result = score(rules, subject(), vals(m="20", n="3", p=True))
    by_code = {i.code: i for c in result.levels[0].criteria for i in c.indicators}
    assert by_code["a"].outcome == Outcome.NOT_CONFIGURED
    assert by_code["a"].problem == "test has no indicator 'nope' at level 'two'"
    assert by_code["b"].outcome == Outcome.NOT_CONFIGURED
    assert "yes/no indicator" in by_code["b"].problem
    assert (by_code["c"].outcome, by_code["c"].problem) == (Outcome.PASS, "")
    assert rule_problems(rules) == [
        "test has no indicator 'nope' at level 'two'",
        "one b is relative to one plan, a yes/no indicator that has no number",
    ]


def test_a_sound_set_has_no_rule_problems() -> None:
    a = ind("a", "m", ">=", national("100"))
    b = ind("b", "m", ">=", relative("one", "a", "1.5"))
    assert rule_problems(ruleset(lvl("one", 1, crit("1", a, b)))) == []


def test_relative_threshold_referring_to_itself_raises() -> None:
    a = ind("a", "m", ">=", relative("one", "a", "1"))
    rules = ruleset(lvl("one", 1, crit("1", a)))
    with pytest.raises(ValueError, match="cycle"):
        resolve_threshold(rules, "one", a, subject())


def test_relative_threshold_to_unknown_indicator_raises() -> None:
    a = ind("a", "m", ">=", relative("advanced", "nope", "1.1"))
    with pytest.raises(ValueError, match="no indicator 'nope' at level 'advanced'"):
        resolve_one(a, subject())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"value": D("1"), "relative_to": ("a", "b"), "factor": D("1")},  # both kinds
        {"relative_to": ("a", "b")},  # no factor
        {"factor": D("1.1")},  # factor without reference
        {"value": D("1"), "first_year": 2025, "last_year": 2024},  # years out of order
    ],
)
def test_inconsistent_threshold_rule_is_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ThresholdRule(Scope.NATIONAL, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Criteria
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"a": "10", "b": "10"}, CriterionStatus.MET),
        ({"a": "10", "b": MeasureValue(not_applicable=True)}, CriterionStatus.MET),
        ({"a": "1", "b": "10"}, CriterionStatus.NOT_MET),
        ({"a": "1"}, CriterionStatus.NOT_MET),  # a failure decides even with data missing
        ({"a": "10"}, CriterionStatus.INCOMPLETE),
        ({}, CriterionStatus.INCOMPLETE),
    ],
)
def test_criterion_status(values: dict[str, str | MeasureValue], expected: CriterionStatus) -> None:
    criterion = crit(
        "1", ind("1.1", "a", ">=", national("5")), ind("1.2", "b", ">=", national("5"))
    )
    result = score(ruleset(lvl("standard", 1, criterion)), subject(), vals(**values))
    assert result.levels[0].criteria[0].status == expected
    assert result.levels[0].criteria[0].met is (expected == CriterionStatus.MET)


def test_criterion_with_unconfigured_indicator_is_incomplete() -> None:
    criterion = crit("1", ind("1.1", "a", ">=", national("5")), ind("1.2", "b", ">="))
    result = score(ruleset(lvl("standard", 1, criterion)), subject(), vals(a="10", b="10"))
    assert result.levels[0].criteria[0].status == CriterionStatus.INCOMPLETE


def test_empty_criterion_is_incomplete_and_blocks_its_level() -> None:
    rules = ruleset(lvl("standard", 1, crit("1", ind("1.1", "a", ">=", national("5"))), crit("2")))
    result = score(rules, subject(), vals(a="10"))
    standard = result.level_result("standard")
    assert [c.status for c in standard.criteria] == [
        CriterionStatus.MET,
        CriterionStatus.INCOMPLETE,
    ]
    assert (standard.met, standard.complete, standard.criteria_met) == (False, False, 1)
    assert result.level == NO_LEVEL


def test_level_without_criteria_is_not_met() -> None:
    result = score(ruleset(lvl("standard", 1)), subject(), {})
    assert result.level_result("standard").met is False
    assert result.level_result("standard").complete is False
    assert (result.level, result.next_level, result.gap) == (NO_LEVEL, "standard", ())


# ---------------------------------------------------------------------------------------------
# requires_level
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"planning": True, "income": "70", "poverty": "3"}, CriterionStatus.MET),
        ({"planning": True, "income": "50", "poverty": "3"}, CriterionStatus.NOT_MET),
        ({"planning": True, "poverty": "3"}, CriterionStatus.INCOMPLETE),
    ],
)
def test_requires_level_follows_the_lower_level(
    values: dict[str, str | bool], expected: CriterionStatus
) -> None:
    model = score_ladder(**values).level_result("model")
    assert model.criteria[0].code == "1"
    assert model.criteria[0].status == expected


def test_requires_level_meets_when_lower_level_met_even_if_own_level_fails() -> None:
    result = score_ladder(planning=True, income="58", poverty="3")  # 58 >= 55, < 60.5
    model = result.level_result("model")
    assert [c.status for c in model.criteria] == [CriterionStatus.MET, CriterionStatus.NOT_MET]
    assert (model.criteria_met, model.criteria_total, model.met) == (1, 2, False)
    assert result.criteria_met("model") == 1


@pytest.mark.parametrize(
    ("requires", "message"),
    [
        ("advanced", "'advanced', which is not a lower level"),  # higher
        ("standard", "'standard', which is not a lower level"),  # its own level
        ("gold", "'gold', which is not a level"),
    ],
)
def test_requires_level_must_name_a_lower_level(requires: str, message: str) -> None:
    rules = ruleset(
        lvl("standard", 1, crit("1", requires=requires)),
        lvl("advanced", 2, crit("1", ind("x", "m", "true"))),
    )
    with pytest.raises(ValueError, match=message):
        score(rules, subject(), {})


@pytest.mark.parametrize(
    "levels",
    [
        (lvl("standard", 1), lvl("advanced", 1)),  # same rank
        (lvl("standard", 1), lvl("standard", 2)),  # same code
    ],
)
def test_ambiguous_ladder_raises(levels: tuple[LevelRule, ...]) -> None:
    with pytest.raises(ValueError, match="unique"):
        score(ruleset(*levels), subject(), {})


# ---------------------------------------------------------------------------------------------
# The ladder, next level and gap
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "level", "next_level"),
    [
        ({"planning": False, "income": "70", "poverty": "3"}, NO_LEVEL, "standard"),
        ({"planning": True, "income": "44", "poverty": "3"}, NO_LEVEL, "standard"),
        ({"planning": True, "income": "50", "poverty": "3"}, "standard", "advanced"),
        ({"planning": True, "income": "58", "poverty": "3"}, "advanced", "model"),
        ({"planning": True, "income": "70", "poverty": "3"}, "model", None),
        # advanced all met while a standard criterion fails: no level
        ({"planning": True, "income": "70", "poverty": "5"}, NO_LEVEL, "standard"),
        ({"planning": True, "income": "70"}, NO_LEVEL, "standard"),
    ],
)
def test_ladder(values: dict[str, str | bool], level: str, next_level: str | None) -> None:
    result = score_ladder(**values)
    assert (result.level, result.next_level) == (level, next_level)


def test_levels_are_reported_in_rank_order() -> None:
    result = score_ladder(planning=True, income="70", poverty="3")
    assert [(r.code, r.rank) for r in result.levels] == [
        ("standard", 1),
        ("advanced", 2),
        ("model", 3),
    ]
    assert [r.met for r in result.levels] == [True, True, True]


def test_advanced_met_while_standard_fails_reports_each_level() -> None:
    result = score_ladder(planning=True, income="70", poverty="5")
    # Advanced and model are met on their own terms; the failed standard still caps the ladder.
    assert [r.met for r in result.levels] == [False, True, True]
    assert (result.level, result.next_level) == (NO_LEVEL, "standard")
    assert result.level_result("standard").criteria_met == 2
    (gap,) = result.gap
    assert (gap.code, gap.outcome, gap.value) == ("11.1", Outcome.FAIL, D("5"))


def test_gap_at_no_level_lists_each_indicator_not_passing_in_order() -> None:
    result = score_ladder(planning=False, income=None)
    assert result.level == NO_LEVEL
    assert [(g.criterion, g.code, g.outcome) for g in result.gap] == [
        ("1", "1.1", Outcome.FAIL),
        ("10", "10.1", Outcome.MISSING),
        ("11", "11.1", Outcome.MISSING),
    ]
    assert [g.threshold.value if g.threshold else None for g in result.gap] == [
        None,
        D("45"),
        D("4"),
    ]


def test_gap_includes_not_configured_indicators() -> None:
    rules = ruleset(
        lvl("standard", 1, crit("1", ind("1.1", "a", ">=", national("5")), ind("1.2", "b", ">=")))
    )
    (gap,) = score(rules, subject(), vals(a="10", b="3")).gap
    assert (gap.code, gap.outcome, gap.value, gap.threshold) == (
        "1.2",
        Outcome.NOT_CONFIGURED,
        D("3"),
        None,
    )


def test_gap_at_advanced_is_the_model_income() -> None:
    result = score_ladder(planning=True, income="58", poverty="3")
    (gap,) = result.gap
    assert (gap.level, gap.criterion, gap.code, gap.outcome) == ("model", "2", "2.1", Outcome.FAIL)
    assert gap.value == D("58")
    assert gap.threshold is not None and gap.threshold.value == D("60.5")


def test_no_gap_and_no_next_level_when_all_met() -> None:
    result = score_ladder(planning=True, income="70", poverty="3")
    assert (result.level, result.next_level, result.gap) == ("model", None, ())


def test_regional_thresholds_change_the_level_reached() -> None:
    mountains = subject(class_value="tdmnpb")
    assert score_ladder(mountains, planning=True, income="44", poverty="3").level == "model"
    assert score_ladder(subject(), planning=True, income="44", poverty="3").level == NO_LEVEL


def test_complete_flag_per_level() -> None:
    result = score_ladder(planning=True, income="70")  # poverty missing at standard only
    assert [r.complete for r in result.levels] == [False, True, True]


def test_level_result_unknown_code_raises_key_error() -> None:
    with pytest.raises(KeyError):
        score_ladder(planning=True).level_result("gold")


def test_empty_ruleset_reaches_no_level() -> None:
    result = score(ruleset(), subject(), {})
    assert (result.level, result.levels, result.next_level, result.gap) == (NO_LEVEL, (), None, ())


# ---------------------------------------------------------------------------------------------
# Unverified thresholds
# ---------------------------------------------------------------------------------------------


def _unverified_ladder() -> RuleSet:
    standard = ind("1.1", "a", ">=", national("5", verified=False))
    advanced = ind("1.1", "b", ">=", national("5"))
    return ruleset(lvl("standard", 1, crit("1", standard)), lvl("advanced", 2, crit("1", advanced)))


@pytest.mark.parametrize("a", ["10", "1"])  # a pass and a failure both rest on the threshold
def test_uses_unverified_flags_the_level_and_the_assessment(a: str) -> None:
    result = score(_unverified_ladder(), subject(), vals(a=a, b="10"))
    assert [r.uses_unverified for r in result.levels] == [True, False]
    assert result.uses_unverified is True


@pytest.mark.parametrize("a", [None, MeasureValue(not_applicable=True)])
def test_unverified_threshold_not_judged_against_is_not_flagged(a: MeasureValue | None) -> None:
    result = score(_unverified_ladder(), subject(), vals(a=a, b="10"))
    assert [r.uses_unverified for r in result.levels] == [False, False]
    assert result.uses_unverified is False


def test_all_verified_is_not_flagged() -> None:
    result = score_ladder(planning=True, income="70", poverty="3")
    assert result.uses_unverified is False
    assert not any(r.uses_unverified for r in result.levels)


def test_unverified_relative_threshold_flags_model() -> None:
    advanced = ind("10.1", "income", ">=", national("55", verified=False))
    model = ind("2.1", "income", ">=", relative("advanced", "10.1", "1.10"))
    rules = ruleset(lvl("advanced", 2, crit("10", advanced)), lvl("model", 3, crit("2", model)))
    result = score(rules, subject(), vals(income="70"))
    assert [r.uses_unverified for r in result.levels] == [True, True]


# ---------------------------------------------------------------------------------------------
# 2026-2030 style: thresholds by commune group
# ---------------------------------------------------------------------------------------------

GROUP_INCOME = ind(
    "5.1", "income", ">=", by_class("1", "80"), by_class("2", "70"), by_class("3", "60")
)
GROUP_SET = ruleset(
    lvl("standard", 1, crit("5", GROUP_INCOME)),
    lvl(
        "modern",
        2,
        crit(
            "5",
            ind(
                "5.1",
                "income",
                ">=",
                by_class("1", "120"),
                by_class("2", "100"),
                by_class("3", "90"),
            ),
        ),
    ),
)


@pytest.mark.parametrize(
    ("group", "expected", "threshold"),
    [("1", Outcome.FAIL, "80"), ("2", Outcome.FAIL, "70"), ("3", Outcome.PASS, "60")],
)
def test_commune_group_thresholds(group: str, expected: Outcome, threshold: str) -> None:
    who = Subject(year=2026, province="74", class_value=group)
    result = score(GROUP_SET, who, vals(income="65"))
    indicator = result.level_result("standard").criteria[0].indicators[0]
    assert indicator.outcome == expected
    assert indicator.threshold is not None
    assert (indicator.threshold.value, indicator.threshold.scope_value) == (D(threshold), group)
    assert result.level == ("standard" if expected == Outcome.PASS else NO_LEVEL)


def test_commune_without_group_is_not_configured() -> None:
    result = score(GROUP_SET, Subject(year=2026, province="74"), vals(income="200"))
    assert result.level_result("standard").criteria[0].status == CriterionStatus.INCOMPLETE
    assert result.level == NO_LEVEL


@pytest.mark.parametrize(
    ("values", "stopped"),
    [
        ({"planning": True, "income": "60", "poverty": "3"}, False),  # every level met
        ({"planning": True, "income": "50", "poverty": "3"}, False),  # advanced failed
        ({"planning": True, "income": None, "poverty": "3"}, True),  # standard undecided
        ({"planning": False, "income": None, "poverty": "3"}, False),  # a failure decides
        ({"planning": True, "income": "50", "poverty": None}, True),  # standard undecided
    ],
)
def test_whether_values_missing_stopped_the_climb(values, stopped) -> None:
    """A missing value is missing, not failed: the first level not met tells a level lost
    from one that cannot be decided."""
    assert score_ladder(**values).stopped_for_missing_values is stopped


def test_each_missing_measure_counts_once_whatever_the_levels_reading_it() -> None:
    # income is read at all three levels; planning at one.
    assert score_ladder(poverty="3").missing_measures == {"income", "planning"}
    assert score_ladder(planning=True, income="60", poverty="3").missing_measures == set()
