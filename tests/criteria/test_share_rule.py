"""The "share" level rule of the pure engine: a share of the level's indicators passed, with a
mandatory subset (Decision 51/2025/QĐ-TTg, Annex III condition 3). No database.

Every case of the rule written in criteria/scoring.py's docstring has a test here; the numbers
(share, the mandatory codes) are the test's own, as the engine leaves them to the data.
"""

from decimal import Decimal

import pytest

from criteria.scoring import (
    NO_LEVEL,
    Comparison,
    CriterionRule,
    CriterionStatus,
    IndicatorRule,
    LevelRule,
    LevelRuleKind,
    MeasureValue,
    Outcome,
    RuleSet,
    Scope,
    Subject,
    ThresholdRule,
    rule_problems,
    ruleset_as_data,
    ruleset_from_data,
    score,
)

D = Decimal
MET, NOT_MET, INCOMPLETE = (
    CriterionStatus.MET,
    CriterionStatus.NOT_MET,
    CriterionStatus.INCOMPLETE,
)
WHO = Subject(year=2026, province="01", class_value="2")


# ---------------------------------------------------------------------------------------------
# Builders: indicator "iN" judges measure "mN" >= 50 nationally (or yes/no when asked).
# ---------------------------------------------------------------------------------------------


def ind(n: int, *, configured: bool = True, verified: bool = True) -> IndicatorRule:
    threshold = ThresholdRule(Scope.NATIONAL, value=D("50"), verified=verified, source="test")
    return IndicatorRule(f"i{n}", f"m{n}", Comparison.GTE, (threshold,) if configured else ())


def crit(code: str, *indicators: IndicatorRule, requires: str | None = None) -> CriterionRule:
    return CriterionRule(code, tuple(indicators), requires_level=requires)


def share_level(
    *criteria: CriterionRule,
    share: str | None = "0.70",
    mandatory: tuple[str, ...] = (),
    code: str = "ward",
    rank: int = 1,
) -> LevelRule:
    return LevelRule(
        code,
        rank,
        tuple(criteria),
        rule=LevelRuleKind.SHARE,
        share=None if share is None else D(share),
        mandatory=mandatory,
    )


def ten(**kwargs) -> LevelRule:
    """Ten contents i1..i10, two criteria of five."""
    first = crit("1", *(ind(n) for n in range(1, 6)))
    second = crit("2", *(ind(n) for n in range(6, 11)))
    return share_level(first, second, **kwargs)


PASS, FAIL = MeasureValue(D("60")), MeasureValue(D("40"))
NA = MeasureValue(not_applicable=True, note="no such thing here")


def values(passing=(), failing=(), not_applicable=()) -> dict[str, MeasureValue]:
    """Measures of the indicators named by number; any other is missing."""
    out = {f"m{n}": PASS for n in passing}
    out |= {f"m{n}": FAIL for n in failing}
    return out | {f"m{n}": NA for n in not_applicable}


def level_of(level: LevelRule, vals: dict[str, MeasureValue], *others: LevelRule):
    result = score(RuleSet("test", (level, *others)), WHO, vals)
    return result.level_result(level.code)


# ---------------------------------------------------------------------------------------------
# The share, exactly
# ---------------------------------------------------------------------------------------------


def test_exactly_at_the_share_meets_the_level() -> None:
    result = level_of(ten(), values(passing=range(1, 8), failing=range(8, 11)))
    assert (result.status, result.met) == (MET, True)
    assert (result.indicators_passed, result.indicators_total) == (7, 10)
    assert (result.rule, result.share) == (LevelRuleKind.SHARE, D("0.70"))
    assert result.complete and result.problem == ""


def test_just_below_the_share_is_not_met() -> None:
    result = level_of(ten(), values(passing=range(1, 7), failing=range(7, 11)))
    assert (result.status, result.met, result.indicators_passed) == (NOT_MET, False, 6)


@pytest.mark.parametrize(("passed", "status"), [(32, NOT_MET), (33, MET)])
def test_the_share_is_counted_in_exact_decimals(passed: int, status: CriterionStatus) -> None:
    # 70% of 47 contents is 32.9: 32 falls short, 33 meets it (no rounding, no float).
    level = share_level(crit("1", *(ind(n) for n in range(1, 48))))
    vals = values(passing=range(1, passed + 1), failing=range(passed + 1, 48))
    assert level_of(level, vals).status == status


@pytest.mark.parametrize(
    ("share", "passed", "status"),
    [("1", 10, MET), ("1", 9, NOT_MET), ("0.1", 1, MET), ("0.1", 0, NOT_MET)],
)
def test_the_ends_of_the_range(share: str, passed: int, status: CriterionStatus) -> None:
    vals = values(passing=range(1, passed + 1), failing=range(passed + 1, 11))
    assert level_of(ten(share=share), vals).status == status


def test_contents_are_counted_across_criteria_and_each_criterion_keeps_its_status() -> None:
    # Criterion 1 all passed, criterion 2 three of five: 8 of 10 contents, one criterion met.
    result = level_of(ten(), values(passing=[1, 2, 3, 4, 5, 6, 7, 8], failing=[9, 10]))
    assert result.status == MET
    assert [c.status for c in result.criteria] == [MET, NOT_MET]
    assert (result.criteria_met, result.criteria_total) == (1, 2)


# ---------------------------------------------------------------------------------------------
# Mandatory contents
# ---------------------------------------------------------------------------------------------


def test_a_failed_mandatory_content_fails_the_level_even_with_every_other_passed() -> None:
    result = level_of(
        ten(mandatory=("i3",)), values(passing=[1, 2, 4, 5, 6, 7, 8, 9, 10], failing=[3])
    )
    assert (result.indicators_passed, result.indicators_total) == (9, 10)
    assert result.status == NOT_MET


def test_a_failed_mandatory_content_decides_even_while_others_are_missing() -> None:
    assert level_of(ten(mandatory=("i3",)), values(failing=[3])).status == NOT_MET


def test_every_mandatory_content_passed_and_the_share_met() -> None:
    vals = values(passing=[1, 2, 3, 4, 5, 6, 7], failing=[8, 9, 10])
    assert level_of(ten(mandatory=("i1", "i6")), vals).status == MET


def test_a_missing_mandatory_content_leaves_the_level_incomplete_though_the_share_is_met() -> None:
    vals = values(passing=[1, 2, 3, 4, 5, 7, 8, 9, 10])
    assert level_of(ten(mandatory=("i6",)), vals).status == INCOMPLETE


def test_a_missing_mandatory_content_cannot_save_a_share_out_of_reach() -> None:
    vals = values(passing=[1, 2], failing=[3, 4, 5, 7, 8, 9, 10])
    assert level_of(ten(mandatory=("i6",)), vals).status == NOT_MET


def test_a_not_applicable_mandatory_content_passes_as_everywhere() -> None:
    vals = values(passing=range(1, 8), failing=[8, 9], not_applicable=[10])
    result = level_of(ten(mandatory=("i10",)), vals)
    assert (result.status, result.indicators_passed) == (MET, 8)


def test_an_unconfigured_mandatory_content_leaves_the_level_incomplete() -> None:
    contents = crit("1", ind(1, configured=False), *(ind(n) for n in range(2, 11)))
    result = level_of(share_level(contents, mandatory=("i1",)), values(passing=range(1, 11)))
    assert result.criteria[0].indicators[0].outcome == Outcome.NOT_CONFIGURED
    assert result.status == INCOMPLETE


# ---------------------------------------------------------------------------------------------
# Missing values, not applicable, not configured
# ---------------------------------------------------------------------------------------------


def test_missing_values_are_not_passed_so_the_level_waits_for_them() -> None:
    # 6 passed, 4 missing: 70% needs one more of them.
    result = level_of(ten(), values(passing=range(1, 7)))
    assert (result.status, result.met, result.complete) == (INCOMPLETE, False, False)
    assert (result.indicators_passed, result.indicators_total) == (6, 10)


def test_the_share_reached_without_the_missing_ones_is_met_but_not_complete() -> None:
    result = level_of(ten(), values(passing=range(1, 8)))
    assert (result.status, result.met, result.complete) == (MET, True, False)


def test_a_share_out_of_reach_even_if_every_missing_one_passed_is_not_met() -> None:
    # 4 failed: at most 6 of 10 can pass.
    result = level_of(ten(), values(passing=[1, 2], failing=[3, 4, 5, 6]))
    assert result.status == NOT_MET


def test_just_within_reach_stays_incomplete() -> None:
    # 3 failed: 7 of 10 can still pass.
    assert level_of(ten(), values(passing=[1, 2], failing=[3, 4, 5])).status == INCOMPLETE


def test_not_applicable_counts_as_passed() -> None:
    vals = values(passing=range(1, 6), not_applicable=[6, 7], failing=[8, 9, 10])
    result = level_of(ten(), vals)
    assert (result.status, result.indicators_passed) == (MET, 7)


def test_unconfigured_thresholds_count_like_missing_values() -> None:
    level = share_level(
        crit("1", *(ind(n) for n in range(1, 7))),
        crit("2", *(ind(n, configured=False) for n in range(7, 11))),
    )
    everything = values(passing=range(1, 11))
    result = level_of(level, everything)
    assert result.status == INCOMPLETE  # 6 of 10 decided; the four unconfigured are open
    assert result.criteria[1].status == INCOMPLETE
    assert level_of(level, values(passing=[1, 2], failing=[3, 4, 5, 6])).status == NOT_MET


def test_an_unconfigured_threshold_cannot_undo_a_share_already_reached() -> None:
    level = share_level(
        crit("1", *(ind(n) for n in range(1, 9))),
        crit("2", ind(9, configured=False), ind(10, configured=False)),
    )
    result = level_of(level, values(passing=range(1, 9)))
    assert (result.status, result.complete) == (MET, False)


def test_a_pass_on_an_unverified_threshold_is_flagged_as_for_any_level() -> None:
    level = share_level(crit("1", ind(1, verified=False), *(ind(n) for n in range(2, 11))))
    result = level_of(level, values(passing=range(1, 11)))
    assert result.met and result.uses_unverified


# ---------------------------------------------------------------------------------------------
# Undefined contents: never a vacuous pass
# ---------------------------------------------------------------------------------------------


def test_a_criterion_without_indicators_leaves_the_level_incomplete() -> None:
    # The contents are not all known, so no share of them can be taken.
    level = share_level(crit("1", *(ind(n) for n in range(1, 11))), crit("2"))
    result = level_of(level, values(passing=range(1, 11)))
    assert (result.status, result.met) == (INCOMPLETE, False)
    assert (result.indicators_passed, result.indicators_total) == (10, 10)


def test_a_criterion_without_indicators_does_not_hide_a_failed_mandatory_content() -> None:
    level = share_level(crit("1", *(ind(n) for n in range(1, 11))), crit("2"), mandatory=("i1",))
    assert level_of(level, values(passing=range(2, 11), failing=[1])).status == NOT_MET


def test_a_level_without_criteria_is_never_met() -> None:
    result = level_of(share_level(), {})
    assert (result.status, result.met, result.indicators_total) == (INCOMPLETE, False, 0)


def test_a_level_of_gates_only_has_no_contents_to_count() -> None:
    standard = LevelRule("standard", 1, (crit("1", ind(1)),))
    gated = share_level(crit("1", requires="standard"), code="modern", rank=2)
    result = score(RuleSet("test", (standard, gated)), WHO, values(passing=[1]))
    assert result.level_result("standard").met
    assert result.level_result("modern").status == INCOMPLETE


# ---------------------------------------------------------------------------------------------
# Gates (requires_level criteria) and the ladder
# ---------------------------------------------------------------------------------------------

STANDARD = LevelRule("standard", 1, (crit("1", ind(1)), crit("2", ind(2))))


def gated(mandatory: tuple[str, ...] = ()) -> LevelRule:
    """A share level above STANDARD: a gate on it, then contents i11..i20."""
    contents = crit("2", *(ind(n) for n in range(11, 21)))
    return share_level(
        crit("1", requires="standard"), contents, code="modern", rank=2, mandatory=mandatory
    )


def ladder(vals: dict[str, MeasureValue], top: LevelRule | None = None):
    return score(RuleSet("test", (top or gated(), STANDARD)), WHO, vals)


def test_a_gate_is_outside_the_count_and_must_be_met() -> None:
    result = ladder(values(passing=[1, 2, *range(11, 18)], failing=range(18, 21)))
    modern = result.level_result("modern")
    assert (modern.status, modern.indicators_passed, modern.indicators_total) == (MET, 7, 10)
    assert (result.level, result.next_level, result.gap) == ("modern", None, ())


def test_a_failed_gate_fails_the_share_level_whatever_its_share() -> None:
    result = ladder(values(passing=[1, *range(11, 21)], failing=[2]))
    assert result.level_result("modern").status == NOT_MET
    assert (result.level, result.next_level) == (NO_LEVEL, "standard")


def test_an_undecided_gate_leaves_the_share_level_incomplete() -> None:
    result = ladder(values(passing=[1, *range(11, 21)]))
    assert result.level_result("standard").status == INCOMPLETE
    assert result.level_result("modern").status == INCOMPLETE
    assert result.level == NO_LEVEL


def test_a_share_level_met_is_not_reached_while_the_level_below_is_not_met() -> None:
    # Without a gate the ladder still climbs one rung at a time.
    contents = crit("2", *(ind(n) for n in range(11, 21)))
    top = share_level(contents, code="modern", rank=2)
    result = ladder(values(passing=[1, *range(11, 21)], failing=[2]), top)
    assert result.level_result("modern").met
    assert (result.level, result.next_level) == (NO_LEVEL, "standard")


def test_the_gap_to_a_share_level_lists_what_did_not_pass() -> None:
    vals = values(passing=[1, 2, *range(11, 17)], failing=[17, 18])
    result = ladder(vals, gated(mandatory=("i11",)))
    assert result.level_result("modern").status == INCOMPLETE  # 6 passed, 2 missing can reach 7
    assert (result.level, result.next_level) == ("standard", "modern")
    assert [(i.code, i.outcome) for i in result.gap] == [
        ("i17", Outcome.FAIL),
        ("i18", Outcome.FAIL),
        ("i19", Outcome.MISSING),
        ("i20", Outcome.MISSING),
    ]


def test_a_gate_on_a_share_level_mirrors_its_verdict() -> None:
    # An "all" level above a share level: its gate follows the share level's status, not the
    # statuses of the share level's criteria (one of which fails while the share is met).
    below = share_level(crit("1", *(ind(n) for n in range(1, 11))), code="ward", rank=1)
    above = LevelRule("next", 2, (crit("1", requires="ward"),))

    def gate(vals):
        result = score(RuleSet("test", (below, above)), WHO, vals)
        return result.level_result("next").criteria[0].status

    assert gate(values(passing=range(1, 8), failing=range(8, 11))) == MET
    assert gate(values(passing=range(1, 7), failing=range(7, 11))) == NOT_MET
    assert gate(values(passing=range(1, 7))) == INCOMPLETE


def test_an_all_level_is_unchanged_by_the_new_fields() -> None:
    result = ladder(values(passing=[1], failing=[2]))
    standard = result.level_result("standard")
    assert (standard.rule, standard.share, standard.status) == (LevelRuleKind.ALL, None, NOT_MET)
    assert (standard.indicators_passed, standard.indicators_total) == (1, 2)
    assert ladder(values(passing=[1])).level_result("standard").status == INCOMPLETE
    assert ladder(values(passing=[1, 2])).level_result("standard").status == MET


# ---------------------------------------------------------------------------------------------
# Rules that cannot be applied: reported, never raised, never a pass
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "problem"),
    [
        (
            ten(share=None),
            "test level ward: the share rule needs a share above 0 and at most 1, not None",
        ),
        (
            ten(share="0"),
            "test level ward: the share rule needs a share above 0 and at most 1, not 0",
        ),
        (
            ten(share="-0.5"),
            "test level ward: the share rule needs a share above 0 and at most 1, not -0.5",
        ),
        (
            ten(share="1.01"),
            "test level ward: the share rule needs a share above 0 and at most 1, not 1.01",
        ),
        (
            ten(share="70"),
            "test level ward: the share rule needs a share above 0 and at most 1, not 70",
        ),
        (
            ten(mandatory=("i99",)),
            "test level ward: mandatory indicator 'i99' is not an indicator of the level",
        ),
        (ten(mandatory=("i1", "i1")), "test level ward: a mandatory indicator is named twice"),
    ],
)
def test_an_inconsistent_share_rule_is_reported_and_scores_incomplete(
    level: LevelRule, problem: str
) -> None:
    assert rule_problems(RuleSet("test", (level,))) == [problem]
    result = level_of(level, values(passing=range(1, 11)))
    assert (result.status, result.met, result.problem) == (INCOMPLETE, False, problem)


def test_a_mandatory_code_of_another_level_is_not_an_indicator_of_this_one() -> None:
    top = gated(mandatory=("i1",))  # i1 is a standard indicator
    assert rule_problems(RuleSet("test", (STANDARD, top))) == [
        "test level modern: mandatory indicator 'i1' is not an indicator of the level"
    ]


def test_an_all_level_with_share_numbers_is_reported_but_scored_as_all() -> None:
    stray = LevelRule("standard", 1, STANDARD.criteria, LevelRuleKind.ALL, D("0"), ("i1",))
    assert rule_problems(RuleSet("test", (stray,))) == [
        "test level standard has a share, which only a share rule takes; its rule is 'all'",
        "test level standard has mandatory indicators, which only a share rule takes; its rule "
        "is 'all'",
    ]
    result = score(RuleSet("test", (stray,)), WHO, values(passing=[1, 2]))
    assert (result.level, result.levels[0].problem) == ("standard", "")


def test_a_sound_share_rule_has_no_problems() -> None:
    assert rule_problems(RuleSet("test", (STANDARD, gated(mandatory=("i11", "i20"))))) == []


# ---------------------------------------------------------------------------------------------
# Rules as data (what an edition keeps)
# ---------------------------------------------------------------------------------------------


def test_a_share_rule_survives_the_round_trip_through_data() -> None:
    rules = RuleSet("test", (STANDARD, gated(mandatory=("i11", "i12"))))
    data = ruleset_as_data(rules)
    assert {k: data["levels"][1][k] for k in ("rule", "share", "mandatory")} == {
        "rule": "share",
        "share": "0.70",
        "mandatory": ["i11", "i12"],
    }
    assert ruleset_from_data(data) == rules


def test_a_snapshot_from_before_rule_kinds_reads_as_all() -> None:
    data = ruleset_as_data(RuleSet("test", (STANDARD,)))
    for key in ("rule", "share", "mandatory"):
        del data["levels"][0][key]
    level = ruleset_from_data(data).levels[0]
    assert (level.rule, level.share, level.mandatory) == (LevelRuleKind.ALL, None, ())
    assert ruleset_from_data(data) == RuleSet("test", (STANDARD,))
