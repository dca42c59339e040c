"""A small criteria set built for the tests (never the real one, whose numbers are mostly
unconfigured): two levels, region-keyed thresholds, one relative-free ladder."""

import pytest

from communes.models import Commune
from criteria.models import CriteriaSet, Level
from tests.criteria.builders import indicator, measure


@pytest.fixture
def small_set(db):
    """standard: 1 income >= 40 (Southeast: 50), 2 irrigation >= 80 %, 3 plan approved;
    advanced: 1 income >= 60, 2 craft plan (may be not applicable)."""
    cset = CriteriaSet.objects.create(
        code="TEST-2021-2025",
        name_vi="Bộ thử",
        name_en="Test set",
        legal_basis="test",
        first_year=2021,
        last_year=2025,
        classification="region",
    )
    standard = Level.objects.create(
        criteria_set=cset, code="standard", rank=1, name_vi="Đạt chuẩn", name_en="Standard"
    )
    advanced = Level.objects.create(
        criteria_set=cset, code="advanced", rank=2, name_vi="Nâng cao", name_en="Advanced"
    )
    income = measure(cset, "income", "money", unit="triệu đồng/người/năm")
    irrigation = measure(cset, "irrigation", "percent", unit="%")
    plan = measure(cset, "plan", "bool")
    crafts = measure(cset, "crafts", "bool", allows_not_applicable=True)
    measure(cset, "ocop_products", "number", source="derived", derived_from="test.ocop_products")
    indicator(standard, "1", "1.1", income, ">=", ("national", None, "40"), ("class", "dnb", "50"))
    indicator(standard, "2", "2.1", irrigation, ">=", ("national", None, "80"))
    indicator(standard, "3", "3.1", plan, "true")
    indicator(advanced, "1", "1.1", income, ">=", ("national", None, "60"))
    indicator(advanced, "2", "2.1", crafts, "true")
    return cset


@pytest.fixture
def bach_dang(db):
    """Xã Bạch Đằng, Bình Dương: Southeast region."""
    return Commune.objects.select_related("province__region").get(structure="2021", code="25930")


@pytest.fixture
def lang_son_commune(db):
    return Commune.objects.rural().filter(structure="2021", province__code="20").first()
