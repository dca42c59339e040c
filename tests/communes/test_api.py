"""The read API of administrative units, as a dashboard meets it. Both structures are loaded
(tests/conftest.py): lists show the newest unless asked for another, so the tests that read
the old map name it."""

import pytest

from communes.models import Commune

pytestmark = pytest.mark.django_db

OLD = {"structure": "2021"}


def _codes(response) -> list[str]:
    return [item["code"] for item in response.json()["results"]]


def test_rural_communes_of_binh_duong(client):
    params = {"province": "74", "kind": "xa", "page_size": 100, **OLD}
    response = client.get("/api/v1/communes/", params)
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 39
    assert len(body["results"]) == 39
    assert {item["kind"] for item in body["results"]} == {"xa"}
    assert {item["province"]["code"] for item in body["results"]} == {"74"}
    assert _codes(response) == sorted(_codes(response))


def test_commune_detail_nests_its_parents(client):
    body = client.get("/api/v1/communes/25930/", OLD).json()
    assert body == {
        "code": "25930",
        "name": "Xã Bạch Đằng",
        "kind": "xa",
        "is_rural": True,
        "structure": "2021",
        "province": {"code": "74", "name": "Tỉnh Bình Dương"},
        "district": {"code": "723", "name": "Thành phố Tân Uyên"},
        "region": {"code": "dnb", "name_vi": "Đông Nam Bộ", "name_en": "Southeast"},
        "valid_from": None,
        "valid_to": "2025-06-30",
        # Its point for the map, from fixtures/coordinates/ (tests/communes/test_coordinates.py).
        "latitude": 11.039809,
        "longitude": 106.80014,
        # Without ?year there is no year's picture (see tests/stats/test_units.py).
        "assessment": None,
        "recognized_level": None,
        "predecessors": [],  # a unit of the old map has none
    }


@pytest.mark.parametrize("term", ["bach dang", "Bạch Đằng", "BẠCH ĐẰNG", "xa bach dang"])
def test_search_with_or_without_diacritics(client, term):
    response = client.get("/api/v1/communes/", {"search": term, "province": "74", **OLD})
    assert _codes(response) == ["25930"]


def test_search_by_code_prefix(client):
    response = client.get("/api/v1/communes/", {"search": "2593", "page_size": 100, **OLD})
    assert _codes(response)[:3] == ["25930", "25933", "25936"]
    assert all(code.startswith("2593") for code in _codes(response))
    assert response.json()["count"] == 5


def test_search_across_the_country_finds_every_bach_dang(client):
    response = client.get("/api/v1/communes/", {"search": "bach dang", "kind": "xa", **OLD})
    names = {(item["name"], item["province"]["code"]) for item in response.json()["results"]}
    assert ("Xã Bạch Đằng", "74") in names
    assert all(name == "Xã Bạch Đằng" for name, _ in names)
    assert {province for _, province in names} == {"04", "30", "31", "74"}


def test_filter_by_district(client):
    response = client.get("/api/v1/communes/", {"district": "723", "page_size": 100, **OLD})
    assert response.json()["count"] == Commune.objects.filter(district__code="723").count() == 12
    assert {item["district"]["code"] for item in response.json()["results"]} == {"723"}


def test_filter_by_region(client):
    provinces = client.get("/api/v1/provinces/", {"region": "dnb", **OLD}).json()
    assert [p["code"] for p in provinces["results"]] == ["70", "72", "74", "75", "77", "79"]
    districts = client.get("/api/v1/districts/", {"region": "tn", "page_size": 500, **OLD})
    districts = districts.json()
    assert districts["count"] == 60
    assert {d["province"]["code"] for d in districts["results"]} == {"62", "64", "66", "67", "68"}
    communes = client.get("/api/v1/communes/", {"region": "dnb", "kind": "thi_tran", **OLD})
    communes = communes.json()
    assert (
        communes["count"]
        == Commune.objects.filter(province__region__code="dnb", kind="thi_tran").count()
    )
    assert {c["region"]["code"] for c in communes["results"]} == {"dnb"}


def test_provinces_filter_by_kind_and_search(client):
    cities = client.get("/api/v1/provinces/", {"kind": "thanh_pho", **OLD}).json()
    assert [p["code"] for p in cities["results"]] == ["01", "31", "46", "48", "79", "92"]
    found = client.get("/api/v1/provinces/", {"search": "lang son", **OLD}).json()
    assert [p["name"] for p in found["results"]] == ["Tỉnh Lạng Sơn"]


def test_districts_of_a_province(client):
    body = client.get("/api/v1/districts/", {"province": "74", **OLD}).json()
    assert body["count"] == 9
    assert body["results"][0]["province"] == {"code": "74", "name": "Tỉnh Bình Dương"}
    detail = client.get("/api/v1/districts/723/", OLD).json()
    assert detail["name"] == "Thành phố Tân Uyên"
    assert detail["kind"] == "thanh_pho"


def test_province_detail(client):
    body = client.get("/api/v1/provinces/20/", OLD).json()
    assert body["name"] == "Tỉnh Lạng Sơn"
    assert body["region"]["code"] == "tdmnpb"
    # Lạng Sơn kept its code on the merged map: the same code, another unit.
    new = client.get("/api/v1/provinces/20/").json()
    assert (new["name"], new["structure"], new["region"]) == ("Lạng Sơn", "2025", None)


def test_structure_defaults_to_the_newest_loaded(client):
    assert client.get("/api/v1/provinces/").json()["count"] == 34
    assert client.get("/api/v1/provinces/", {"structure": "2021"}).json()["count"] == 63
    # The same code names different units in each structure.
    old = client.get("/api/v1/communes/25930/", {"structure": "2021"}).json()
    assert old["name"] == "Xã Bạch Đằng"
    assert client.get("/api/v1/communes/25930/").status_code == 404
    assert client.get("/api/v1/districts/").json()["count"] == 0


def test_page_size_is_bounded(client):
    body = client.get("/api/v1/communes/", {"page_size": 100_000, **OLD}).json()
    assert body["count"] == 10_051
    assert len(body["results"]) == 500
    assert len(client.get("/api/v1/communes/", {"page_size": 7}).json()["results"]) == 7


@pytest.mark.parametrize("page_size", [5, 500])
def test_list_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries, page_size):
    # the count of writes the pages are kept under (core.answers), newest structure, count,
    # page with its parents and region joined: 4 queries.
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/communes/", {"page_size": page_size})
    assert len(response.json()["results"]) == page_size
    # The region filter validates its code with one more query.
    with django_assert_max_num_queries(4):
        client.get("/api/v1/districts/", {"page_size": page_size, "region": "dbsh"})


def test_unknown_code_is_a_404_with_a_message(client):
    response = client.get("/api/v1/communes/99999/")
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "message": "No commune with code 99999 in this structure.",
    }


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/communes/", {"kind": "village"}, "kind"),
        ("/api/v1/communes/", {"province": "7"}, "province"),
        ("/api/v1/communes/", {"district": "abc"}, "district"),
        ("/api/v1/communes/", {"structure": "1999"}, "structure"),
        ("/api/v1/provinces/", {"region": "nowhere"}, "region"),
    ],
)
def test_bad_filters_get_a_400_naming_the_field(client, url, params, field):
    response = client.get(url, params)
    body = response.json()
    assert response.status_code == 400
    assert (body["status"], body["code"]) == (400, "invalid")
    assert list(body["errors"]) == [field]
    assert body["errors"][field][0]


def test_page_past_the_end_is_a_404(client):
    response = client.get("/api/v1/provinces/", {"page": 99})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_api_is_read_only(client):
    response = client.post("/api/v1/communes/", {"code": "00001"})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
