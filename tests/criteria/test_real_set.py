"""The real 2021-2025 set, loaded from its fixture and scored end to end."""

from decimal import Decimal

import pytest

from criteria.loading import load_all
from criteria.models import CriteriaSet
from criteria.services import create_assessment, save_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_set():
    load_all()
    return CriteriaSet.objects.get(code="NTM-2021-2025")


def test_unconfigured_thresholds_block_the_level_and_are_named(real_set, bach_dang):
    assessment = create_assessment(commune=bach_dang, year=2023)
    assert assessment.criteria_set == real_set
    result = save_values(
        assessment=assessment,
        values={"farmland_irrigated_drained_rate": 85, "income_per_capita": 90},
        version=1,
    )
    standard = result.level_result("standard")
    by_code = {i.code: i for c in standard.criteria for i in c.indicators}
    assert (by_code["3.1"].outcome, by_code["3.1"].threshold.value) == ("pass", Decimal("80"))
    assert by_code["10.1"].outcome == "not_configured"
    assert by_code["10.1"].value == Decimal("90")
    assert result.level == "none"
    assert result.next_level == "standard"
    assert "10.1" in {i.code for i in result.gap if i.outcome == "not_configured"}
    assert standard.criteria_total == 19
    assessment.refresh_from_db()
    assert assessment.criteria_met_by_level["advanced"][1] == 19
    assert assessment.criteria_met_by_level["model"][1] == 4


def test_model_income_is_110_percent_of_a_configured_advanced_threshold(real_set, bach_dang):
    advanced_income = real_set.levels.get(code="advanced").criteria.get(number="10")
    advanced_income.indicators.get(code="10.1").thresholds.create(
        scope="province",
        province=bach_dang.province,
        value=Decimal("80"),
        first_year=2023,
        last_year=2023,
        source="demo value for a test",
        demo=True,
    )
    assessment = create_assessment(commune=bach_dang, year=2023)
    result = save_values(assessment=assessment, values={"income_per_capita": 88}, version=1)
    model_income = result.level_result("model").criteria[1].indicators[0]
    assert model_income.threshold.value == Decimal("88.00")
    assert model_income.outcome == "pass"
    assert model_income.threshold.verified is False  # a demo base makes the result unverified
