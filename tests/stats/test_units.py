"""Units with their NTM picture for a year: what each user may see, the filters, the cost."""

import datetime

import pytest
import yaml

from communes.models import Commune
from core.renderers import written
from criteria.models import Assessment, Level, Recognition
from criteria.services import create_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def picture(small_set, bach_dang):
    """Bình Dương 2023: Bạch Đằng a draft; two approved communes (standard 3/3, none 1/3); a
    recognition of Bạch Đằng in force, one revoked, one decided after the year."""
    others = list(Commune.objects.rural().filter(province__code="74").exclude(pk=bach_dang.pk)[:3])
    create_assessment(commune=bach_dang, year=2023)
    for commune, level, met in ((others[0], "standard", 3), (others[1], "none", 1)):
        a = create_assessment(commune=commune, year=2023)
        Assessment.objects.filter(pk=a.pk).update(status="approved", level=level, criteria_met=met)
    standard = Level.objects.get(criteria_set=small_set, code="standard")
    advanced = Level.objects.get(criteria_set=small_set, code="advanced")

    def recognise(commune, level, decided, revoked=None):
        Recognition.objects.create(
            commune=commune,
            level=level,
            title_year=2023,
            decision_number="1/QĐ-UBND",
            decision_date=decided,
            issuer="UBND",
            revoked_date=revoked,
        )

    recognise(bach_dang, standard, datetime.date(2023, 6, 1))
    recognise(bach_dang, advanced, datetime.date(2024, 2, 1))  # decided after 2023
    recognise(others[0], standard, datetime.date(2023, 6, 1), revoked=datetime.date(2023, 9, 1))
    return bach_dang, others


def _by_code(response) -> dict:
    assert response.status_code == 200, response.content
    return {c["code"]: c for c in response.json()["results"]}


URL = "/api/v1/communes/?province=74&kind=xa&year=2023&page_size=100"


def test_the_public_sees_approved_assessments_and_recognitions(api, picture):
    bach_dang, (standard, none, unassessed) = picture
    communes = _by_code(api().get(URL))
    assert communes[bach_dang.code]["assessment"] is None  # a draft: not public
    assert communes[bach_dang.code]["recognized_level"] == "standard"
    assert communes[standard.code]["assessment"]["level"] == "standard"
    assert communes[standard.code]["assessment"]["criteria_met"] == 3
    assert communes[standard.code]["recognized_level"] is None  # revoked in 2023
    assert communes[none.code]["assessment"]["status"] == "approved"
    assert communes[unassessed.code]["assessment"] is None


def test_the_province_staff_sees_its_drafts_others_do_not(api, cast, picture):
    bach_dang, _ = picture
    own = _by_code(api(cast.viewer_74).get(URL))[bach_dang.code]["assessment"]
    assert (own["status"], own["level"]) == ("draft", "none")
    assert _by_code(api(cast.officer_20).get(URL))[bach_dang.code]["assessment"] is None


def test_recognitions_follow_the_year(api, picture):
    bach_dang, _ = picture
    later = _by_code(api().get(URL.replace("2023", "2024")))
    assert later[bach_dang.code]["recognized_level"] == "advanced"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("&level=standard", [1]),
        ("&level=none", [2]),
        ("&min_criteria_met=1", [1, 2]),
        ("&min_criteria_met=2", [1]),
        ("&status=approved", [1, 2]),
        ("&status=draft", []),
        ("&recognized_level=standard", [0]),
    ],
)
def test_filters_on_the_year_picture(api, picture, query, expected):
    bach_dang, others = picture
    units = [bach_dang, *others]
    assert sorted(_by_code(api().get(URL + query))) == sorted(units[i].code for i in expected)


def test_the_officer_filters_its_own_drafts(api, cast, picture):
    bach_dang, _ = picture
    drafts = _by_code(api(cast.officer_74).get(URL + "&status=draft"))
    assert list(drafts) == [bach_dang.code]


@pytest.mark.parametrize("query", ["level=standard", "min_criteria_met=3", "status=draft"])
def test_year_filters_need_a_year(api, picture, query):
    response = api().get(f"/api/v1/communes/?province=74&{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["year"]


def test_a_bad_year_is_a_400(api):
    response = api().get("/api/v1/communes/?year=20x3")
    assert response.status_code == 400
    assert "year" in response.json()["errors"]


def test_districts_and_provinces_count_their_communes_by_level(api, cast, picture):
    bach_dang, (standard, *_rest) = picture
    province = api().get("/api/v1/provinces/74/?year=2023").json()
    assert province["communes_by_level"] == {"standard": 1, "none": 1}
    staff = api(cast.officer_74).get("/api/v1/provinces/74/?year=2023").json()
    assert staff["communes_by_level"] == {"standard": 1, "none": 2}
    plain = api().get("/api/v1/provinces/74/", {"structure": "2021"}).json()
    assert plain["communes_by_level"] is None
    districts = {
        d["code"]: d
        for d in api().get("/api/v1/districts/?province=74&year=2023").json()["results"]
    }
    assert districts[standard.district.code]["communes_by_level"].get("standard") == 1
    assert {d["recognized_level"] for d in districts.values()} == {None}


def test_lists_cost_a_fixed_number_of_queries(api, picture, django_assert_max_num_queries):
    for size in (5, 100):
        # the count of writes the pages are kept under (core.answers), newest structure,
        # count, page (assessment and recognition subqueries inside it)
        with django_assert_max_num_queries(4):
            api().get(f"/api/v1/communes/?year=2023&page_size={size}")
        # newest structure, count, page, one grouped count of communes by level for the page
        with django_assert_max_num_queries(4):
            api().get(f"/api/v1/districts/?year=2023&page_size={size}")
        with django_assert_max_num_queries(4):
            api().get(f"/api/v1/provinces/?year=2023&page_size={size}")


def test_communes_carry_their_point_for_the_map(api, client):
    """Coordinates from fixtures/coordinates/ (loaded with the units): numbers, null where the
    source has no reliable point; documented in the schema."""
    listed = _by_code(api().get("/api/v1/communes/?structure=2021&province=74&page_size=100"))
    assert (listed["25930"]["latitude"], listed["25930"]["longitude"]) == (11.039809, 106.80014)
    one = api().get("/api/v1/communes/25930/?structure=2021").json()
    assert (one["latitude"], one["longitude"]) == (11.039809, 106.80014)
    # Trường Sa's communes on the old map: the source only had mainland Khánh Hòa's point.
    song_tu_tay = api().get("/api/v1/communes/22737/?structure=2021").json()
    assert song_tu_tay["name"] == "Xã Song Tử Tây"
    assert (song_tu_tay["latitude"], song_tu_tay["longitude"]) == (None, None)
    # The special zone of the new map, far offshore, has its own.
    truong_sa = api().get("/api/v1/communes/22736/?structure=2025").json()
    assert (truong_sa["latitude"], truong_sa["longitude"]) == (9.71, 114.45)

    schema = yaml.safe_load(client.get("/api/schema/").content)
    fields = schema["components"]["schemas"]["CommuneYear"]["properties"]
    for name in ("latitude", "longitude"):
        assert fields[name]["nullable"] is True
        assert "WGS 84" in fields[name]["description"]


@pytest.mark.parametrize("year", [None, 2023])
def test_the_list_rows_are_what_the_declared_fields_give(api, cast, picture, year):
    """The list is written from plain rows (commune_rows) for speed: the same data, key for
    key, as CommuneYearSerializer's declared fields give, with a year and without, for a
    commune without a district, a province without a region, and one with no point."""
    from accounts.access import access_for
    from communes.selectors import communes_for_list
    from criteria.selectors import communes_for_year
    from stats.api.units import CommuneYearSerializer, commune_row_fields, commune_rows

    bach_dang, others = picture
    Commune.objects.filter(pk=others[2].pk).update(district=None, latitude=None, longitude=None)
    bach_dang.province.__class__.objects.filter(pk=bach_dang.province_id).update(region=None)
    communes = communes_for_list().filter(structure="2021", province__code="74")
    communes = communes.order_by("code")
    if year:
        communes = communes_for_year(communes, access_for(cast.viewer_74), year)
    generic = CommuneYearSerializer(list(communes), many=True).data
    fast = commune_rows(communes.values(*commune_row_fields(communes)))
    # What the client gets, byte for byte (a coordinate written as a number either way).
    assert written([dict(row) for row in generic]) == written(fast)
    assert [list(row) for row in generic] == [list(row) for row in fast]
    shown = {row["code"]: row for row in fast}
    assert shown[others[2].code]["district"] is None and shown[others[2].code]["latitude"] is None
    assert shown[bach_dang.code]["region"] is None
    assert (shown[bach_dang.code]["assessment"] is not None) == bool(year)
    assert shown[bach_dang.code]["recognized_level"] == ("standard" if year else None)
    listed = api(cast.viewer_74).get(
        "/api/v1/communes/?structure=2021&province=74&page_size=500"
        + (f"&year={year}" if year else "")
    )
    assert listed.json()["results"] == [
        {**row, "latitude": _number(row["latitude"]), "longitude": _number(row["longitude"])}
        for row in fast
    ]


def _number(value):
    return None if value is None else float(value)
