"""Exporting the long CSV: what import reads back unchanged, with free text neutralised against
formula injection, and only what the reader may see."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from accounts.access import access_for
from communes.models import Commune
from criteria.loading import load_all
from criteria.models import AssessmentValue, CriteriaSet, Measure
from criteria.services import create_assessment, move, save_values
from criteria.services.exports import (
    COLUMNS,
    neutralise,
    restore,
    value_rows,
    write_template,
    write_values_csv,
)
from criteria.services.imports import ImportRefused, import_values
from tests.criteria.builders import measure
from tests.criteria.test_imports import _snapshot


def _assess(commune, values, year=2023):
    assessment = create_assessment(commune=commune, year=year)
    save_values(assessment=assessment, values=values, version=1)
    assessment.refresh_from_db()
    return assessment


def _rows(commune, user=None, year=2023) -> list[list[str]]:
    access = access_for(user)
    return list(value_rows(province=commune.province, year=year, access=access))


def _csv(rows) -> io.BytesIO:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return io.BytesIO(text.getvalue().encode())


def test_values_are_written_as_the_import_reads_them(small_set, bach_dang, cast):
    measure(small_set, "change", "change")
    _assess(
        bach_dang,
        {
            "income": "55,5",
            "irrigation": 100,
            "plan": False,
            "crafts": {"not_applicable": True, "note": '=HYPERLINK("http://x")'},
            "change": {"value": -5, "note": "-2 so với năm trước"},
        },
    )
    assert _rows(bach_dang, cast.officer_74) == [
        ["commune_code", "year", "measure_code", "value", "note"],
        ["25930", "2023", "change", "-5", "'-2 so với năm trước"],
        ["25930", "2023", "crafts", "n/a", '\'=HYPERLINK("http://x")'],
        ["25930", "2023", "income", "55.5", ""],
        ["25930", "2023", "irrigation", "100", ""],
        ["25930", "2023", "plan", "0", ""],
    ]


def test_export_then_import_changes_nothing(small_set, bach_dang, lang_son_commune, cast):
    values = {"income": "41.25", "irrigation": 0, "plan": True}
    _assess(bach_dang, values | {"crafts": {"not_applicable": True, "note": "@mention +1"}})
    approved = _assess(bach_dang, values, year=2022)
    move(assessment=approved, action="submit", version=approved.version)
    move(assessment=approved, action="approve", version=approved.version)
    before = _snapshot()
    for year in (2022, 2023):
        report = import_values(
            file=_csv(_rows(bach_dang, cast.officer_74, year)), user=cast.officer_74
        )
        assert report.values_unchanged == len(_rows(bach_dang, cast.officer_74, year)) - 1
        assert report.values_changed == report.values_created == report.values_cleared == 0
    assert _snapshot() == before


def test_the_public_sees_approved_values_only(small_set, bach_dang, cast):
    draft = _assess(bach_dang, {"income": 50})
    assert len(_rows(bach_dang)) == 1  # the header only
    assert len(_rows(bach_dang, cast.officer_20)) == 1  # another province's staff
    move(assessment=draft, action="submit", version=draft.version)
    move(assessment=draft, action="approve", version=draft.version)
    assert _rows(bach_dang)[1] == ["25930", "2023", "income", "50", ""]


def test_derived_measures_are_not_exported(small_set, bach_dang, cast):
    assessment = _assess(bach_dang, {"income": 50})
    derived = Measure.objects.get(criteria_set=small_set, code="ocop_products")
    AssessmentValue.objects.create(assessment=assessment, measure=derived, number=2)
    assert [row[2] for row in _rows(bach_dang, cast.national)] == ["measure_code", "income"]


def test_neutralise_and_restore_are_inverse():
    for text in ["=1+1", "+84 912", "-", "@x", "'=already", "''@x", "'plain", "plain", ""]:
        assert restore(neutralise(text)) == text
    assert neutralise("=SUM(A1)") == "'=SUM(A1)" and neutralise("a=b") == "a=b"


def test_the_command_writes_a_file_the_import_reads_back(small_set, bach_dang, tmp_path, cast):
    _assess(bach_dang, {"income": "60,25", "plan": True})
    path = tmp_path / "out.csv"
    call_command("export_assessments", "--province", "74", "--year", "2023", "--output", str(path))
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig").splitlines()[1:] == [
        "25930,2023,income,60.25,",
        "25930,2023,plan,1,",
    ]
    before = _snapshot()
    with path.open("rb") as stream:
        assert import_values(file=stream, user=cast.officer_74).values_unchanged == 2
    assert _snapshot() == before


def test_the_api_streams_the_csv_the_reader_may_see(small_set, bach_dang, api, cast):
    draft = _assess(bach_dang, {"income": "50,5"})
    url = "/api/v1/exports/values.csv?province=74&year=2023"
    staff = api(cast.officer_74).get(url)
    assert staff.status_code == 200 and staff["Content-Type"].startswith("text/csv")
    body = b"".join(staff.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # a spreadsheet program reads it as UTF-8
    lines = body.decode("utf-8-sig").splitlines()
    assert lines == [",".join(COLUMNS), "25930,2023,income,50.5,"]
    public = b"".join(api().get(url).streaming_content).decode("utf-8-sig").splitlines()
    assert public == [",".join(COLUMNS)]
    move(assessment=draft, action="submit", version=draft.version)
    move(assessment=draft, action="approve", version=draft.version)
    public = b"".join(api().get(url).streaming_content).decode("utf-8-sig").splitlines()
    assert public[1:] == ["25930,2023,income,50.5,"]


def test_the_export_api_says_what_is_wrong(small_set, api):
    missing = api().get("/api/v1/exports/values.csv?year=2023")
    assert missing.status_code == 400 and "province" in missing.json()["errors"]
    unknown = api().get("/api/v1/exports/values.csv?province=99&year=2023")
    assert (unknown.status_code, unknown.json()["message"]) == (404, "No province with code 99.")


def _template(commune, user, year=2023) -> io.BytesIO:
    out = io.BytesIO()
    write_template(out, province=commune.province, year=year, access=access_for(user))
    out.seek(0)
    return out


def test_the_template_has_a_row_per_commune_and_a_column_per_measure(small_set, bach_dang, cast):
    _assess(bach_dang, {"income": "55,5", "plan": True})
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    header = [cell.value for cell in sheet[1]]
    assert header == [
        "commune_code", "commune", "year", "crafts", "crafts:note", "income", "irrigation", "plan"
    ]  # fmt: skip
    assert sheet["F2"].value == "income (triệu đồng/người/năm)"
    rural = Commune.objects.on_map(2023).rural(2023).filter(province=bach_dang.province)
    assert sheet.max_row == 2 + rural.count()
    row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == "25930")
    assert row == ("25930", "Xã Bạch Đằng", 2023, None, None, 55.5, None, "có")
    validations = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert validations == {
        f"D3:D{sheet.max_row}": '"có,không,không áp dụng"',
        f"H3:H{sheet.max_row}": '"có,không"',
    }
    thresholds = list(book["Ngưỡng"].iter_rows(values_only=True))
    income = [r for r in thresholds if r[2] == "1.1" and r[0] == "standard"]
    assert [(r[5], r[7], r[8]) for r in income] == [("dnb", 50, "class dnb")]


def test_the_template_reads_back_through_the_import(small_set, bach_dang, cast):
    crafts = {"not_applicable": True, "note": "=1+1"}
    _assess(bach_dang, {"income": {"value": 50, "note": "Theo báo cáo"}, "crafts": crafts})
    before = _snapshot()
    report = import_values(file=_template(bach_dang, cast.officer_74), user=cast.officer_74)
    assert _snapshot() == before and report.values_changed == 0
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    assert sheet["E" + str(_row_of(sheet, "25930"))].value == "'=1+1"
    number = _row_of(sheet, "25930")
    sheet[f"F{number}"] = 60
    sheet[f"H{number}"] = "không"
    sheet[f"G{number}"] = "abc"  # refused, named by its column
    sheet[f"E{number}"] = "Không có làng nghề"
    with pytest.raises(ImportRefused) as refused:
        import_values(file=_saved(book), user=cast.officer_74)
    [error] = refused.value.report.errors
    assert (error.row, error.column, error.value) == (number, "G (irrigation)", "abc")
    sheet[f"G{number}"] = None
    report = import_values(file=_saved(book), user=cast.officer_74)
    assert (report.values_changed, report.values_created) == (2, 1)
    stored = {v.measure.code: v for v in AssessmentValue.objects.select_related("measure")}
    assert (stored["income"].number, stored["plan"].flag) == (60, False)
    assert stored["crafts"].note == "Không có làng nghề"
    assert stored["income"].note == "Theo báo cáo"  # no note column: the stored one stays


def test_a_damaged_workbook_is_refused(small_set, cast):
    before = _snapshot()
    with pytest.raises(ImportRefused) as refused:
        import_values(file=io.BytesIO(b"PK\x03\x04 not really a zip"), user=cast.national)
    assert refused.value.report.errors[0].message == "The file is not a readable .xlsx workbook."
    assert _snapshot() == before


def _row_of(sheet, code: str) -> int:
    return next(row[0].row for row in sheet.iter_rows(min_row=3) if row[0].value == code)


def _saved(book) -> io.BytesIO:
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_the_api_serves_the_template(small_set, bach_dang, api, cast):
    _assess(bach_dang, {"income": 50})
    url = "/api/v1/exports/template.xlsx?province=74&year=2023"
    response = api(cast.officer_74).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ntm-template-74-2023.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content))["Nhập liệu"]
    assert sheet[_row_of(sheet, "25930")][5].value == 50
    public = load_workbook(io.BytesIO(api().get(url).content))["Nhập liệu"]
    assert public[_row_of(public, "25930")][5].value is None  # a draft: staff only
    wrong = api().get("/api/v1/exports/template.xlsx?province=74&year=1990")
    assert wrong.status_code == 400 and "year" in wrong.json()["errors"]


def test_the_command_writes_the_template(small_set, bach_dang, tmp_path, capsys):
    path = tmp_path / "mau.xlsx"
    call_command("export_assessments", "--province", "74", "--year", "2023", "--template",
                 "--output", str(path))  # fmt: skip
    assert "Nhập liệu" in load_workbook(path).sheetnames
    assert f"written to {path}" in capsys.readouterr().err
    with pytest.raises(CommandError, match="give --output"):
        call_command("export_assessments", "--province", "74", "--year", "2023", "--template")


SAMPLE = {
    "bool": "Đạt",
    "number": "3.5",
    "count": "3",
    "percent": "87,5",
    "money": "61,25",
    "change": "-1,5",
}


@pytest.mark.parametrize("code", ["NTM-2021-2025", "NTM-2026-2030"])
def test_the_real_sets_round_trip_through_both_formats(cast, code):
    """Every entered measure of the real sets, imported, exported and imported again, on the
    map of the set's first year (the 2025 structure for 2026-2030)."""
    load_all()
    criteria_set = CriteriaSet.objects.get(code=code)
    year = criteria_set.first_year
    commune = Commune.objects.on_map(year).rural(year).order_by("code").first()
    measures = criteria_set.measures.exclude(source="derived")
    rows = [[commune.code, year, m.code, SAMPLE[m.value_type], ""] for m in measures]
    report = import_values(file=_csv([list(COLUMNS), *rows]), user=cast.national)
    assert report.values_created == len(rows) > 5
    before = _snapshot()
    exported = _rows(commune, cast.national, year)
    assert len(exported) == len(rows) + 1
    assert import_values(file=_csv(exported), user=cast.national).values_unchanged == len(rows)
    book = load_workbook(_template(commune, cast.national, year))
    sheet = book["Nhập liệu"]
    sheet.cell(_row_of(sheet, commune.code), 1).value = int(commune.code)  # "00376" as 376
    report = import_values(file=_saved(book), user=cast.national)
    assert report.values_changed == report.values_created == report.values_cleared == 0
    assert _snapshot() == before


def test_a_note_with_a_carriage_return_survives_export_and_import(small_set, bach_dang, cast):
    """csv quotes only the characters of its line ending: a CR left bare in a note ended the
    line when the exported file was read back."""
    _assess(bach_dang, {"income": {"value": 50, "note": "dòng 1\rdòng 2"}, "plan": True})
    income = AssessmentValue.objects.filter(measure__code="income")
    assert income.get().note == "dòng 1\ndòng 2"  # stored with its line break written as LF
    income.update(note="dòng 1\rdòng 2")  # as a row stored before that rule keeps it
    text = io.StringIO()
    access = access_for(cast.officer_74)
    write_values_csv(text, province=bach_dang.province, year=2023, access=access)
    assert '"25930","2023","income","50","dòng 1\rdòng 2"\n' in text.getvalue()
    income.update(note="dòng 1\ndòng 2")  # what the file's note is read as
    before = _snapshot()
    report = import_values(file=io.BytesIO(text.getvalue().encode()), user=cast.officer_74)
    assert (report.values_unchanged, report.values_changed) == (2, 0)
    assert _snapshot() == before


def test_a_file_of_lone_carriage_returns_is_read_as_an_upload_is(small_set, bach_dang, cast):
    """The command opens the file itself; the page and the API get Django's upload, which
    splits lines at a lone CR too: both read the same rows."""
    body = "commune_code,year,measure_code,value,note\r25930,2023,income,50,\r25930,2023,plan,1,\r"
    report = import_values(file=io.BytesIO(body.encode()), user=cast.officer_74, dry_run=True)
    assert (report.rows, report.values_created, report.error_count) == (2, 2, 0)


def _year_error(year: str, cast):
    body = f"commune_code,year,measure_code,value,note\n25930,{year},income,50,\n"
    with pytest.raises(ImportRefused) as refused:
        import_values(file=io.BytesIO(body.encode()), user=cast.national)
    [error] = refused.value.report.errors
    return error.row, error.column, error.value, error.message


def test_the_year_0000_is_an_error_not_a_crash(small_set, bach_dang, cast):
    assert _year_error("0000", cast) == (2, "year", "0000", "Write the year as four digits.")
    assert _year_error("0001", cast)[3] == "No criteria set is in force in 1."


def _template_refused(book, cast) -> list:
    before = _snapshot()
    with pytest.raises(ImportRefused) as refused:
        import_values(file=_saved(book), user=cast.officer_74)
    assert _snapshot() == before
    return [(e.row, e.column, e.value, e.message) for e in refused.value.report.errors]


def test_a_formula_with_no_computed_value_is_an_error_not_a_cleared_value(
    small_set, bach_dang, cast
):
    """A workbook written by a program keeps a formula without its result: read for its value
    alone, the cell looked empty, and the import cleared the stored value."""
    _assess(bach_dang, {"income": 50, "irrigation": 80})
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    number = _row_of(sheet, "25930")
    sheet[f"F{number}"] = "=50+49"
    [(row, column, value, message)] = _template_refused(book, cast)
    assert (row, column, value) == (number, "F", "=50+49")
    assert message.startswith("The cell holds a formula and the file gives no value for it")
    assert AssessmentValue.objects.get(measure__code="income").number == 50


def test_a_template_without_its_row_of_names_loses_no_commune(small_set, bach_dang, cast):
    """Row 2 names the columns in Vietnamese; a file that lost it starts its communes there,
    and the first is read, not skipped."""
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    first = sheet["A3"].value
    sheet["F3"] = 61
    sheet.delete_rows(2)
    report = import_values(file=_saved(book), user=cast.officer_74, dry_run=True)
    assert report.values_created == 1
    assert [c.commune_code for c in report.communes if c.values_created] == [first]


@pytest.mark.parametrize("again", ["income", "INCOME"])  # measure codes in any case
def test_a_measure_named_by_two_columns_is_one_error_on_the_first_row(
    small_set, bach_dang, cast, again
):
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    sheet.cell(row=1, column=sheet.max_column + 1, value=again)
    [(row, _column, _value, message)] = _template_refused(book, cast)
    assert row == 1 and "both name income" in message


def test_a_percentage_typed_with_its_sign_is_the_number_shown(small_set, bach_dang, cast):
    """Typed "85%" in a spreadsheet, a cell holds 0.85 formatted as a percentage: it is read as
    the 85 the person sees, not as 0.85."""
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    number = _row_of(sheet, "25930")
    sheet[f"G{number}"] = 0.855  # irrigation, a percentage measure
    sheet[f"G{number}"].number_format = "0.0%"
    sheet[f"F{number}"] = 55.5  # income: a plain number stays as it is
    import_values(file=_saved(book), user=cast.officer_74)
    stored = dict(AssessmentValue.objects.values_list("measure__code", "number"))
    assert (stored["irrigation"], stored["income"]) == (Decimal("85.5"), Decimal("55.5"))


def test_only_a_real_percent_format_reads_as_a_percentage(small_set, bach_dang, cast):
    """A "%" written as text in the format ("0.0"%"") does not scale the number; a percentage
    format on a measure that is not a percentage is refused, not read as a hundred times."""
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    number = _row_of(sheet, "25930")
    sheet[f"G{number}"] = 85.5  # irrigation, shown as 85.5% by a literal sign
    sheet[f"G{number}"].number_format = '0.0"%"'
    sheet[f"F{number}"] = 0.5  # income formatted as a percentage
    sheet[f"F{number}"].number_format = "0%"
    [(row, column, value, message)] = _template_refused(book, cast)
    assert (row, column, value) == (number, "F (income)", "50%")
    assert message == "Only a percentage is written with a % sign."
    sheet[f"F{number}"] = 55
    sheet[f"F{number}"].number_format = "General"
    import_values(file=_saved(book), user=cast.officer_74)
    stored = dict(AssessmentValue.objects.values_list("measure__code", "number"))
    assert (stored["irrigation"], stored["income"]) == (Decimal("85.5"), 55)


def test_an_array_formula_with_no_value_is_an_error_too(small_set, bach_dang, cast):
    from openpyxl.worksheet.formula import ArrayFormula

    _assess(bach_dang, {"irrigation": 80})
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    number = _row_of(sheet, "25930")
    sheet[f"G{number}"] = ArrayFormula(f"G{number}", "=SUM({80,5})")
    [(row, column, value, _message)] = _template_refused(book, cast)
    assert (row, column, value) == (number, "G", "=SUM({80,5})")
    assert AssessmentValue.objects.get(measure__code="irrigation").number == 80


def test_a_row_2_that_is_not_the_names_is_read_and_its_errors_reported(small_set, bach_dang, cast):
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    sheet["A2"] = "25930x"  # a mistyped commune where the names were
    errors = _template_refused(book, cast)  # read as data: its cells are errors
    assert {row for row, *_rest in errors} == {2}
    assert (2, "C (year)", "Năm") in [e[:3] for e in errors]


def _with_cell_xml(book, cell: str, xml: str) -> io.BytesIO:
    """The workbook saved, one cell of its values sheet written as ``xml`` (what a spreadsheet
    program saves and openpyxl does not write)."""
    import re
    import zipfile

    saved, out = _saved(book), io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = re.sub(rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)', xml, text, count=1, flags=re.S)
                data = text.encode()
            target.writestr(item, data)
    out.seek(0)
    return out


def test_a_formula_computed_to_an_empty_text_is_an_empty_cell(small_set, bach_dang, cast):
    """=IF(...;"";...) saved by a spreadsheet keeps an empty text as its value: the cell is
    empty, and a formula in a column the import does not read is not looked at."""
    _assess(bach_dang, {"income": 50})
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    number = _row_of(sheet, "25930")
    sheet[f"B{number}"] = '=UPPER("x")'  # the commune's name: not read, never computed
    empty = f'<c r="G{number}" t="str"><f>IF(1=1,"",5)</f><v></v></c>'
    report = import_values(
        file=_with_cell_xml(book, f"G{number}", empty), user=cast.officer_74, dry_run=True
    )
    assert report.error_count == 0


def test_a_template_written_in_capitals_keeps_its_notes(small_set, bach_dang, cast):
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    for cell in sheet[1]:
        cell.value = cell.value.upper() if isinstance(cell.value, str) else cell.value
    number = _row_of(sheet, "25930")
    sheet[f"D{number}"] = "không áp dụng"  # crafts, then its note column
    sheet[f"E{number}"] = "Xã không có làng nghề"
    import_values(file=_saved(book), user=cast.officer_74)
    crafts = AssessmentValue.objects.get(measure__code="crafts")
    assert (crafts.not_applicable, crafts.note) == (True, "Xã không có làng nghề")


def _header(sheet) -> list:
    return [cell.value for cell in sheet[1]]


@pytest.mark.parametrize("again", ["commune_code", "YEAR", "note"])
def test_a_column_read_twice_is_one_error_on_the_first_row(small_set, bach_dang, cast, again):
    """A second commune_code or year column silently replaced the first (values written to
    another commune); a second note column silently lost the first's note."""
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    if again == "note":
        again = next(name for name in _header(sheet) if name.endswith(":note"))
    sheet.cell(row=1, column=sheet.max_column + 1, value=again)
    [(row, _column, _value, message)] = _template_refused(book, cast)
    assert row == 1 and f"both name {again.lower()}: keep one." in message


def test_a_note_column_of_no_measure_column_is_an_error(small_set, bach_dang, cast):
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    sheet.cell(row=1, column=sheet.max_column + 1, value="incom:note")
    letter = sheet.cell(row=1, column=sheet.max_column).column_letter
    [(row, _column, _value, message)] = _template_refused(book, cast)
    assert (row, message) == (1, f"Column {letter} is the note of incom, which no column names.")


@pytest.mark.parametrize("name", [None, '="income"'])  # empty, or a formula never computed
def test_a_value_in_a_column_row_1_does_not_name_is_an_error(small_set, bach_dang, cast, name):
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    column = sheet.max_column + 2
    sheet.cell(row=1, column=column, value=name)
    number = _row_of(sheet, "25930")
    sheet.cell(row=number, column=column, value=55)
    letter = sheet.cell(row=1, column=column).column_letter
    [(row, cell, value, message)] = _template_refused(book, cast)
    assert (row, cell, value) == (number, letter, "55")
    assert message.startswith("Row 1 gives this column no name")


def test_the_row_of_names_is_known_in_any_case(small_set, bach_dang, cast):
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    sheet["A2"] = "MÃ XÃ"
    report = import_values(file=_saved(book), user=cast.officer_74, dry_run=True)
    assert report.error_count == 0


def test_a_commune_refused_is_said_once_for_its_row(small_set, bach_dang, cast):
    """Each measure column of the row met the same refusal: one line, not one a column."""
    stranger = Commune.objects.rural().filter(structure="2021", province__code="20").first()
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    sheet.append([stranger.code, stranger.name, 2023])
    errors = _template_refused(book, cast)
    assert [(row, column) for row, column, _v, _m in errors] == [
        (sheet.max_row, "A (commune_code)")
    ]
    assert "you may import only your province" in errors[0][3]


def test_values_merged_over_communes_are_an_error_not_cleared_values(small_set, bach_dang, cast):
    """A merged range keeps its value in its first cell: the cells it hides were read as
    empty, and the import cleared the values they covered."""
    _assess(bach_dang, {"income": 50, "irrigation": 80})
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    last = sheet.max_row
    sheet.merge_cells(f"F2:F{last}")  # from the row of names down: hides every income
    sheet.merge_cells(f"G{last}:H{last}")  # the last commune's plan, beside its irrigation
    errors = _template_refused(book, cast)
    why = (
        "These cells are merged. A spreadsheet keeps a merged range's value in its first cell "
        "alone: the others would be read as empty. Unmerge the cells and fill each one."
    )
    assert [(row, column, value, message) for row, column, value, message in errors[:2]] == [
        (2, "F", f"F2:F{last}", why),
        (last, "G", f"G{last}:H{last}", why),
    ]
    assert AssessmentValue.objects.get(measure__code="income").number == 50


def test_a_merged_column_the_import_does_not_read_is_left_alone(small_set, bach_dang, cast):
    """The communes' names (and the row of column names) are not read: merging them, as a
    district's name written once for its communes, changes nothing."""
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    sheet.merge_cells(f"B3:B{sheet.max_row}")
    sheet.merge_cells("D2:H2")
    number = _row_of(sheet, "25930")
    sheet[f"F{number}"] = 61
    report = import_values(file=_saved(book), user=cast.officer_74, dry_run=True)
    assert (report.error_count, report.values_created) == (0, 1)


def test_a_tiny_number_is_refused_for_its_decimals_and_shown_as_typed(small_set, bach_dang, cast):
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    number = _row_of(sheet, "25930")
    sheet[f"F{number}"] = 0.00001
    [(row, column, value, message)] = _template_refused(book, cast)
    assert (row, column, value) == (number, "F (income)", "0.00001")
    assert message == "Use at most 10 digits before and 4 after the decimal point."


def test_a_computed_number_is_read_to_a_spreadsheets_precision(small_set, bach_dang, cast):
    """A formula's sum kept as 97.30000000000001 is shown as 97.3: read in full, it was
    refused for its decimals. A spreadsheet keeps 15 significant digits."""
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    sheet[f"F{_row_of(sheet, '25930')}"] = 97.30000000000001
    report = import_values(file=_saved(book), user=cast.officer_74)
    assert (report.error_count, report.values_created) == (0, 1)
    assert AssessmentValue.objects.get(measure__code="income").number == Decimal("97.3")


def test_a_renamed_or_moved_values_sheet_is_found_by_its_header(small_set, bach_dang, cast):
    """Without the template's name for it, the values sheet was the first one, the
    thresholds once moved in front: every row was refused without naming the sheet read."""
    book = load_workbook(_template(bach_dang, cast.officer_74))
    sheet = book["Nhập liệu"]
    sheet.title = "Số liệu 2023"
    book.move_sheet(sheet, offset=1)  # behind the thresholds
    sheet[f"F{_row_of(sheet, '25930')}"] = 61
    report = import_values(file=_saved(book), user=cast.officer_74, dry_run=True)
    assert (report.error_count, report.values_created) == (0, 1)


def test_a_hidden_sheet_is_never_read(small_set, bach_dang, cast):
    """An old copy of the values kept hidden, the edits made in a visible copy: before, the
    hidden sheet (the template's name for it) was imported and the visible edit dropped."""
    book = load_workbook(_template(bach_dang, cast.officer_74))
    hidden = book["Nhập liệu"]
    edited = book.copy_worksheet(hidden)
    edited.title = "Nhập liệu (2)"
    book.move_sheet(edited, offset=-book.index(edited))  # first
    hidden.sheet_state = "hidden"
    hidden[f"F{_row_of(hidden, '25930')}"] = 45  # stale
    edited[f"F{_row_of(edited, '25930')}"] = 61
    report = import_values(file=_saved(book), user=cast.officer_74)
    assert (report.error_count, report.values_created) == (0, 1)
    assert AssessmentValue.objects.get(measure__code="income").number == 61


def test_two_sheets_of_values_are_refused_naming_both(small_set, bach_dang, cast):
    """Values split over two sheets: before, the second was left out without a word."""
    book = load_workbook(_template(bach_dang, cast.officer_74))
    second = book.copy_worksheet(book["Nhập liệu"])
    second.title = "Nhập liệu 2"
    [(row, _column, value, message)] = _template_refused(book, cast)
    assert (row, value) == (1, "workbook.xlsx")  # the file, which has no name here
    assert message == (
        "Several sheets hold values (their row 1 names commune_code): Nhập liệu, Nhập liệu 2. "
        "Keep the values in one of them and delete the others: the import reads one sheet."
    )
    assert not AssessmentValue.objects.exists()


def test_a_workbook_with_no_values_sheet_names_the_sheet_it_read(small_set, bach_dang, cast):
    book = load_workbook(_template(bach_dang, cast.officer_74))
    del book["Nhập liệu"]
    [(row, _column, value, message)] = _template_refused(book, cast)
    assert (row, value) == (1, "Ngưỡng")
    assert message == "The first row must name the columns commune_code and year, then measures."
