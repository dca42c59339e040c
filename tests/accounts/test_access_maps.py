"""A province's staff are its staff on both maps (accounts.access): the province of the same
code on the other map is theirs too, so that one account closes 2025 on the old map and enters
2026 on the new one. A province merged away has no namesake, and gains nothing."""

import pytest

from accounts.access import access_for, own_province
from communes.models import Commune, Province
from criteria.models import Assessment
from tests.criteria.test_one_answer import _set
from tests.factories import portal_user


@pytest.fixture
def new_map_set(db):
    return _set("NEW", 2026, 2030)


def _province(structure: str, code: str) -> Province:
    return Province.objects.get(structure=structure, code=code)


def test_staff_cover_their_province_on_both_maps_and_no_other(cast):
    old, new = _province("2021", "20"), _province("2025", "20")
    officer = access_for(cast.officer_20)
    assert officer.province_ids == {old.pk, new.pk}
    assert officer.can_edit(new.pk) and access_for(cast.approver_20).can_approve(new.pk)
    on_new_map = access_for(portal_user("officer_20n", "officer", "20", structure="2025"))
    assert on_new_map.province_ids == {old.pk, new.pk} and on_new_map.can_edit(old.pk)
    # Bình Dương (74) went into Hồ Chí Minh City (79): its staff gain none of it.
    binh_duong = access_for(cast.officer_74)
    assert binh_duong.province_ids == {binh_duong.province_id}
    assert not binh_duong.covers(_province("2025", "79").pk)
    assert not officer.covers(_province("2021", "79").pk)


def test_the_province_shown_is_the_one_on_the_years_map(cast):
    officer = access_for(cast.officer_20)
    assert own_province(officer, 2024) == _province("2021", "20")
    assert own_province(officer, 2026) == _province("2025", "20")
    assert own_province(officer) == _province("2021", "20")  # the account's own row
    assert own_province(access_for(cast.officer_74), 2026) == _province("2021", "74")


def test_an_officer_of_the_old_map_enters_2026_on_the_new_one(cast, api, client, new_map_set):
    """Before, the officer's own province on the 2021 map was their only one: 2026, on the
    new map, was refused as "only your province", and the overview showed nothing."""
    commune = Commune.objects.rural(2026).filter(structure="2025", province__code="20").first()
    body = {"commune": commune.code, "structure": "2025", "year": 2026}
    created = api(cast.officer_20).post("/api/v1/assessments/", body, format="json")
    assert created.status_code == 201, created.content
    assert Assessment.objects.get(commune=commune, year=2026).status == "draft"
    client.force_login(cast.officer_20)
    page = client.get("/", {"year": 2026}).content.decode()
    assert f'data-commune="{commune.code}"' in page
    # Hồ Chí Minh City's communes stay out of reach of Bình Dương's officer.
    saigon = Commune.objects.rural(2026).filter(structure="2025", province__code="79").first()
    body = {"commune": saigon.code, "structure": "2025", "year": 2026}
    refused = api(cast.officer_74).post("/api/v1/assessments/", body, format="json")
    assert refused.status_code == 403
    assert not Assessment.objects.filter(commune=saigon).exists()


def test_a_province_merged_away_says_where_its_communes_went(cast, client, new_map_set, small_set):
    """Bình Dương's officer asking for 2026: before, the overview showed Bình Dương with no
    commune, "Every commune has an assessment." and two file links that answered 404."""
    client.force_login(cast.officer_74)
    page = client.get("/", {"year": 2026}, headers={"accept-language": "vi"}).content.decode()
    assert 'id="not-on-this-map"' in page
    assert (
        "Tỉnh Bình Dương không còn trên bản đồ năm 2026: từ ngày 1/7/2025, các xã của tỉnh đã "
        "nhập vào Thành phố Hồ Chí Minh." in page
    )
    for gone in ("Mọi xã đều đã có kết quả đánh giá.", "/exports/", 'id="tasks-title"'):
        assert gone not in page
    # Its own years are as they were.
    page = client.get("/", {"year": 2024}).content.decode()
    assert 'id="not-on-this-map"' not in page and 'id="tasks-title"' in page
