"""The overview, the unit API and the statistics count the same communes for a year in which
units changed (communes.models.on_map_q is the one rule): a commune merged away in May still
carries the year, so does the commune created in June, and one gone the year before does not."""

import datetime

import pytest

from communes.models import Commune
from tests.web.test_assessment_pages import as_user, rows

YEAR = 2023


@pytest.fixture
def changed_map(small_set, bach_dang):
    """In Bình Dương (74): Bạch Đằng ends on 31 May 2023, a commune it merged into starts on
    1 June 2023, and another rural commune ended on 31 December 2022."""
    Commune.objects.filter(pk=bach_dang.pk).update(valid_to=datetime.date(YEAR, 5, 31))
    gone = Commune.objects.rural().filter(province__code="74").exclude(pk=bach_dang.pk).first()
    Commune.objects.filter(pk=gone.pk).update(valid_to=datetime.date(YEAR - 1, 12, 31))
    merged = Commune.objects.create(
        structure="2021",
        code="99999",
        name="Xã Bạch Đằng Mới",
        kind=Commune.Kind.XA,
        province=bach_dang.province,
        district=bach_dang.district,
        valid_from=datetime.date(YEAR, 6, 1),
    )
    return {"ended": bach_dang.code, "started": merged.code, "gone": gone.code}


def test_overview_api_and_statistics_count_the_same_communes(client, cast, changed_map):
    on_the_map = set(
        Commune.objects.rural()
        .filter(province__code="74")
        .on_map(YEAR)
        .values_list("code", flat=True)
    )
    assert {changed_map["ended"], changed_map["started"]} <= on_the_map
    assert changed_map["gone"] not in on_the_map

    overview = as_user(client, cast.officer_74).get("/", {"year": YEAR})
    listed = client.get(
        "/api/v1/communes/",
        {"year": YEAR, "province": "74", "kind": "xa", "page_size": 500},
    ).json()
    stats = client.get("/api/v1/stats/provinces/74/", {"year": YEAR}).json()

    assert set(rows(overview)) == on_the_map
    assert {c["code"] for c in listed["results"]} == on_the_map
    assert listed["count"] == stats["communes_total"] == len(on_the_map)


def test_the_year_before_has_the_old_communes_only(client, changed_map):
    listed = client.get(
        "/api/v1/communes/", {"year": YEAR - 1, "province": "74", "kind": "xa", "page_size": 500}
    ).json()
    codes = {c["code"] for c in listed["results"]}
    assert changed_map["gone"] in codes and changed_map["ended"] in codes
    assert changed_map["started"] not in codes
    stats = client.get("/api/v1/stats/provinces/74/", {"year": YEAR - 1}).json()
    assert stats["communes_total"] == listed["count"]
