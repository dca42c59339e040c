"""Django admin over the units, as an administrator searches and filters them."""

import pytest

pytestmark = pytest.mark.django_db


def _listed(response) -> list[str]:
    return [obj.code for obj in response.context["cl"].result_list]


@pytest.mark.parametrize("term", ["bach dang", "Bạch Đằng"])
def test_commune_search_with_or_without_diacritics(admin_client, term):
    response = admin_client.get("/admin/communes/commune/", {"q": term})
    assert response.status_code == 200
    assert "25930" in _listed(response)
    assert "Xã Bạch Đằng" in response.content.decode()
    assert all("bach dang" in obj.search_key for obj in response.context["cl"].result_list)


def test_commune_search_by_code(admin_client):
    response = admin_client.get("/admin/communes/commune/", {"q": "25930"})
    assert _listed(response) == ["25930"]


def test_communes_filter_by_region_and_kind(admin_client):
    from communes.models import Commune, Region

    region = Region.objects.get(code="dnb")
    response = admin_client.get(
        "/admin/communes/commune/",
        {"province__region__id__exact": region.pk, "kind__exact": "thi_tran"},
    )
    result = response.context["cl"].result_list
    expected = Commune.objects.filter(province__region=region, kind="thi_tran").count()
    assert response.context["cl"].result_count == expected == 37
    assert {c.province.region.code for c in result} == {"dnb"}
    assert {c.kind for c in result} == {"thi_tran"}


def test_province_list_shows_region_and_filters_by_kind(admin_client):
    response = admin_client.get(
        "/admin/communes/province/", {"kind__exact": "thanh_pho", "structure__exact": "2021"}
    )
    assert sorted(_listed(response)) == ["01", "31", "46", "48", "79", "92"]
    assert "Đồng bằng sông Hồng" in response.content.decode()


def test_district_list_filters_by_province(admin_client):
    from communes.models import Province

    province = Province.objects.get(structure="2021", code="74")
    response = admin_client.get("/admin/communes/district/", {"province__id__exact": province.pk})
    assert len(_listed(response)) == 9


def test_region_list_counts_provinces(admin_client):
    response = admin_client.get("/admin/communes/region/")
    counts = {r.code: r.province_count for r in response.context["cl"].result_list}
    assert counts == {
        "tdmnpb": 14,
        "dbsh": 11,
        "btb": 6,
        "dhntb": 8,
        "tn": 5,
        "dnb": 6,
        "dbscl": 13,
    }


def test_commune_list_costs_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    # session, user, count, full count, page with parents joined, and the filter sidebars'
    # province and region lists: a constant that does not grow with the 100 rows shown.
    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/communes/commune/")
    assert len(response.context["cl"].result_list) == 100


def test_editing_a_name_refreshes_its_search_key(admin_client):
    from communes.models import Commune

    commune = Commune.objects.get(structure="2021", code="25930")
    response = admin_client.post(
        f"/admin/communes/commune/{commune.pk}/change/",
        {
            "structure": "2021",
            "code": "25930",
            "name": "Xã Bạch Đằng Mới",
            "kind": "xa",
            "province": commune.province_id,
            "district": commune.district_id,
            "valid_from": "",
            "valid_to": "2025-06-30",
        },
    )
    assert response.status_code == 302
    commune.refresh_from_db()
    assert commune.search_key == "xa bach dang moi"
