"""The province's annual report (stats.annual), read as its reader reads it: the Word document
opened with python-docx, the workbook with openpyxl, the text as printed. Assessments and
recognitions go through the services, programme records through the API as a province's
officer and approver enter them, so that every figure is the real one.

Bình Dương, 2023, on the test set (standard: 3 criteria): Bạch Đằng approved at standard
(3 of 3) and recognised in 2023; a second commune approved with no level (2 of 3); a third
recognised in 2022 and so holding the title in 2023; a fourth a draft meeting everything,
which the public and the report never count. The province reported 2.1 criteria on average
for 2022 (no approved assessment that year) and 99 standard communes for 2023, which the
portal's own count replaces.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document
from openpyxl import load_workbook

from communes.models import Commune, Province
from criteria.services import create_assessment, save_values
from criteria.services.recognitions import record_recognition
from programme.models import HistoricalFigure
from stats import annual
from tests.criteria.builders import approved
from tests.factories import portal_user
from tests.programme.conftest import entering

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/provinces/{code}/annual-report.{fmt}"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def others(db, bach_dang):
    communes = Commune.objects.rural().filter(structure="2021", province__code="74")
    return list(communes.exclude(pk=bach_dang.pk).order_by("code")[:3])


@pytest.fixture
def year_2023(small_set, bach_dang, others, api):
    call_command("load_programme_kinds", verbosity=0)
    approved(bach_dang, {"income": 55, "irrigation": 85, "plan": True})
    approved(others[0], {"income": 45, "irrigation": 85, "plan": True})  # 2 of 3
    draft = create_assessment(commune=others[2], year=2023)
    values = {"income": 70, "irrigation": 90, "plan": True, "crafts": True}
    save_values(assessment=draft, values=values, version=1)
    for commune, number, day in (
        (bach_dang, "12/QĐ-UBND", datetime.date(2023, 11, 20)),
        (others[1], "7/QĐ-UBND", datetime.date(2022, 6, 1)),
    ):
        record_recognition(
            level_code="standard",
            title_year=day.year,
            decision_number=number,
            decision_date=day,
            issuer="UBND tỉnh Bình Dương",
            commune=commune,
        )
    officer = portal_user("officer_74", "officer", "74")
    approver = portal_user("approver_74", "approver", "74")
    enter = entering(api)
    for year, kind, level, value in (
        (2022, "average_criteria", "", "2.1"),
        (2023, "communes_at_level", "standard", "99"),
    ):
        body = {"province": "74", "year": year, "kind": kind, "level": level, "value": value}
        enter(officer, approver, "figures", body)
    body = {"province": "74", "year": 2023, "source": "central_budget", "kind": "actual"}
    enter(officer, approver, "fundings", {**body, "amount": "1500"})
    body = {"province": "74", "year": 2023, "source": "community_cash", "kind": "actual"}
    enter(officer, approver, "fundings", {**body, "amount": "500"})
    plan = {"province": "74", "year": 2023, "kind": "more_communes", "level": "standard"}
    enter(officer, approver, "plans", {**plan, "value": 1})
    enter(officer, approver, "plans", {**plan, "kind": "average_criteria", "level": "", "value": 3})
    title = {"commune": bach_dang.code, "year": 2023, "kind": "model_garden"}
    title |= {"holder": "Hộ ông Nguyễn Văn A", "decision_number": "45/QĐ-UBND"}
    enter(officer, approver, "hamlet-titles", {**title, "decision_date": "2023-09-02"})
    return small_set


def _report(year=2023, code="74"):
    return annual.annual_report(Province.objects.on_map(year).get(code=code), year)


def test_the_communes_figures_are_counted_from_the_portal_and_changes_on_last_year(year_2023):
    report = _report()
    assert report.counted
    standard = next(line for line in report.levels if line.code == "standard")
    assert standard.phrase == "đạt chuẩn"
    # Held on 31 December: Bạch Đằng and the 2022 title; the reported 99 is not used.
    assert (standard.held.value, standard.held.source) == (2, annual.PORTAL)
    assert (standard.held.previous, standard.held.change) == (1, 1)
    assert (standard.recognised.value, standard.recognised.source) == (1, annual.PORTAL)
    # Average over the approved assessments (3 and 2); 2022 had none: the province's figure.
    average = report.average
    assert (average.value, average.source) == (Decimal("2.5"), annual.PORTAL)
    assert (average.previous, average.previous_source) == (Decimal("2.1"), annual.REPORTED)
    assert average.change == Decimal("0.4")
    assert [(f.year, f.kind) for f in report.figures_used] == [(2022, "average_criteria")]


def test_the_text_says_each_figure(year_2023, bach_dang):
    text = annual.text(_report())
    communes = Commune.objects.rural(2023).on_map(2023).filter(province__code="74").count()
    share = annual.number(Decimal(200) / communes, 1)
    for said in [
        "BÁO CÁO KẾT QUẢ THỰC HIỆN CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA XÂY DỰNG NÔNG THÔN MỚI NĂM 2023",
        "TỈNH BÌNH DƯƠNG",
        f"Toàn tỉnh có {communes} xã; 2 xã có kết quả đánh giá năm 2023 được phê duyệt",
        "Số xã được công nhận đạt chuẩn trong năm: 1.",
        f"Tổng số xã đạt chuẩn: 2 ({share}% số xã) (tăng 1 so với năm 2022).",
        "Bình quân tiêu chí đạt/xã: 2,5 (tăng 0,4 so với năm 2022).",
        "Tổng nguồn vốn huy động thực hiện Chương trình năm 2023: 2 tỷ đồng",
        "nhân dân hiến đất, đóng góp tiền mặt và ngày công lao động quy thành tiền 0,5 tỷ đồng",
        "Công nhận 1 vườn mẫu",
        "Thực hiện kế hoạch năm 2023:",
        "- số xã được công nhận thêm chuẩn nông thôn mới: 1; thực hiện 1 (đạt).",
        "- bình quân tiêu chí đạt/xã: ít nhất 3; thực hiện 2,5 (chưa đạt).",
        # The appendix: the decision behind the count, the title's, the reported figure used.
        f"Xã Bạch Đằng | {bach_dang.code} | Xã đạt chuẩn | 12/QĐ-UBND | 20/11/2023",
        "Hộ ông Nguyễn Văn A | 45/QĐ-UBND | 02/09/2023",
        "Bình quân tiêu chí đạt/xã | 2022 | 2,1",
    ]:
        assert said in text, said
    assert "99" not in text.split("Phụ lục 3")[1]  # the replaced figure is not listed
    assert "7/QĐ-UBND" not in text  # decided in 2022: not a recognition of the year


def test_the_word_document_through_the_api(api, year_2023):
    response = api().get(URL.format(code="74", fmt="docx"), {"year": 2023})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].endswith('bao-cao-ntm-74-2023.docx"')
    document = Document(io.BytesIO(response.content))
    paragraphs = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:4] == [
        "1. Kết quả xây dựng nông thôn mới",
        "2. Kết quả theo đơn vị cấp huyện",
        "3. Nguồn lực huy động",
        "4. Khu dân cư kiểu mẫu, vườn mẫu",
    ]
    assert "Bình quân tiêu chí đạt/xã: 2,5 (tăng 0,4 so với năm 2022)." in paragraphs
    levels = document.tables[0]
    rows = [[cell.text for cell in row.cells] for row in levels.rows]
    assert rows[0][:3] == ["Chỉ tiêu", "Công nhận trong năm", "Đến 31/12/2023"]
    assert rows[1][:3] == ["Xã đạt chuẩn", "1", "2"]
    assert rows[1][4:] == ["1", "1", "số liệu các xã trên Cổng"]
    appendix = [[cell.text for cell in row.cells] for row in document.tables[-3].rows]
    assert appendix[1][:4] == ["Xã Bạch Đằng", "25930", "Xã đạt chuẩn", "12/QĐ-UBND"]


def test_the_workbook_and_the_text_through_the_api(api, year_2023):
    response = api().get(URL.format(code="74", fmt="xlsx"), {"year": 2023})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Báo cáo năm",
        "Tổng hợp",
        "Xã",
        "Công nhận",
        "Nguồn vốn",
        "Công trình",
        "Kiểu mẫu theo huyện",
        "Phụ lục quyết định",
    ]
    lines = [row[0] for row in book["Báo cáo năm"].iter_rows(values_only=True)]
    assert "Bình quân tiêu chí đạt/xã: 2,5 (tăng 0,4 so với năm 2022)." in lines
    total = [r for r in book["Nguồn vốn"].iter_rows(values_only=True) if r[0] == "Tổng cộng"]
    assert total[0][2] == 2000
    text = api().get(URL.format(code="74", fmt="txt"), {"year": 2023})
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text.content.decode() == annual.text(_report())


def test_drafts_and_unapproved_records_are_not_counted(api, year_2023, others):
    officer = portal_user("officer_74b", "officer", "74")
    body = {"province": "74", "year": 2023, "source": "local_budget", "kind": "actual"}
    entering(api)(officer, None, "fundings", {**body, "amount": "9000"})  # a draft
    report = _report()
    assert report.stats.assessed == 2  # the draft assessment is not counted
    assert report.programme["resources"]["actual"]["total"] == 2000
    draft = HistoricalFigure.objects.filter(status="draft")
    assert not draft.exists() or all(f not in report.figures_used for f in draft)


def test_before_the_portal_data_the_reported_figures_stand(api, small_set):
    """A year with no approved assessment nor title held: the province's figures, marked."""
    call_command("load_programme_kinds", verbosity=0)
    officer = portal_user("officer_20", "officer", "20")
    approver = portal_user("approver_20", "approver", "20")
    enter = entering(api)
    for year, kind, level, value in (
        (2022, "communes_at_level", "standard", "60"),
        (2023, "communes_at_level", "standard", "70"),
        (2023, "more_communes", "standard", "10"),
        (2023, "average_criteria", "", "15.5"),
    ):
        body = {"province": "20", "year": year, "kind": kind, "level": level, "value": value}
        enter(officer, approver, "figures", body)
    report = _report(code="20")
    assert not report.counted
    standard = report.levels[0]
    assert (standard.held.value, standard.held.source, standard.held.change) == (
        70,
        annual.REPORTED,
        10,
    )
    assert (standard.recognised.value, standard.recognised.source) == (10, annual.REPORTED)
    text = annual.text(report)
    assert "Tổng số xã đạt chuẩn: 70 (tăng 10 so với năm 2022)." in text
    assert "Bình quân tiêu chí đạt/xã: 15,5." in text
    assert "Xã đạt chuẩn | 10 | 70 |  | 60 | 10 | số liệu tỉnh báo cáo" in text
    assert len(report.figures_used) == 4


@pytest.mark.parametrize(
    ("code", "fmt", "query", "status", "said"),
    [
        ("74", "pdf", {"year": 2023}, 404, "No report in the format “pdf”."),
        ("99", "docx", {"year": 2023}, 404, "99"),
        ("74", "docx", {}, 400, "This field is required."),
        ("74", "docx", {"year": "x"}, 400, "A valid integer is required."),
        ("74", "docx", {"year": 2019}, 400, "No criteria set is in force in 2019."),
    ],
)
def test_bad_requests_say_what_is_wrong(api, small_set, code, fmt, query, status, said):
    response = api().get(URL.format(code=code, fmt=fmt), query)
    assert response.status_code == status
    body = response.json()
    assert body["status"] == status
    assert said in body["message"] + str(body.get("errors", ""))


def test_the_command_writes_each_format(year_2023, tmp_path):
    out = io.StringIO()
    call_command("annual_report", province="74", year=2023, fmt="txt", output="-", stdout=out)
    assert "Bình quân tiêu chí đạt/xã: 2,5" in out.getvalue()
    target = tmp_path / "report.docx"
    call_command("annual_report", province="74", year=2023, output=str(target), verbosity=0)
    assert "Xã Bạch Đằng" in "\n".join(
        cell.text for table in Document(target).tables for row in table.rows for cell in row.cells
    )
    with pytest.raises(CommandError, match="99"):
        call_command("annual_report", province="99", year=2023, verbosity=0)


def test_the_figures_as_json(api, year_2023):
    """Each figure of the report, with its source, for a dashboard or another system."""
    response = api().get(URL.format(code="74", fmt="json"), {"year": 2023})
    assert response.status_code == 200
    body = response.json()
    assert (body["province"]["code"], body["year"], body["counted"]) == ("74", 2023, True)
    standard = body["levels"][0]
    assert standard["held"] == {
        "value": 2,
        "source": "portal",
        "previous": 1,
        "previous_source": "portal",
        "change": 1,
    }
    assert standard["recognised"]["value"] == 1
    assert body["average"]["value"] == 2.5 and body["average"]["previous_source"] == "reported"
    assert [d["decision_number"] for d in body["decisions"]] == ["12/QĐ-UBND"]
    assert [(f["year"], f["kind"]) for f in body["figures_used"]] == [(2022, "average_criteria")]
    assert body["programme"]["resources"]["actual"]["total"] == 2000
