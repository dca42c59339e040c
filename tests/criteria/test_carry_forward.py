"""Last year's values as the starting point of a new year (#15 item 6): copied when the year
is created, under the same criteria set, marked until an officer confirms or changes them."""

from decimal import Decimal

import pytest

from criteria.models import AssessmentValue
from criteria.services import create_assessment, save_values

pytestmark = pytest.mark.django_db

LAST_YEAR = {
    "income": {"value": 55, "note": "Báo cáo 2022", "evidence_url": "https://example.org/q.pdf"},
    "irrigation": 85,
    "crafts": {"not_applicable": True, "note": "Không có làng nghề"},
}


@pytest.fixture
def last_year(small_set, bach_dang, cast):
    previous = create_assessment(commune=bach_dang, year=2022, user=cast.officer_74)
    save_values(assessment=previous, values=LAST_YEAR, version=1, user=cast.officer_74)
    return previous


def _values(assessment) -> dict:
    return {
        v.measure.code: (
            v.number,
            v.flag,
            v.not_applicable,
            v.note,
            v.evidence_url,
            v.carried_forward,
        )
        for v in assessment.values.select_related("measure")
    }


def test_a_new_year_starts_from_last_years_values_marked_carried_forward(
    last_year, bach_dang, cast
):
    new = create_assessment(commune=bach_dang, year=2023, user=cast.officer_74)
    assert _values(new) == {
        # The evidence link proves last year's value, not this year's: left behind.
        "income": (Decimal("55.0000"), None, False, "Báo cáo 2022", "", True),
        "irrigation": (Decimal("85.0000"), None, False, "", "", True),
        "crafts": (None, None, True, "Không có làng nghề", "", True),
    }
    assert new.version == 1  # created, not yet saved by anyone
    # Scored on them: income and irrigation pass, the plan is still missing.
    new.refresh_from_db()
    assert new.criteria_met_by_level["standard"] == [2, 3]
    history = AssessmentValue.history.filter(assessment_id=new.pk)
    assert history.count() == 3
    assert {(h.history_type, h.history_user, h.history_change_reason) for h in history} == {
        ("+", cast.officer_74, "Carried forward from 2022")
    }
    # Last year's values are untouched.
    assert all(not v[-1] for v in _values(last_year).values())


def test_saving_clears_the_mark_of_the_values_saved_only(last_year, bach_dang, cast):
    new = create_assessment(commune=bach_dang, year=2023, user=cast.officer_74)
    save_values(assessment=new, values={"income": 58, "irrigation": 85}, version=1)
    carried = {code: v[-1] for code, v in _values(new).items()}
    # Changed (income) or confirmed as it stands (irrigation): no longer last year's.
    assert carried == {"income": False, "irrigation": False, "crafts": True}


def test_nothing_is_carried_without_last_year(small_set, bach_dang, cast):
    later = create_assessment(commune=bach_dang, year=2024, user=cast.officer_74)
    assert _values(later) == {}


def test_only_the_year_just_before_is_carried(last_year, bach_dang, cast):
    two_years_on = create_assessment(commune=bach_dang, year=2024, user=cast.officer_74)
    assert _values(two_years_on) == {}


def test_a_caller_may_start_blank(last_year, bach_dang, cast):
    blank = create_assessment(commune=bach_dang, year=2023, carry_forward=False)
    assert _values(blank) == {}
