"""A province's report workbook for a year (stats.reports): opened with openpyxl as a reader
would, its figures read against the statistics API, its communes and criteria against the
stored results. Assessments are entered, submitted and approved through the services, so that
their stored levels and criterion results are the real ones."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from accounts.access import ANONYMOUS, access_for
from communes.models import Commune, Province
from criteria.models import CriteriaSet, Level
from criteria.services import create_assessment, save_values
from criteria.services.recognitions import record_recognition, revoke_recognition
from stats.reports import (
    COMMUNES_SHEET,
    RECOGNITIONS_SHEET,
    SUMMARY_SHEET,
    province_workbook,
    report_province,
)
from tests.criteria.builders import approved

pytestmark = pytest.mark.django_db

REPORT = "/api/v1/exports/report.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HYPERLINK = '=HYPERLINK("http://evil.example/x","bấm vào đây")'


@pytest.fixture
def others(db, bach_dang):
    """Three other rural communes of Bình Dương."""
    communes = Commune.objects.rural().filter(structure="2021", province__code="74")
    return list(communes.exclude(pk=bach_dang.pk).order_by("code")[:3])


@pytest.fixture
def year_2023(small_set, bach_dang, others):
    """Bình Dương, 2023 (Southeast: income >= 50 at standard, >= 60 at advanced). Bạch Đằng is
    approved at standard (advanced: income 55 fails, the craft plan is missing) and holds a
    standard title whose issuer is a formula; another commune is approved with no level
    (income 45); a third is a draft meeting everything, which the public never sees."""
    approved(bach_dang, {"income": 55, "irrigation": 85, "plan": True})
    approved(others[0], {"income": 45, "irrigation": 85, "plan": True})
    draft = create_assessment(commune=others[1], year=2023)
    values = {"income": 70, "irrigation": 90, "plan": True, "crafts": True}
    save_values(assessment=draft, values=values, version=1)
    record_recognition(
        level_code="standard",
        title_year=2023,
        decision_number="+12/QĐ-UBND",
        decision_date=datetime.date(2023, 11, 20),
        issuer=HYPERLINK,
        commune=bach_dang,
    )
    return small_set


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def _workbook(user=None, year=2023, language="en", province="74"):
    province = Province.objects.on_map(year).get(code=province)
    access = access_for(user) if user is not None else ANONYMOUS
    return _book(province_workbook(province, year, access, language=language))


def _communes(book) -> dict[str, dict]:
    """{commune code: {header: value}} of the "Xã" sheet."""
    rows = list(book[COMMUNES_SHEET].iter_rows(values_only=True))
    header = rows[0]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}


def _summary(book) -> dict:
    """{label in column A: the rest of its row} of the "Tổng hợp" sheet."""
    rows = book[SUMMARY_SHEET].iter_rows(values_only=True)
    return {row[0]: row[1:] for row in rows if row[0] is not None}


def test_a_commune_row_gives_its_level_criteria_met_title_and_each_result(year_2023, bach_dang):
    row = _communes(_workbook())[bach_dang.code]
    assert (row["Commune"], row["District"]) == ("Xã Bạch Đằng", bach_dang.district.name)
    assert (row["Status"], row["Computed level"]) == ("Approved", "Standard")
    assert (row["Criteria met: Standard"], row["Criteria met: Advanced"]) == ("3/3", "0/2")
    assert row["Recognised level"] == "Standard"
    assert [row[f"Standard {n}. Criterion {n}"] for n in (1, 2, 3)] == ["Met"] * 3
    assert row["Advanced 1. Criterion 1"] == "Not met"  # 55 < 60
    assert row["Advanced 2. Criterion 2"] == "Incomplete"  # the craft plan is not entered


def test_in_vietnamese_levels_statuses_and_results_read_as_the_portal_writes_them(
    year_2023, bach_dang, others
):
    communes = _communes(_workbook(language="vi"))
    row = communes[bach_dang.code]
    assert (row["Trạng thái"], row["Mức đạt theo số liệu"]) == ("Đã phê duyệt", "Đạt chuẩn")
    assert row["Mức được công nhận"] == "Đạt chuẩn"
    results = [row[f"Đạt chuẩn {n}. Tiêu chí {n}"] for n in (1, 2, 3)]
    assert results + [row["Nâng cao 1. Tiêu chí 1"], row["Nâng cao 2. Tiêu chí 2"]] == [
        "Đạt",
        "Đạt",
        "Đạt",
        "Không đạt",
        "Chưa đủ số liệu",
    ]
    assert communes[others[0].code]["Mức đạt theo số liệu"] == "Chưa đạt mức nào"
    assert communes[others[2].code]["Trạng thái"] == "Chưa đánh giá"


def test_every_rural_commune_of_the_map_has_a_row(year_2023, others):
    communes = _communes(_workbook())
    on_map = Commune.objects.on_map(2023).rural(2023).filter(province__code="74")
    assert set(communes) == set(on_map.values_list("code", flat=True))
    assert list(communes) == sorted(communes)
    not_assessed = communes[others[2].code]
    assert (not_assessed["Status"], not_assessed["Computed level"]) == ("Not assessed", None)
    assert communes[others[0].code]["Computed level"] == "No level"


def test_the_public_never_sees_a_draft_the_provinces_staff_do(year_2023, cast, others):
    draft = others[1].code
    public = _communes(_workbook())[draft]
    assert (public["Status"], public["Computed level"]) == ("Not assessed", None)
    assert public["Standard 1. Criterion 1"] is None
    officer = _communes(_workbook(cast.officer_74))[draft]
    assert (officer["Status"], officer["Computed level"]) == ("Draft", "Advanced")
    assert officer["Advanced 2. Criterion 2"] == "Met"
    # Another province's staff read it as the public does; the national office as staff.
    assert _communes(_workbook(cast.officer_20))[draft]["Status"] == "Not assessed"
    assert _communes(_workbook(cast.national))[draft]["Status"] == "Draft"


def test_the_summary_gives_the_figures_of_the_statistics_api(year_2023, client, cast):
    api = client.get("/api/v1/stats/provinces/74/", {"year": 2023}).json()
    # Drafts never count in the statistics, whoever reads the workbook.
    summary = _summary(_workbook(cast.officer_74))
    assert summary["Rural communes"][0] == api["communes_total"]
    assert summary["Communes assessed (approved)"][0] == api["assessed"] == 2
    assert summary["Average criteria met"][0] == api["avg_criteria_met"] == 2.5  # (3 + 2) / 2
    assert summary["Average over (communes assessed)"][0] == api["avg_criteria_met_over"]
    assert summary["Criteria at the first level"][0] == 3
    standard = summary["Standard"]
    assert standard[:3] == (
        api["computed"]["standard"],
        api["at_least"]["computed"]["standard"],
        api["shares"]["computed"]["standard"],
    )
    assert standard[3:6] == (
        api["recognized"]["standard"],
        api["at_least"]["recognized"]["standard"],
        api["shares"]["recognized"]["standard"],
    )
    assert summary["No level"][0] == api["computed"]["none"] == 1
    assert summary["Districts"][0] == api["districts_total"]
    assert summary["OCOP products (3 stars or more)"][0] == api["ocop"]["products"]
    assert summary["Criteria set"][0].startswith("TEST-2021-2025")
    assert summary["Administrative map"][0] == api["structure"] == "2021"
    assert isinstance(summary["Generated on"][0], datetime.datetime)
    failing = summary["Advanced 1. Criterion 1"]
    difficulty = {(c["level"], c["number"]): c for c in api["criteria_difficulty"]}
    advanced_1 = difficulty["advanced", "1"]
    assert failing[:4] == (0, 2, 0, 100.0)  # 55 and 45 both under 60
    assert failing[:4] == tuple(
        advanced_1[k] for k in ("met", "not_met", "incomplete", "not_met_share")
    )


def test_the_recognitions_sheet_lists_the_years_decisions(year_2023, bach_dang, others):
    earlier = record_recognition(
        level_code="standard",
        title_year=2022,
        decision_number="7/QĐ-UBND",
        decision_date=datetime.date(2022, 5, 2),
        issuer="UBND tỉnh Bình Dương",
        commune=others[0],
    )
    revoke_recognition(
        recognition=earlier, revoked_date=datetime.date(2023, 3, 1), reason="-sai số liệu"
    )
    record_recognition(  # revoked before the year: no longer bears on it
        level_code="standard",
        title_year=2021,
        decision_number="1/QĐ-UBND",
        decision_date=datetime.date(2021, 5, 2),
        issuer="UBND tỉnh Bình Dương",
        commune=others[2],
    )
    gone = record_recognition(
        level_code="standard",
        title_year=2021,
        decision_number="2/QĐ-UBND",
        decision_date=datetime.date(2021, 6, 2),
        issuer="UBND tỉnh Bình Dương",
        commune=others[1],
    )
    revoke_recognition(recognition=gone, revoked_date=datetime.date(2022, 1, 5), reason="x")
    rows = list(_workbook()[RECOGNITIONS_SHEET].iter_rows(values_only=True))
    assert rows[0][:7] == (
        "Commune or district",
        "Code",
        "Name",
        "Level",
        "Year the title is for",
        "Decision number",
        "Decision date",
    )
    by_number = {row[5]: row for row in rows[1:]}
    assert set(by_number) == {"7/QĐ-UBND", "'+12/QĐ-UBND", "1/QĐ-UBND"}
    revoked = by_number["7/QĐ-UBND"]
    assert revoked[:5] == ("Commune", others[0].code, others[0].name, "Standard", 2022)
    assert revoked[6] == datetime.datetime(2022, 5, 2)
    assert revoked[8] == datetime.datetime(2023, 3, 1)
    assert revoked[10] == "'-sai số liệu"
    # Revoked in March: on 31 December it holds nothing.
    assert _communes(_workbook())[others[0].code]["Recognised level"] is None


def test_text_that_a_spreadsheet_would_run_is_neutralised(year_2023, bach_dang):
    book = _workbook()
    row = next(r for r in book[RECOGNITIONS_SHEET].iter_rows(min_row=2) if r[1].value == "25930")
    issuer, number = row[7], row[5]
    assert issuer.value == "'" + HYPERLINK and issuer.data_type == "s"
    assert number.value == "'+12/QĐ-UBND" and number.data_type == "s"
    formulas = [
        cell.coordinate
        for sheet in book
        for line in sheet.iter_rows()
        for cell in line
        if cell.data_type == "f"
    ]
    assert formulas == []


def test_the_command_writes_the_workbook(year_2023, bach_dang, others, tmp_path):
    output = tmp_path / "report.xlsx"
    call_command(
        "export_report", province="74", year=2023, output=str(output), language="vi", verbosity=0
    )
    book = load_workbook(output)
    assert book.sheetnames == [SUMMARY_SHEET, COMMUNES_SHEET, RECOGNITIONS_SHEET]
    communes = _communes(book)
    assert communes[bach_dang.code]["Mức đạt theo số liệu"] == "Đạt chuẩn"
    assert communes[others[1].code]["Trạng thái"] == "Bản nháp"  # the operator sees drafts


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"province": "99", "year": 2023}, "99"),
        ({"province": "74", "year": 2019}, "2019"),
    ],
)
def test_the_command_refuses_an_unknown_province_or_year(small_set, tmp_path, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_report", output=str(tmp_path / "x.xlsx"), **options)


def test_the_api_serves_the_workbook_the_caller_may_see(year_2023, api, cast, others):
    params = {"province": "74", "year": 2023}
    response = api().get(REPORT, params, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="ntm-report-74-2023.xlsx"'
    draft = others[1].code
    assert _communes(_book(response.content))[draft]["Trạng thái"] == "Chưa đánh giá"
    response = api(cast.officer_74).get(REPORT, params, HTTP_ACCEPT_LANGUAGE="vi")
    assert _communes(_book(response.content))[draft]["Trạng thái"] == "Bản nháp"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": 2023}, "province"),
        ({"province": "7", "year": 2023}, "province"),
        ({"province": "7a", "year": 2023}, "province"),
        ({"province": "74"}, "year"),
        ({"province": "74", "year": "x"}, "year"),
        ({"province": "74", "year": 1999}, "year"),
        ({"province": "74", "year": 2019}, "year"),  # no criteria set in force
    ],
)
def test_a_bad_parameter_is_a_400_that_says_which(small_set, api, params, field):
    response = api().get(REPORT, params)
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["code"]) == (400, "invalid")
    assert field in body["errors"]


def test_an_unknown_province_is_a_404(small_set, api):
    response = api().get(REPORT, {"province": "99", "year": 2023})
    assert response.status_code == 404
    assert response.json()["message"] == "No province with code 99."


def test_a_year_without_a_set_is_a_bad_year_whatever_the_province(small_set):
    with pytest.raises(ValidationError, match="2019"):
        report_province("99", 2019)


def test_the_queries_do_not_grow_with_the_communes(
    year_2023, api, cast, django_assert_num_queries, django_assert_max_num_queries
):
    params = {"province": "74", "year": 2023}
    client = api(cast.officer_74)
    client.get(REPORT, params)  # the user's access is read and cached once
    # province_stats' own (the ladder, the map, the province, communes and titles grouped,
    # assessments grouped, districts, targets, OCOP, criterion results, the district rows),
    # then the ladder, the criteria, the communes, the assessments, their results, the titles
    # held and the decisions.
    with django_assert_max_num_queries(25) as one:
        client.get(REPORT, params)
    communes = Commune.objects.rural().filter(structure="2021", province__code="74")
    for commune in communes.exclude(assessments__year=2023).order_by("code")[:6]:
        approved(commune, {"income": 65, "irrigation": 90, "plan": True, "crafts": True})
        record_recognition(
            level_code="advanced",
            title_year=2023,
            decision_number=f"{commune.code}/QĐ-UBND",
            decision_date=datetime.date(2023, 12, 1),
            issuer="UBND tỉnh Bình Dương",
            commune=commune,
        )
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(REPORT, params)
    recognitions = list(_book(response.content)[RECOGNITIONS_SHEET].iter_rows(min_row=2))
    assert len(recognitions) == 7


def test_on_the_map_without_districts_there_is_no_district_column(db):
    later = CriteriaSet.objects.create(
        code="TEST-2026-2030",
        name_vi="Bộ thử 2026",
        name_en="Test set 2026",
        legal_basis="test",
        first_year=2026,
        last_year=2030,
        classification="commune_group",
    )
    Level.objects.create(
        criteria_set=later, code="standard", rank=1, name_vi="Đạt chuẩn", name_en="Standard"
    )
    book = _workbook(year=2026, province="20")
    header = next(book[COMMUNES_SHEET].iter_rows(max_row=1, values_only=True))
    assert header[:4] == ("Code", "Commune", "Status", "Computed level")
    on_map = Commune.objects.on_map(2026).rural(2026).filter(province__code="20")
    assert set(_communes(book)) == set(on_map.values_list("code", flat=True))
    assert on_map.filter(structure="2025").count() == on_map.count() > 0
    assert "Districts" not in _summary(book)
