"""A year before the merger asked on the merged map: new Tuyên Quang (08) was formed from old
Hà Giang (02) and old Tuyên Quang (08) on 1 July 2025; its 2023 figures are those of the old
communes that went into it, each counted once, and the report says so."""

import pytest

from communes.models import Commune
from criteria.services import create_assessment, move, save_values

PROVINCE = "/api/v1/stats/provinces/{}/"
NATIONAL = "/api/v1/stats/national/"
PASSING = {"income": 55, "irrigation": 85, "plan": True}
FAILING = {"income": 20, "irrigation": 85, "plan": True}


def _approve(code: str, values: dict) -> None:
    commune = Commune.objects.get(structure="2021", code=code)
    assessment = create_assessment(commune=commune, year=2023)
    save_values(assessment=assessment, values=values, version=1)
    move(assessment=assessment, version=assessment.version, action="submit")
    move(assessment=assessment, version=assessment.version, action="approve")


@pytest.fixture
def approved(small_set):
    # Xã Việt Lâm (02) went in part into two new communes of new Tuyên Quang: it counts once.
    _approve("00967", PASSING)
    _approve("02485", PASSING)  # Xã Công Đa (08), split between two new communes
    _approve("02497", FAILING)  # Xã Kim Phú (08)
    # A commune of old Lạng Sơn (20), unchanged province: not a predecessor of new 08.
    _approve(
        Commune.objects.filter(structure="2021", province__code="20", kind="xa")[0].code, PASSING
    )


def test_a_new_province_reads_its_predecessors_each_counted_once(client, approved):
    response = client.get(PROVINCE.format("08"), {"year": 2023, "structure": "2025"})
    assert response.status_code == 200
    body = response.json()
    # The rural communes of old Hà Giang (02) and old Tuyên Quang (08) in 2023: 296, each
    # once, less Xã Phú Thịnh (02482), merged early in 2025 and absent from the conversion
    # table (fixtures/lineage/fixes.csv says so): 295.
    assert (body["basis"], body["structure"], body["communes_total"]) == (
        "predecessors",
        "2025",
        295,
    )
    assert body["unit"]["name"] == "Tuyên Quang"
    assert body["assessed"] == 3
    assert body["computed"] == {"none": 1, "standard": 2, "advanced": 0}
    assert body["districts_total"] is None  # the merged map has no districts


def test_the_same_year_on_its_own_map_is_by_units(client, approved):
    body = client.get(PROVINCE.format("08"), {"year": 2023}).json()
    assert (body["basis"], body["structure"], body["assessed"]) == ("units", "2021", 2)


def test_the_country_on_the_merged_map_counts_each_old_commune_once(client, approved):
    merged = client.get(NATIONAL, {"year": 2023, "structure": "2025"}).json()
    own = client.get(NATIONAL, {"year": 2023}).json()
    assert merged["basis"] == "predecessors"
    assert len(merged["provinces"]) == 34
    assert merged["assessed"] == own["assessed"] == 4
    by_code = {row["unit"]["code"]: row for row in merged["provinces"]}
    assert by_code["08"]["assessed"] == 3 and by_code["20"]["assessed"] == 1
    # Old communes without a successor in the table are in the country, not in a province.
    assert merged["communes_total"] <= own["communes_total"]


def test_the_merged_map_costs_a_fixed_number_of_queries(
    client, approved, django_assert_max_num_queries
):
    # levels, the year's map, provinces, communes, assessments, OCOP products (per old
    # commune), the lineage, targets; the criteria and their results; the freshness counters
    # (stats.freshness: the cache is empty at the start of a test).
    with django_assert_max_num_queries(11):
        assert client.get(NATIONAL, {"year": 2023, "structure": "2025"}).status_code == 200


def test_a_new_communes_detail_lists_its_predecessors_results(client, approved):
    # New Xã Việt Lâm (00967, 2025) took part of old Xã Việt Lâm (00967, 2021), approved in 2023.
    body = client.get("/api/v1/communes/00967/", {"structure": "2025"}).json()
    by_code = {p["code"]: p for p in body["predecessors"]}
    old = by_code["00967"]
    assert (old["structure"], old["how"], old["partial"]) == ("2021", "part", True)
    assert [(r["year"], r["level"], r["status"]) for r in old["results"]] == [
        (2023, "standard", "approved")
    ]
    old_only = client.get("/api/v1/communes/00967/", {"structure": "2021"}).json()
    assert old_only["predecessors"] == []


def test_drafts_of_a_predecessor_stay_with_its_provinces_staff(client, small_set):
    commune = Commune.objects.get(structure="2021", code="00967")
    create_assessment(commune=commune, year=2024)  # a draft
    body = client.get("/api/v1/communes/00967/", {"structure": "2025"}).json()
    old = {p["code"]: p for p in body["predecessors"]}["00967"]
    assert old["results"] == []
