"""Importing programme records from a spreadsheet: each row is entered as by hand (the same
rules), every error is named with its row and column, and a file with any error writes
nothing."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from communes.models import Province
from criteria.services.closures import close_year
from programme.imports import COLUMNS, ProgrammeImportRefused, import_records
from programme.models import (
    Funding,
    HamletTitle,
    HistoricalFigure,
    ProductionModel,
    Step,
    Work,
    YearPlan,
)
from tests.programme.conftest import BASE

pytestmark = pytest.mark.django_db
IMPORTS = f"{BASE}imports/"
WORKS = ",".join(COLUMNS["works"])
RECORDS = (Funding, Work, ProductionModel, HamletTitle, YearPlan, HistoricalFigure)


def _csv(kind: str, body: str, *, bom: bool = False, header: str | None = None) -> io.BytesIO:
    header = ",".join(COLUMNS[kind]) if header is None else header
    data = ("\ufeff" if bom else "") + header + "\n" + body
    upload = io.BytesIO(data.encode())
    upload.name = "records.csv"
    return upload


def _snapshot() -> tuple:
    """Every row an import may write: records, their history, the workflow steps."""
    counts = [(m.objects.count(), m.history.count()) for m in RECORDS]
    return (*counts, Step.objects.count(), ProductionModel.communes.through.objects.count())


def _refused(kind: str, body: str, user, **options) -> list[tuple]:
    before = _snapshot()
    with pytest.raises(ProgrammeImportRefused) as refused:
        import_records(kind, _csv(kind, body), user=user, **options)
    assert _snapshot() == before
    return [(e.row, e.column, e.value, e.message) for e in refused.value.report.errors]


FUNDINGS = (
    "2021,20,,,central_budget,actual,1500,Tỉnh\n"
    '2021,,180,,local_budget,Kế hoạch,"250,5",\n'
    "2021,,,05986,community_cash,ACTUAL,12.25,Xã Hoàng Đồng\n"
)


def test_a_funding_file_creates_each_row_as_entered_by_hand(cast, kinds):
    report = import_records("fundings", _csv("fundings", FUNDINGS, bom=True), user=cast.officer_20)
    rows = Funding.objects.order_by("pk").values_list(
        "year", "province__code", "district__code", "commune__code", "source__code", "kind",
        "amount", "note", "status", "created_by__username",
    )  # fmt: skip
    assert list(rows) == [
        (2021, "20", None, None, "central_budget", "actual", Decimal("1500"), "Tỉnh", "draft",
         "officer_20"),
        (2021, "20", "180", None, "local_budget", "planned", Decimal("250.5"), "", "draft",
         "officer_20"),
        (2021, "20", "178", "05986", "community_cash", "actual", Decimal("12.25"),
         "Xã Hoàng Đồng", "draft", "officer_20"),
    ]  # fmt: skip
    assert (report.rows, report.created, report.submitted, report.approved) == (3, 3, 0, 0)
    assert [row for row, _record in report.records] == [2, 3, 4]
    assert report.as_dict()["created"] == 3
    assert Funding.history.count() == 3  # the history is written as by hand


def test_a_work_file(cast, kinds):
    body = '2022,05998,new_road,new,"2,5",1200,\n2022,6001,school,Upgraded or repaired,1,,Sửa\n'
    import_records("works", _csv("works", body), user=cast.officer_20)
    rows = Work.objects.order_by("pk").values_list(
        "year", "province__code", "commune__code", "kind__code", "mode", "quantity", "cost", "note"
    )
    assert list(rows) == [
        (2022, "20", "05998", "new_road", "new", Decimal("2.5"), Decimal("1200"), ""),
        (2022, "20", "06001", "school", "upgraded", Decimal("1"), None, "Sửa"),
    ]


def test_a_production_model_file(cast, kinds):
    body = '2023,20,Trồng hồi,05998;06001,"12,5",300,Đang thực hiện,\n2023,20,Nuôi cá,05986,,,,\n'
    import_records("production-models", _csv("production-models", body), user=cast.officer_20)
    first, second = ProductionModel.objects.order_by("pk")
    assert (first.name, first.area_ha, first.funding, first.stage) == (
        "Trồng hồi", Decimal("12.5"), Decimal("300"), "under_way",
    )  # fmt: skip
    assert sorted(first.communes.values_list("code", flat=True)) == ["05998", "06001"]
    assert (second.name, second.area_ha, second.stage) == ("Nuôi cá", None, "under_way")
    assert list(second.communes.values_list("code", flat=True)) == ["05986"]


def test_a_hamlet_title_file_with_each_way_of_writing_a_date(cast, kinds):
    body = (
        "2021,05998,model_area,Thôn Nà Pàn,12/QĐ-UBND,2021-11-20,\n"
        "2021,05998,Vườn mẫu,Hộ ông Lò Văn A,13/QĐ-UBND,5/12/2021,\n"
    )
    import_records("hamlet-titles", _csv("hamlet-titles", body), user=cast.officer_20)
    rows = HamletTitle.objects.order_by("pk").values_list(
        "commune__code", "kind", "holder", "decision_number", "decision_date"
    )
    assert list(rows) == [
        ("05998", "model_area", "Thôn Nà Pàn", "12/QĐ-UBND", datetime.date(2021, 11, 20)),
        ("05998", "model_garden", "Hộ ông Lò Văn A", "13/QĐ-UBND", datetime.date(2021, 12, 5)),
    ]


def test_a_plan_file_reads_yes_and_no(cast, kinds):
    body = (
        "2024,20,,có,more_communes,standard,2,3,\n"
        "2024,20,180,,more_communes,advanced,1,,\n"
        "2024,20,,X,model_gardens,,5,,\n"
        '2024,20,,không,average_criteria,,"17,5",,\n'
    )
    import_records("plans", _csv("plans", body), user=cast.officer_20)
    rows = YearPlan.objects.order_by("pk").values_list(
        "district__code", "per_district", "kind", "level", "value", "value_max"
    )
    assert list(rows) == [
        (None, True, "more_communes", "standard", Decimal("2"), Decimal("3")),
        ("180", False, "more_communes", "advanced", Decimal("1"), None),
        (None, True, "model_gardens", "", Decimal("5"), None),
        (None, False, "average_criteria", "", Decimal("17.5"), None),
    ]


def test_a_figure_file(cast, kinds):
    body = '2020,20,average_criteria,,"14,2",Báo cáo 2020\n2020,20,communes_at_level,standard,80,\n'
    import_records("figures", _csv("figures", body), user=cast.national)
    rows = HistoricalFigure.objects.order_by("pk").values_list(
        "year", "province__code", "kind", "level", "value", "note", "created_by__username"
    )
    assert list(rows) == [
        (2020, "20", "average_criteria", "", Decimal("14.2"), "Báo cáo 2020", "national"),
        (2020, "20", "communes_at_level", "standard", Decimal("80"), "", "national"),
    ]


def test_a_workbook_with_a_date_cell_and_codes_typed_as_numbers(cast, kinds):
    book = Workbook()
    book.active.append(list(COLUMNS["hamlet-titles"]))
    book.active.append(
        [2021, 5998, "model_area", "Thôn Bản Cáu", "7/QĐ", datetime.date(2021, 12, 1)]
    )
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "titles.xlsx"
    report = import_records("hamlet-titles", upload, user=cast.officer_20)
    title = HamletTitle.objects.get()
    assert (title.commune.code, title.decision_date) == ("05998", datetime.date(2021, 12, 1))
    assert (report.rows, report.created) == (1, 1)


# --- errors: each named, nothing written -------------------------------------------------------


def test_an_unknown_code_source_and_bad_numbers_are_named_by_row_and_column(cast, kinds):
    body = (
        "2021,20,,99999,central_budget,actual,10,\n"
        "2021,20,,,gold,actual,10,\n"
        "2021,20,,,central_budget,actual,1.000.000,\n"
        "2021,20,,,local_budget,actual,-5,\n"
        "2021,20,,,credit,sometimes,5,\n"
        "1999,20,,,credit,actual,5,\n"
        "2021,20,,,credit,actual,5,\n"
    )
    errors = _refused("fundings", body, cast.officer_20)
    assert [(row, column, value) for row, column, value, _message in errors] == [
        (2, "commune", "99999"),
        (3, "source", "gold"),
        (4, "amount", "1.000.000"),
        (5, "amount", "-5"),
        (6, "kind", "sometimes"),
        (7, "year", "1999"),
    ]
    messages = [message for *_cells, message in errors]
    assert "No unit with code 99999 on the map of 2021" in messages[0]
    assert messages[1] == "Unknown code “gold”."
    assert "is not a number" in messages[2]
    assert messages[3] == "Enter 0 or more."
    assert messages[4].startswith("Unknown choice; one of: actual, planned")
    assert messages[5] == "Enter a year from 2011 to 2100."


def test_a_commune_of_another_province_is_refused(cast, kinds):
    errors = _refused("works", "2022,25930,new_road,new,1,,\n", cast.officer_20)
    assert errors == [
        (2, "commune", "25930",
         "Xã Bạch Đằng is of another province: you enter your own province's records."),
    ]  # fmt: skip
    errors = _refused("figures", "2020,74,average_criteria,,15,\n", cast.officer_20)
    assert errors == [
        (2, "province", "74",
         "Tỉnh Bình Dương is another province: you enter your own province's records."),
    ]  # fmt: skip


def test_a_bad_date_and_a_duplicate_title(cast, kinds):
    title = "2021,05998,model_area,Thôn Nà Pàn,12/QĐ-UBND,{},\n"
    errors = _refused(
        "hamlet-titles",
        title.format("31/02/2021") + title.format("2021-11-20") + title.format("20/11/2021"),
        cast.officer_20,
    )
    assert errors == [
        (2, "decision_date", "31/02/2021", "Write the date as YYYY-MM-DD or DD/MM/YYYY."),
        (4, "row", "", "This title is recorded already for that year."),
    ]


def test_a_title_stored_already_is_refused(cast, kinds):
    body = "2021,05998,model_area,Thôn Nà Pàn,12/QĐ-UBND,2021-11-20,\n"
    import_records("hamlet-titles", _csv("hamlet-titles", body), user=cast.officer_20)
    errors = _refused("hamlet-titles", body, cast.officer_20)
    assert errors == [(2, "row", "", "This title is recorded already for that year.")]


def test_overlapping_funding_within_the_file_names_the_other_row(cast, kinds):
    body = "2021,20,,,community,actual,100,\n2021,,,05986,community_cash,actual,5,\n"
    errors = _refused("fundings", body, cast.officer_20)
    assert errors == [
        (3, "source", "community_cash",
         "Row 2 of this file gives this money already: it would be counted twice."),
    ]  # fmt: skip


def test_the_same_funding_file_twice_is_refused_for_double_counting(cast, kinds):
    import_records("fundings", _csv("fundings", FUNDINGS), user=cast.officer_20)
    errors = _refused("fundings", FUNDINGS, cast.officer_20)
    assert [(row, column) for row, column, *_rest in errors] == [
        (2, "source"), (3, "source"), (4, "source"),
    ]  # fmt: skip
    assert "would count the same money twice" in errors[0][3]
    assert Funding.objects.count() == 3


def test_a_duplicate_row_a_missing_column_and_an_unknown_column(cast, kinds):
    body = "2022,05998,new_road,new,1,,\n2022,05998,new_road,new,1,,\n"
    errors = _refused("works", body, cast.officer_20)
    assert errors == [(3, "row", "", "The same as row 2: a record is given once.")]
    before = _snapshot()
    missing = _csv("works", "2022,05998,new,1\n", header="year,commune,mode,quantity")
    with pytest.raises(ProgrammeImportRefused) as refused:
        import_records("works", missing, user=cast.officer_20)
    assert [(e.row, e.column) for e in refused.value.report.errors] == [(1, "file")]
    assert "missing: kind" in refused.value.report.errors[0].message
    extra = _csv("works", "2022,05998,new_road,new,1,,,x\n", header=WORKS + ",colour")
    with pytest.raises(ProgrammeImportRefused) as refused:
        import_records("works", extra, user=cast.officer_20)
    assert refused.value.report.errors[0].value == "colour"
    assert _snapshot() == before


def test_an_unknown_kind_or_status_and_who_may_import(cast, kinds):
    with pytest.raises(ValidationError) as error:
        import_records("roads", _csv("works", ""), user=cast.officer_20)
    assert "kind" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        import_records("works", _csv("works", ""), user=cast.officer_20, status="returned")
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        import_records("works", _csv("works", ""), user=cast.officer_20, status="approved")
    assert "approvers" in error.value.message_dict["status"][0]
    with pytest.raises(PermissionDenied):
        import_records("works", _csv("works", ""), user=cast.viewer_74)


def test_a_dry_run_checks_and_writes_nothing(cast, kinds):
    before = _snapshot()
    report = import_records(
        "fundings", _csv("fundings", FUNDINGS), user=cast.officer_20, dry_run=True
    )
    assert (report.dry_run, report.created, report.error_count) == (True, 3, 0)
    assert len(report.records) == 3
    assert _snapshot() == before


def test_importing_as_approved_takes_the_steps_as_by_hand(cast, kinds):
    report = import_records(
        "fundings", _csv("fundings", FUNDINGS), user=cast.approver_20, status="approved"
    )
    assert (report.created, report.approved, report.submitted) == (3, 3, 0)
    funding = Funding.objects.order_by("pk").first()
    assert (funding.status, funding.version) == ("approved", 3)
    steps = Step.objects.filter(record_type="funding", record_id=funding.pk)
    assert list(steps.values_list("action", "from_status", "to_status", "user__username")) == [
        ("submit", "draft", "submitted", "approver_20"),
        ("approve", "submitted", "approved", "approver_20"),
    ]
    history = funding.history.order_by("history_date")
    assert [h.status for h in history] == ["draft", "submitted", "approved"]


def test_importing_as_submitted(cast, kinds):
    body = "2022,05998,new_road,new,1,,\n"
    report = import_records("works", _csv("works", body), user=cast.officer_20, status="submitted")
    assert (report.submitted, Work.objects.get().status) == (1, "submitted")
    assert list(Step.objects.values_list("action", flat=True)) == ["submit"]


# --- the command, the API ----------------------------------------------------------------------


def test_the_command_prints_the_counts_or_every_error(cast, kinds, tmp_path, capsys):
    path = tmp_path / "fundings.csv"
    path.write_bytes(_csv("fundings", FUNDINGS).getvalue())
    call_command("import_programme", str(path), kind="fundings", user="officer_20")
    assert "created: 3" in capsys.readouterr().out
    with pytest.raises(CommandError, match="refused"):
        call_command("import_programme", str(path), kind="fundings", user="officer_20")
    assert "Row 2, source" in capsys.readouterr().err
    with pytest.raises(CommandError):
        call_command("import_programme", str(path), kind="fundings", user="nobody")
    assert Funding.objects.count() == 3


def test_the_command_dry_run(cast, kinds, tmp_path, capsys):
    path = tmp_path / "fundings.csv"
    path.write_bytes(_csv("fundings", FUNDINGS).getvalue())
    call_command("import_programme", str(path), "--dry-run", kind="fundings", user="national")
    assert "nothing was written" in capsys.readouterr().out
    assert not Funding.objects.exists()


def _upload(client, kind="fundings", body=FUNDINGS, **fields):
    return client.post(
        IMPORTS, {"file": _csv(kind, body), "kind": kind, **fields}, format="multipart"
    )


def test_the_api_imports_and_refuses(api, cast, kinds):
    assert _upload(api()).status_code == 401
    assert _upload(api(cast.viewer_74)).status_code == 403
    dry = _upload(api(cast.officer_20), dry_run="true")
    assert (dry.status_code, dry.json()["created"], dry.json()["dry_run"]) == (200, 3, True)
    assert not Funding.objects.exists()
    created = _upload(api(cast.officer_20))
    assert (created.status_code, created.json()["created"]) == (201, 3)
    assert created.json()["records"][0]["row"] == 2
    refused = _upload(api(cast.officer_20))
    body = refused.json()
    assert (refused.status_code, body["code"]) == (400, "invalid_file")
    assert [e["row"] for e in body["report"]["errors"]] == [2, 3, 4]
    assert body["errors"]["file"][0].startswith("Row 2, source")
    assert Funding.objects.count() == 3
    work = "2022,05998,new_road,new,1,,\n"
    approved = _upload(api(cast.officer_20), kind="works", body=work, status="approved")
    assert approved.status_code == 400
    assert "status" in approved.json()["errors"]


def test_the_templates(api, cast, kinds):
    response = api().get(f"{IMPORTS}template.csv", {"kind": "fundings"})
    assert response.status_code == 200
    assert response.content.decode() == "year,province,district,commune,source,kind,amount,note\r\n"
    response = api().get(f"{IMPORTS}template.xlsx", {"kind": "works"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    header, codes = book.worksheets
    assert [c.value for c in header[1]] == list(COLUMNS["works"])
    listed = {(row[0], row[1]): row[2] for row in codes.iter_rows(min_row=2, values_only=True)}
    assert listed[("kind", "new_road")] == "Đường giao thông mở mới"
    assert listed[("mode", "upgraded")] == "Nâng cấp, sửa chữa"
    assert api().get(f"{IMPORTS}template.csv", {"kind": "roads"}).status_code == 400


def test_a_closed_year_takes_no_imported_record(cast, kinds, small_set):
    close_year(province=Province.objects.get(structure="2021", code="20"), year=2022)
    errors = _refused("works", "2022,05998,new_road,new,1,,\n2023,05998,new_road,new,1,,\n",
                      cast.officer_20)  # fmt: skip
    assert [(row, column) for row, column, *_rest in errors] == [(2, "year")]
    assert "closed" in errors[0][3]
