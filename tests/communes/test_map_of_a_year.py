"""The map of a year (communes.models): which structure a year's data is kept on, and which
units are on it. The SQL rule and its twin for a loaded unit give the same answers."""

import datetime

import pytest

from communes.models import Province, on_map_q, structure_for_year, structures_for_years

D = datetime.date


@pytest.mark.django_db
def test_a_year_is_kept_on_the_map_in_force_on_1_january():
    # Both maps are loaded for every test: the old one ends on 30 June 2025, the merged one
    # starts on 1 July 2025.
    assert structures_for_years([2021, 2024, 2025, 2026, 2030]) == {
        2021: "2021",
        2024: "2021",
        2025: "2021",  # merged on 1 July: 2025 stays on the old map
        2026: "2025",
        2030: "2025",
    }
    assert structure_for_year(2025) == "2021"


@pytest.mark.django_db
def test_a_year_before_every_map_falls_back_to_the_newest():
    Province.objects.filter(structure="2021").update(valid_from=D(2010, 1, 1))
    assert structure_for_year(2000) == "2025"


VALIDITY = [
    (None, None),
    (None, D(2025, 6, 30)),
    (D(2025, 7, 1), None),
    (D(2023, 6, 1), None),
    (None, D(2023, 5, 31)),
    (None, D(2022, 12, 31)),
    (D(2024, 1, 1), D(2024, 1, 1)),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("valid_from", "valid_to"), VALIDITY)
def test_the_query_and_the_loaded_unit_agree(valid_from, valid_to):
    unit = Province.objects.create(
        structure="2025",
        code="93",
        name="Thử",
        kind="tinh",
        valid_from=valid_from,
        valid_to=valid_to,
    )
    for year in range(2021, 2028):
        for structure in ("2021", "2025"):
            in_sql = Province.objects.filter(on_map_q(year, structure), pk=unit.pk).exists()
            assert in_sql == unit.is_on_map(year, structure), (year, structure)


@pytest.mark.django_db
def test_a_unit_is_on_the_map_of_every_year_it_was_valid_in():
    unit = Province.objects.create(
        structure="2021", code="99", name="Thử", kind="tinh", valid_to=D(2023, 5, 31)
    )
    years = [y for y in range(2021, 2026) if unit.is_on_map(y, "2021")]
    assert years == [2021, 2022, 2023]
    assert not unit.is_on_map(2022, "2025")  # another structure's map
