"""The real 2026-2030 set (Decision 51/2025/QĐ-TTg), loaded from its fixture: what the notes
confirm is there, nothing is invented, and no commune can reach a level with it until the
national office completes it (shared/domain/notes-2026-2030.md)."""

import datetime
import io
import itertools
from decimal import Decimal

import pytest
from django.core.management import call_command

from criteria import scoring, selectors
from criteria.loading import CRITERIA_DIR, load_all, load_criteria_file, read_criteria_file
from criteria.models import CriteriaSet, Criterion, Edition, Indicator, Measure, Threshold

pytestmark = pytest.mark.django_db

FILE = CRITERIA_DIR / "ntm-2026-2030.json"
CODE = "NTM-2026-2030"

# notes-2026-2030 §2.3, confirmed.
CRITERIA = [
    ("1", "Quy hoạch", "Planning"),
    ("2", "Hạ tầng kinh tế - xã hội", "Socio-economic infrastructure"),
    ("3", "Phát triển kinh tế nông thôn", "Rural economic development"),
    ("4", "Đào tạo nguồn nhân lực nông thôn", "Rural human-resource training"),
    ("5", "Văn hóa, giáo dục, y tế", "Culture, education and health"),
    ("6", "Giảm nghèo và an sinh xã hội", "Poverty reduction and social security"),
    ("7", "Khoa học công nghệ và chuyển đổi số", "Science, technology and digital transformation"),
    ("8", "Môi trường và cảnh quan nông thôn", "Rural environment and landscape"),
    (
        "9",
        "Xây dựng hệ thống chính trị và hành chính công",
        "Political system and public administration",
    ),
    ("10", "Tiếp cận pháp luật và an ninh, quốc phòng", "Access to law, security and defence"),
]
# The six contents Annex III names (notes §2.4, §4): criterion, code, measure, comparison, kind.
INDICATORS = {
    ("3", "3.1", "income_growth_rate", ">=", "change"),
    ("3", "3.a", "ocop_development_plan", "true", "bool"),
    ("3", "3.b", "private_sector_local_jobs", "true", "bool"),
    ("6", "6.a", "multidimensional_poverty_rate", "<=", "percent"),
    ("8", "8.a", "clean_water_households_rate", ">=", "percent"),
    ("8", "8.b", "food_safety_ensured", "true", "bool"),
}
NUMERIC = {"3.1", "6.a", "8.a"}


@pytest.fixture
def cset():
    load_criteria_file(FILE)
    return CriteriaSet.objects.get(code=CODE)


def _report(*args) -> list[str]:
    out = io.StringIO()
    call_command("criteria_report", *args, stdout=out)
    return out.getvalue().splitlines()


# --------------------------------------------------------------------------- what is loaded


def test_the_set_covers_2026_2030_by_commune_group(cset):
    assert (cset.first_year, cset.last_year, cset.classification) == (2026, 2030, "commune_group")
    assert "51/2025/QĐ-TTg" in cset.legal_basis
    assert read_criteria_file(FILE).province_structure == "2025"


def test_levels_are_standard_and_the_pilot_modern(cset):
    levels = [(lv.code, lv.rank, lv.pilot, lv.rule) for lv in cset.levels.all()]
    assert levels == [("standard", 1, False, "all"), ("modern", 2, True, "all")]
    # Annex II's conditions are unknown, and "modern requires standard" is only likely.
    assert not Criterion.objects.filter(level__criteria_set=cset, level__code="modern").exists()


def test_the_ten_criteria_are_numbered_and_named_as_the_notes_confirm(cset):
    criteria = Criterion.objects.filter(level__criteria_set=cset).order_by("order")
    assert [(c.number, c.name_vi, c.name_en) for c in criteria] == CRITERIA
    assert all(c.level.code == "standard" and c.requires_level is None for c in criteria)
    assert all(c.source.startswith("Decision 51/2025/QĐ-TTg, Annex I") for c in criteria)


def test_only_the_six_confirmed_contents_are_indicators(cset):
    rows = Indicator.objects.filter(criterion__level__criteria_set=cset).values_list(
        "criterion__number", "code", "measure__code", "comparison", "measure__value_type"
    )
    assert set(rows) == INDICATORS
    assert len(rows) == 6
    assert Measure.objects.filter(criteria_set=cset).count() == 6
    for indicator in Indicator.objects.filter(criterion__level__criteria_set=cset):
        assert indicator.verified is False
        assert indicator.source.startswith("Decision 51/2025/QĐ-TTg, Annex I; content confirmed")


def test_no_threshold_is_configured(cset):
    assert not Threshold.objects.filter(indicator__criterion__level__criteria_set=cset).exists()


def test_the_notes_say_what_is_confirmed_likely_and_missing(cset):
    for part in ("CONFIRMED", "LIKELY, encoded", "LIKELY, NOT encoded", "MISSING", "Annex III"):
        assert part in cset.notes
    assert "draft editions in the portal" in cset.notes


def test_edition_1_records_decision_51_2025(cset):
    edition = cset.editions.get()
    assert (edition.number, edition.status) == (1, Edition.Status.PUBLISHED)
    assert (edition.decision_number, edition.decision_date) == (
        "51/2025/QĐ-TTg",
        datetime.date(2025, 12, 29),
    )
    assert (edition.first_year, edition.last_year) == (2026, 2030)
    assert scoring.ruleset_from_data(edition.rules) == selectors.rules_for(cset)


# --------------------------------------------------------------------------- how it scores


def _every_value(number: str, flag: bool) -> dict[str, scoring.MeasureValue]:
    return {
        m.code: scoring.MeasureValue(flag if m.value_type == "bool" else Decimal(number))
        for m in Measure.objects.filter(criteria_set__code=CODE)
    }


@pytest.mark.parametrize(
    ("group", "number", "flag"),
    list(itertools.product(["1", "2", "3", ""], ["0", "12.5", "100", "-3"], [True, False])),
)
def test_no_values_reach_a_level_while_the_set_is_incomplete(cset, group, number, flag):
    rules = selectors.rules_for(cset)
    result = scoring.score(rules, scoring.Subject(2026, "01", group), _every_value(number, flag))
    indicators = {i.code: i for c in result.level_result("standard").criteria for i in c.indicators}
    assert {code for code, i in indicators.items() if i.outcome == "not_configured"} == NUMERIC
    assert all(i.threshold is None for i in indicators.values())
    standard = result.level_result("standard")
    # Never met: incomplete (criteria without indicators, unconfigured thresholds), or not
    # met once a yes/no content is answered no.
    expected = "incomplete" if flag else "not_met"
    assert (standard.met, standard.status, standard.complete) == (False, expected, False)
    modern = result.level_result("modern")
    assert (modern.met, modern.status, modern.criteria_total) == (False, "incomplete", 0)
    assert (result.level, result.next_level, result.uses_unverified) == ("none", "standard", False)


def test_criteria_without_indicators_are_incomplete_never_met(cset):
    values = _every_value("50", True)
    result = scoring.score(selectors.rules_for(cset), scoring.Subject(2026, "01", "2"), values)
    status = {c.code: c.status for c in result.level_result("standard").criteria}
    assert {code for code, s in status.items() if s == "incomplete"} == {
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "10",
    }
    assert result.level_result("standard").criteria_met == 0


def test_the_set_has_no_rule_problems(cset):
    assert scoring.rule_problems(selectors.rules_for(cset)) == []


# --------------------------------------------------------------------------- beside 2021-2025


def test_load_all_loads_both_sets_and_each_governs_its_own_years():
    reports = load_all()
    assert [r.set_code for r in reports] == ["NTM-2021-2025", CODE]
    assert CriteriaSet.objects.for_year(2025).code == "NTM-2021-2025"
    assert CriteriaSet.objects.for_year(2026).code == CODE
    again = load_all()
    assert all(c.created == c.updated == 0 for r in again for c in r.counts.values())


def test_criteria_report_lists_what_the_office_must_enter(cset):
    lines = _report("--set", CODE)
    assert lines[0] == f"{CODE}: National criteria for new rural development, 2026-2030 (2026-2030)"
    assert "  level standard (rank 1): 3 not configured, 0 unverified or demo thresholds" in lines
    assert "  level modern (rank 2): 0 not configured, 0 unverified or demo thresholds" in lines
    assert lines[-1] == (
        "Total: 3 indicators not configured, 0 unverified thresholds, 0 demo thresholds, "
        "0 rules that cannot be applied"
    )
    assert _report("--year", "2026")[0].startswith(f"{CODE}: ")


def test_the_api_shows_the_modern_level_as_a_pilot(cset, api):
    body = api().get(f"/api/v1/criteria-sets/{CODE}/").json()
    assert [(lv["code"], lv["pilot"]) for lv in body["levels"]] == [
        ("standard", False),
        ("modern", True),
    ]
    assert body["classification"] == "commune_group"
    assert body["editions_in_force"] == {str(year): 1 for year in range(2026, 2031)}
