"""An assessment for year Y uses the set in force that year and a unit on that year's map:
a 2026 assessment of a commune abolished on 1 July 2025, or a 2024 one of a commune formed
then, is refused with the unit's validity and where that year's assessment belongs."""

import pytest
from django.core.exceptions import ValidationError

from communes.models import Commune
from criteria.models import Assessment, CriteriaSet
from criteria.services import create_assessment
from criteria.services.values import NewAssessment, create_assessments


@pytest.fixture
def set_2026(db):
    return CriteriaSet.objects.create(
        code="TEST-2026-2030",
        name_vi="Bộ thử 2026-2030",
        name_en="Test set 2026-2030",
        legal_basis="test",
        first_year=2026,
        last_year=2030,
        classification="commune_group",
    )


def _new(code: str) -> Commune:
    return Commune.objects.get(structure="2025", code=code)


def test_a_2026_assessment_of_an_abolished_commune_names_its_successor(set_2026, bach_dang):
    with pytest.raises(ValidationError) as caught:
        create_assessment(commune=bach_dang, year=2026)
    assert caught.value.message_dict["commune"] == [
        "Xã Bạch Đằng (25930) existed until 2025-06-30; 2026 is assessed on the map since "
        "then, on the commune(s) it went into: Phường Tân Uyên (25888)."
    ]
    assert not Assessment.objects.exists()


def test_a_2024_assessment_of_a_new_commune_names_its_predecessors(small_set):
    # New Xã Việt Lâm (Tuyên Quang, 2025) was formed from old communes of Hà Giang.
    commune = _new("00967")
    olds = sorted(f"{link.old.name} ({link.old.code})" for link in commune.predecessor_links.all())
    with pytest.raises(ValidationError) as caught:
        create_assessment(commune=commune, year=2024)
    message = caught.value.message_dict["commune"][0]
    assert message.startswith(f"{commune.name} (00967) exists from 2025-07-01; 2024 is assessed")
    assert all(old in message for old in olds) and olds
    assert not Assessment.objects.exists()


def test_each_era_takes_its_own_units_and_set(small_set, set_2026, bach_dang):
    new = Commune.objects.rural(2026).filter(structure="2025").first()
    assert create_assessment(commune=new, year=2026).criteria_set == set_2026
    assert create_assessment(commune=bach_dang, year=2025).criteria_set == small_set


def test_the_bulk_path_refuses_the_same(small_set, set_2026, bach_dang):
    with pytest.raises(ValidationError, match="existed until 2025-06-30"):
        create_assessments(entries=[NewAssessment(commune=bach_dang, year=2026, values={})])
    assert not Assessment.objects.exists()
