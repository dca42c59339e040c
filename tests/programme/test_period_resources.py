"""Resources over a period, rebuilt from records entered through the API as a province's officer
and approver enter them, for two published statements (the figures are the published ones;
how they split between years and sources is made up here, and only what was published is
asserted):

- Bình Dương: "VND 6,400 billion in three years (2021-2023); more than 12,000 billion projected
  for 2021-2025, budget capital 72%, mobilised capital, credit, enterprises and community 28%";
- Quảng Ninh: "people and communities contributed 17,973 billion VND over 2011-2023, 8.1% of
  the programme's total in the province" (years before the portal's commune data: province
  totals).
"""

from decimal import Decimal

import pytest

from communes.models import Province
from stats import annual
from tests.factories import portal_user
from tests.programme.conftest import BASE

pytestmark = pytest.mark.django_db
URL = f"{BASE}stats/provinces/{{code}}/resources/"


def _enter(enter, province: str, rows):
    officer = portal_user(f"officer_{province}", "officer", province)
    approver = portal_user(f"approver_{province}", "approver", province)
    for year, source, kind, amount in rows:
        body = {"province": province, "year": year, "source": source, "kind": kind}
        enter(officer, approver, "fundings", {**body, "amount": amount})


@pytest.fixture
def binh_duong(enter):
    actual = [
        (2021, "central_budget", "actual", "500000"),
        (2021, "local_budget", "actual", "1300000"),
        (2022, "local_budget", "actual", "1500000"),
        (2022, "credit", "actual", "600000"),
        (2023, "local_budget", "actual", "1700000"),
        (2023, "enterprises", "actual", "500000"),
        (2023, "community_cash", "actual", "300000"),
        (2024, "local_budget", "actual", "999999"),  # outside the three years
    ]
    planned = [(year, "local_budget", "planned", "1742400") for year in range(2021, 2026)]
    planned += [(year, "credit", "planned", "677600") for year in range(2021, 2026)]
    _enter(enter, "74", actual + planned)


@pytest.fixture
def quang_ninh(enter):
    rows = []
    for year in range(2011, 2024):
        last = year == 2023
        rows.append((year, "community_cash", "actual", "1413000" if last else "1380000"))
        rows.append((year, "local_budget", "actual", "15696000" if last else "15685000"))
    _enter(enter, "22", rows)


def _number(value) -> Decimal:
    return Decimal(str(value))


def _period(api, code, first, last):
    response = api().get(URL.format(code=code), {"first_year": first, "last_year": last})
    assert response.status_code == 200, response.json()
    return response.json()


def test_binh_duong_three_years_and_the_projection(api, binh_duong):
    three_years = _period(api, "74", 2021, 2023)
    assert _number(three_years["actual"]["total"]) == 6_400_000  # million VND: 6,400 billion
    assert [row["year"] for row in three_years["by_year"]] == [2021, 2022, 2023]
    assert _number(three_years["by_year"][2]["actual"]) == 2_500_000
    projected = _period(api, "74", 2021, 2025)["planned"]
    assert _number(projected["total"]) > 12_000_000
    groups = projected["by_group"]
    assert (_number(groups["budget"]["share"]), _number(groups["other"]["share"])) == (72, 28)


def test_quang_ninh_the_peoples_share_since_2011(api, quang_ninh):
    since_2011 = _period(api, "22", 2011, 2023)["actual"]
    assert _number(since_2011["community"]) == 17_973_000  # 17,973 billion
    assert _number(since_2011["community_share"]) == Decimal("8.10")


def test_the_annual_report_says_the_period_and_the_programme_so_far(api, quang_ninh, small_set):
    report = annual.annual_report(Province.objects.get(structure="2021", code="22"), 2023)
    text = annual.text(report)
    assert (
        "Lũy kế từ năm 2011 đến năm 2023: tổng vốn huy động thực hiện 221.889 tỷ đồng; "
        "nhân dân đóng góp 17.973 tỷ đồng (8,1% tổng vốn)." in text
    )
    assert "Lũy kế giai đoạn 2021-2023: tổng vốn huy động thực hiện 51.239 tỷ đồng" in text


def test_drafts_do_not_count_and_bad_periods_are_refused(api, enter):
    officer = portal_user("officer_74", "officer", "74")
    body = {"province": "74", "year": 2022, "source": "credit", "kind": "actual"}
    enter(officer, None, "fundings", {**body, "amount": "1000"})  # a draft
    assert _number(_period(api, "74", 2021, 2023)["actual"]["total"]) == 0
    response = api().get(URL.format(code="74"), {"first_year": 2023, "last_year": 2021})
    assert response.status_code == 400
    assert "The period ends before it starts." in str(response.json()["errors"]["last_year"])
    response = api().get(URL.format(code="74"), {"first_year": 2010, "last_year": 2021})
    assert response.status_code == 400 and "first_year" in response.json()["errors"]
    response = api().get(URL.format(code="99"), {"first_year": 2021, "last_year": 2023})
    assert response.status_code == 404


def test_a_period_into_the_new_map_counts_the_provinces_that_went_into_it(
    api, binh_duong, quang_ninh
):
    """A period running into 2026 is read on the new map: before, Quảng Ninh's 2021-2026
    and Hồ Chí Minh City's counted 2021-2025 as nothing (0, against 2,143,000 for 2021-2025
    of the same records)."""
    old_map = _period(api, "22", 2021, 2023)["actual"]["total"]
    into_2026 = _period(api, "22", 2021, 2026)
    assert into_2026["actual"]["total"] == old_map  # Quảng Ninh, the same territory
    # Bình Dương went into Hồ Chí Minh City: its records count there, for their years.
    saigon = _period(api, "79", 2021, 2026)
    assert _number(saigon["actual"]["total"]) == 6_400_000 + 999_999
    assert [row["year"] for row in saigon["by_year"]] == [2021, 2022, 2023, 2024, 2025]
    # On the old map, a province's own records only.
    old_saigon = api().get(URL.format(code="79"), {"first_year": 2021, "last_year": 2025})
    assert _number(old_saigon.json()["actual"]["total"]) == 0
