"""Every "which communes in year Y" place follows the one rule (communes.models.rural_q and
Commune.is_rural_in): a commune of Bình Dương listed as a ward in January 2025 was a xã until
a change dated 1 March 2024 (made up for the tests), so it is rural in 2023 and 2024, not 2025.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from communes.models import Commune
from communes.services.kind_changes import record_kind_change
from criteria.services import close_year, create_assessment, open_commune_by_exception
from criteria.services.classes import ClassEntry, assign_classes
from criteria.services.recognitions import record_recognition
from criteria.services.values import NewAssessment, create_assessments
from web.viewmodels import approvals, overview

pytestmark = pytest.mark.django_db

CHANGED = datetime.date(2024, 3, 1)


@pytest.fixture
def former_xa():
    ward = Commune.objects.filter(structure="2021", province__code="74", kind="phuong")
    ward = ward.order_by("code").first()
    record_kind_change(
        commune=ward,
        date=CHANGED,
        old_kind="xa",
        new_kind="phuong",
        legal_source="Nghị quyết thử (test)",
    )
    return Commune.objects.select_related("province").get(pk=ward.pk)


def refused(message: str):
    return pytest.raises(ValidationError, match=message)


def test_an_assessment_is_refused_in_a_year_it_was_not_rural_naming_the_change(
    small_set, former_xa
):
    assert create_assessment(commune=former_xa, year=2024).commune == former_xa
    message = (
        f"{former_xa.name} was not a rural commune \\(xã\\) in 2025: it became Urban ward "
        "\\(phường\\) on 2024-03-01."
    )
    with refused(message):
        create_assessment(commune=former_xa, year=2025)
    with refused(message):
        create_assessments(entries=[NewAssessment(former_xa, 2025, {})])


def test_a_commune_made_xa_later_is_refused_before_naming_the_change(small_set):
    ward = Commune.objects.filter(structure="2021", province__code="74", kind="phuong")
    ward = ward.order_by("code")[1]
    record_kind_change(
        commune=ward, date="2025-03-01", new_kind="xa", legal_source="Nghị quyết thử (test)"
    )
    with refused(
        f"{ward.name} was not a rural commune \\(xã\\) in 2024: it was Urban ward "
        "\\(phường\\) until 2025-03-01."
    ):
        create_assessment(commune=ward, year=2024)
    assert create_assessment(commune=ward, year=2025).year == 2025


def test_a_never_rural_unit_keeps_the_plain_refusal(small_set):
    township = Commune.objects.filter(structure="2021", kind="thi_tran").first()
    with refused("Only rural communes \\(xã\\) are assessed."):
        create_assessment(commune=township, year=2023)


def test_classes_follow_the_year(small_set, former_xa, cast):
    def entry(year):
        return ClassEntry(2, former_xa.code, year, "dnb", "QĐ thử")

    assert assign_classes(criteria_set=small_set, entries=[entry(2024)], user=None).created == 1
    with pytest.raises(ValidationError) as error:
        assign_classes(criteria_set=small_set, entries=[entry(2025)], user=None)
    assert error.value.message_dict == {
        "row 2": [
            f"{former_xa.name} ({former_xa.code}) is not a rural commune (xã): "
            "only xã are NTM subjects."
        ]
    }


def test_a_closed_year_reopens_a_commune_rural_that_year(small_set, former_xa):
    closure = close_year(province=former_xa.province, year=2024)
    assert open_commune_by_exception(closure=closure, commune=former_xa, reason="Bổ sung")
    later = close_year(province=former_xa.province, year=2025)
    with refused("is not a rural commune of Tỉnh Bình Dương"):
        open_commune_by_exception(closure=later, commune=former_xa, reason="Bổ sung")


def test_a_recognition_needs_the_title_year_rural(small_set, former_xa):
    def record(title_year):
        return record_recognition(
            level_code="standard",
            title_year=title_year,
            decision_number="1/QĐ-UBND",
            decision_date=datetime.date(2025, 6, 1),
            issuer="UBND tỉnh",
            commune=former_xa,
        )

    assert record(2024).commune == former_xa
    with refused("Only rural communes \\(xã\\) are recognised."):
        record(2025)


def test_the_officer_pages_list_the_rural_communes_of_the_year(small_set, former_xa):
    province = former_xa.province
    assert former_xa in overview.rural_communes(province, 2024)
    assert former_xa not in overview.rural_communes(province, 2025)
    assert former_xa.district in overview.rural_districts(province, 2024)
    panels = {panel.year: panel.communes for panel in approvals.year_panels(province)}
    assert former_xa in panels[2024]
    assert former_xa not in panels[2025]
