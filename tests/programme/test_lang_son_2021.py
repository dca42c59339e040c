"""Issue 18's Lạng Sơn 2021 paragraph, rebuilt figure by figure: its officer enters the
records through the API, its approver approves them, and the public reads the statistics.

"total capital mobilised 2,974 billion VND, of which people donated land, contributed cash and
working days converted into money, more than 110 billion VND; 23 km of new roads opened, 404 km
of cement concrete pavement; 21 irrigation and domestic water works built, upgraded or
repaired; 10 rural electricity projects; 27 school works; 7 new communal cultural houses, 24
village cultural houses; 6.9 billion VND to 16 production development models; 10 more communes
recognised NTM, 75 in all; 5 advanced; on average 14.03 criteria per commune, up 1.06 on 2020".
Plan for 2022: 10 more NTM communes, an average of at least 14.5 criteria, 5 more advanced, and
in each district 2 to 3 model residential areas and at least 2 model gardens.

The figures are the published report's (test data, not fixtures); how they split between
sources, communes and entries is made up here, and only the totals are asserted.
"""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from rest_framework.test import APIClient

from communes.models import Commune
from tests.factories import portal_user
from tests.programme.conftest import BASE, entering

# Its module fixtures are built once: its tests stay on one worker (make test: --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("programme.test_lang_son_2021")]

# Million VND per source: 2,974,000 in all, of which the community's 111,000.
FUNDING = [
    ("central_budget", None, "1200000"),
    ("local_budget", None, "800000"),
    ("integrated_programmes", None, "500000"),
    ("credit", None, "250000"),
    ("enterprises", None, "113000"),
    ("community_cash", "commune", "40000"),
    ("community_land", "district", "50000"),
    ("community_days", None, "21000,0"),  # a comma for decimals, as Vietnamese write it
]
# (kind, new or upgraded, quantity): summed per kind by the statistics.
WORKS = [
    ("new_road", "new", "15"),
    ("new_road", "new", "8"),
    ("concrete_pavement", "new", "300.5"),
    ("concrete_pavement", "upgraded", "103.5"),
    ("irrigation_water", "new", "12"),
    ("irrigation_water", "upgraded", "9"),
    ("electricity", "new", "10"),
    ("school", "new", "20"),
    ("school", "upgraded", "7"),
    ("communal_cultural_house", "new", "7"),
    ("village_cultural_house", "new", "24"),
]
FIGURES = [
    (2020, "average_criteria", "", "12.97"),
    (2021, "average_criteria", "", "14.03"),
    (2021, "more_communes", "standard", "10"),
    (2021, "communes_at_level", "standard", "75"),
    (2021, "communes_at_level", "advanced", "5"),
]
PLAN_2022 = [
    {"kind": "more_communes", "level": "standard", "value": 10},
    {"kind": "average_criteria", "value": "14.5"},
    {"kind": "more_communes", "level": "advanced", "value": 5},
    {"kind": "model_areas", "per_district": True, "value": 2, "value_max": 3},
    {"kind": "model_gardens", "per_district": True, "value": 2},
]


@pytest.fixture(scope="module")
def reported(django_db_setup, django_db_blocker):
    """The province's records of 2021, entered once for the module's tests, as its officer and
    approver do through the API, in a transaction undone after the last of them."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_programme_kinds", verbosity=0)
        call_command("load_criteria", verbosity=0)  # the 2021-2025 set, for the annual report
        officer = portal_user("officer_20", "officer", "20")
        approver = portal_user("approver_20", "approver", "20")
        communes = Commune.objects.rural().filter(structure="2021", province__code="20")
        _report(entering(_client), officer, approver, list(communes.order_by("code")))
        yield
        transaction.set_rollback(True)


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _report(enter, officer, approver, lang_son):
    commune = lang_son[0]
    district = commune.district.code
    for source, level, amount in FUNDING:
        body = {"province": "20", "year": 2021, "source": source, "kind": "actual"}
        body["amount"] = amount
        if level == "commune":
            body["commune"] = commune.code
        if level == "district":
            body["district"] = district
        enter(officer, approver, "fundings", body)
    for index, (kind, mode, quantity) in enumerate(WORKS):
        body = {"commune": lang_son[index].code, "year": 2021, "kind": kind, "mode": mode}
        enter(officer, approver, "works", {**body, "quantity": quantity, "cost": 1000})
    for number in range(16):
        body = {"province": "20", "year": 2021, "name": f"Mô hình trồng hồi {number + 1}"}
        body["funding"] = 450 if number == 0 else 430  # 6,900 million in all
        enter(officer, approver, "production-models", {**body, "communes": [lang_son[number].code]})
    for year, kind, level, value in FIGURES:
        body = {"province": "20", "year": year, "kind": kind, "level": level, "value": value}
        enter(officer, approver, "figures", body)
    for target in PLAN_2022:
        enter(officer, approver, "plans", {"province": "20", "year": 2022, **target})


def _stats(api, year=2021):
    response = api().get(f"{BASE}stats/provinces/20/", {"year": year})
    assert response.status_code == 200, response.json()
    return response.json()


def _number(value) -> Decimal:
    return Decimal(str(value))


def test_capital_and_the_peoples_contribution(api, reported):
    actual = _stats(api)["resources"]["actual"]
    assert _number(actual["total"]) == 2974000  # million VND: 2,974 billion
    assert _number(actual["community"]) > 110000  # more than 110 billion
    community = next(row for row in actual["by_source"] if row["code"] == "community")
    assert [p["code"] for p in community["parts"]] == [
        "community_cash",
        "community_land",
        "community_days",
    ]
    assert _number(community["amount"]) == _number(actual["community"])
    budget = actual["by_group"]["budget"]
    assert _number(budget["amount"]) == 2500000  # central, local and integrated
    shares = _number(budget["share"]) + _number(actual["by_group"]["other"]["share"])
    assert shares == 100


def test_capital_aggregated_upward_by_district(api, reported, lang_son):
    """The commune's entry counts in its district, the district's own entry too, the rest is
    the province's as a whole: together the total, nothing twice."""
    resources = _stats(api)["resources"]
    district = lang_son[0].district
    rows = {row["code"]: row for row in resources["by_district"]}
    assert _number(rows[district.code]["actual"]) == 90000  # 40,000 (commune) + 50,000
    assert sum(_number(row["actual"]) for row in rows.values()) == 90000
    assert _number(resources["province_level"]["actual"]) == 2974000 - 90000


def test_works_by_kind(api, reported):
    works = {row["code"]: row for row in _stats(api)["works"]}
    expected = {
        "new_road": ("23", "km"),
        "concrete_pavement": ("404", "km"),
        "irrigation_water": ("21", None),
        "electricity": ("10", None),
        "school": ("27", None),
        "communal_cultural_house": ("7", None),
        "village_cultural_house": ("24", None),
    }
    for code, (quantity, unit) in expected.items():
        assert _number(works[code]["quantity"]) == Decimal(quantity), code
        if unit:
            assert works[code]["unit"] == unit
    assert _number(works["irrigation_water"]["upgraded"]) == 9
    assert _number(works["new_road"]["cost"]) == 2000


def test_production_models(api, reported):
    models = _stats(api)["production_models"]
    assert models["count"] == 16
    assert _number(models["funding"]) == 6900  # 6.9 billion VND


def test_communes_and_average_criteria_with_the_change_on_2020(api, reported):
    figures = {(f["kind"], f["level"]): f for f in _stats(api)["figures"]}
    assert _number(figures[("more_communes", "standard")]["value"]) == 10
    assert _number(figures[("communes_at_level", "standard")]["value"]) == 75
    assert _number(figures[("communes_at_level", "advanced")]["value"]) == 5
    average = figures[("average_criteria", "")]
    assert _number(average["value"]) == Decimal("14.03")
    assert _number(average["change"]) == Decimal("1.06")  # up 1.06 on 2020


def test_the_plan_for_2022(api, reported):
    plan = _stats(api)["next_plan"]
    targets = {(t["kind"], t["level"]): t for t in plan}
    assert _number(targets[("more_communes", "standard")]["value"]) == 10
    assert _number(targets[("average_criteria", "")]["value"]) == Decimal("14.5")
    assert _number(targets[("more_communes", "advanced")]["value"]) == 5
    areas = targets[("model_areas", "")]
    assert areas["per_district"] is True
    assert (_number(areas["value"]), _number(areas["value_max"])) == (2, 3)
    gardens = targets[("model_gardens", "")]
    assert (gardens["per_district"], _number(gardens["value"]), gardens["value_max"]) == (
        True,
        2,
        None,
    )
    # Read for 2022, the same targets are the year's plan, with their progress.
    progress = {(t["kind"], t["level"]): t for t in _stats(api, 2022)["plan"]}
    assert progress[("model_areas", "")]["actual"] == 0
    assert progress[("model_areas", "")]["met"] is False


def test_the_report_says_each_figure(reported, tmp_path):
    from io import StringIO

    from django.core.management import call_command
    from openpyxl import load_workbook

    out, xlsx = StringIO(), tmp_path / "lang_son_2021.xlsx"
    call_command("programme_report", province="20", year=2021, xlsx=xlsx, stdout=out)
    text = out.getvalue()
    for said in [
        "TỈNH LẠNG SƠN",
        "Tổng nguồn vốn huy động thực hiện Chương trình năm 2021: 2.974 tỷ đồng",
        "ngày công lao động quy thành tiền 111 tỷ đồng",
        "23 km đường giao thông mở mới",
        "404 km đường bê tông hóa",
        "21 công trình thủy lợi, nước sinh hoạt",
        "10 dự án điện nông thôn",
        "27 công trình trường học",
        "7 nhà văn hóa xã",
        "24 nhà văn hóa thôn",
        "Hỗ trợ 6,9 tỷ đồng cho 16 mô hình phát triển sản xuất",
        "Số xã được công nhận thêm chuẩn nông thôn mới: 10",
        "Tổng số xã đạt chuẩn nông thôn mới: 75",
        "Bình quân tiêu chí đạt/xã: 14,03 (tăng 1,06 so với năm 2020)",
        "Kế hoạch năm 2022:",
        "- bình quân tiêu chí đạt/xã: ít nhất 14,5.",
        "- khu dân cư kiểu mẫu mỗi huyện: 2 đến 3.",
        "- vườn mẫu mỗi huyện: ít nhất 2.",
    ]:
        assert said in text, said
    book = load_workbook(xlsx)
    assert book.sheetnames == [
        "Báo cáo",
        "Nguồn vốn",
        "Công trình",
        "Kiểu mẫu theo huyện",
        "Phụ lục quyết định",
    ]
    total = [row for row in book["Nguồn vốn"].iter_rows(values_only=True) if row[0] == "Tổng cộng"]
    assert total[0][2] == 2974000


def test_the_workbook_through_the_api(api, reported):
    from io import BytesIO

    from openpyxl import load_workbook

    response = api().get(f"{BASE}stats/provinces/20/report.xlsx", {"year": 2021})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('ntm-programme-20-2021.xlsx"')
    book = load_workbook(BytesIO(response.content))
    text = "\n".join(str(row[0]) for row in book["Báo cáo"].iter_rows(values_only=True))
    assert "Hỗ trợ 6,9 tỷ đồng cho 16 mô hình phát triển sản xuất" in text
    assert api().get(f"{BASE}stats/provinces/20/report.xlsx").status_code == 400


LANG_SON_2021 = [
    "TỈNH LẠNG SƠN",
    "Số xã được công nhận đạt chuẩn nông thôn mới trong năm: 10.",
    "Tổng số xã đạt chuẩn nông thôn mới: 75.",
    "Tổng số xã đạt chuẩn nông thôn mới nâng cao: 5.",
    "Bình quân tiêu chí đạt/xã: 14,03 (tăng 1,06 so với năm 2020).",
    "Tổng nguồn vốn huy động thực hiện Chương trình năm 2021: 2.974 tỷ đồng",
    "ngày công lao động quy thành tiền 111 tỷ đồng",
    "23 km đường giao thông mở mới",
    "404 km đường bê tông hóa",
    "21 công trình thủy lợi, nước sinh hoạt",
    "10 dự án điện nông thôn",
    "27 công trình trường học",
    "7 nhà văn hóa xã",
    "24 nhà văn hóa thôn",
    "Hỗ trợ 6,9 tỷ đồng cho 16 mô hình phát triển sản xuất.",
    "Kế hoạch năm 2022:",
    "- số xã được công nhận thêm chuẩn nông thôn mới: 10.",
    "- bình quân tiêu chí đạt/xã: ít nhất 14,5.",
    "- số xã được công nhận thêm nông thôn mới nâng cao: 5.",
    "- khu dân cư kiểu mẫu mỗi huyện: 2 đến 3.",
    "- vườn mẫu mỗi huyện: ít nhất 2.",
]


def test_the_annual_report_rebuilds_the_paragraph(api, reported):
    """The whole annual report of 2021, as text and as the Word document the province sends:
    the portal holds no commune of Lạng Sơn for 2021, so the communes' figures are the
    province's reported ones, said so, and listed in the appendix with their record ids."""
    import io

    from docx import Document

    url = "/api/v1/stats/provinces/20/annual-report.{fmt}"
    text = api().get(url.format(fmt="txt"), {"year": 2021}).content.decode()
    for said in LANG_SON_2021:
        assert said in text, said
    assert "số liệu tỉnh báo cáo" in text
    appendix = text.split("Phụ lục 3")[1]
    for figure in ("Bình quân tiêu chí đạt/xã | 2020 | 12,97", "| 2021 | 14,03", "| 2021 | 75"):
        assert figure in appendix, figure
    response = api().get(url.format(fmt="docx"), {"year": 2021})
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    for said in LANG_SON_2021:
        assert said in paragraphs, said
