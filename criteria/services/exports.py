"""Exporting assessments' values as the long CSV that services.imports reads back
(``commune_code,year,measure_code,value,note``): export then import changes nothing.

Formula injection: a spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@``.
Only the note is free text, so only a note is neutralised (an apostrophe in front, which
spreadsheets show as text and the import removes again: restore). The other cells are written
by the portal: codes, a year, and values from stored decimals, where ``-5`` is a number (a
change measure may be negative) and must stay one to round-trip; "1"/"0" for yes/no and
"n/a" for not applicable.
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.access import Access, visible_work
from communes.models import Commune, Province
from criteria import scoring, selectors
from criteria.models import Assessment, AssessmentValue, CriteriaSet, Measure

COLUMNS = ("commune_code", "year", "measure_code", "value", "note")
FORMULA_STARTS = ("=", "+", "-", "@")
NOT_APPLICABLE = "n/a"


def _runs(text: str) -> bool:
    """Whether a spreadsheet would run the cell, or it looks like a neutralised one (whose
    apostrophe must then be kept apart from the one neutralise adds)."""
    return text.startswith(FORMULA_STARTS) or (text.startswith("'") and _runs(text[1:]))


def neutralise(text: str) -> str:
    """Free text as a spreadsheet will not run it."""
    return "'" + text if _runs(text) else text


def restore(text: str) -> str:
    """A cell as it was before neutralise() (other text is left as it is). A note typed as
    "'=x" by hand is read as "=x", which is what a spreadsheet shows for it."""
    return text[1:] if text.startswith("'") and _runs(text[1:]) else text


def value_text(number: Decimal | None, flag: bool | None, not_applicable: bool) -> str:
    """A stored value as the import reads it: plain digits with a point, 1/0, n/a, or empty."""
    if not_applicable:
        return NOT_APPLICABLE
    if flag is not None:
        return "1" if flag else "0"
    if number is None:
        return ""
    return format(number.normalize(), "f")  # 55.0000 -> 55, 0.5000 -> 0.5, 1E+2 -> 100


def value_rows(
    *, province: Province, year: int, access: Access, commune_codes: Iterable[str] | None = None
) -> Iterator[list[str]]:
    """The header, then the province's stored values of ``year`` that ``access`` may see (the
    public: approved assessments only), by commune and measure; read in chunks from one
    query. Derived measures are left out: they are computed, not entered."""
    yield list(COLUMNS)
    assessments = Assessment.objects.filter(
        visible_work(access), commune__province=province, year=year
    )
    values = AssessmentValue.objects.filter(assessment__in=assessments).exclude(
        measure__source=Measure.Source.DERIVED
    )
    if commune_codes is not None:
        values = values.filter(assessment__commune__code__in=list(commune_codes))
    rows = values.order_by("assessment__commune__code", "measure__code")
    fields = ("assessment__commune__code", "measure__code", "number", "flag", "not_applicable")
    for code, measure, number, flag, na, note in rows.values_list(*fields, "note").iterator(2000):
        yield [code, str(year), measure, value_text(number, flag, na), neutralise(note)]


def _row_writer(out) -> Callable[[list[str]], object]:
    """csv.writer's writerow, lines ending in a line feed; a row with a carriage return in a
    cell (a note typed so) has every cell quoted, since csv quotes only the characters of its
    line ending, and the CR left bare would end the line when the file is read back."""
    plain = csv.writer(out, lineterminator="\n")
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def write(row: list[str]):
        return (quoted if any("\r" in cell for cell in row) else plain).writerow(row)

    return write


def write_values_csv(out, **filters) -> int:
    """value_rows written to the text stream ``out``; returns how many values."""
    write = _row_writer(out)
    count = -1
    for count, row in enumerate(value_rows(**filters)):  # noqa: B007 (the count is used after)
        write(row)
    return count


class Echo:
    """A file-like object whose write() returns what it was given: csv.writer then yields
    lines for a streaming response."""

    def write(self, text: str) -> str:
        return text


BYTE_ORDER_MARK = "\ufeff"  # before a CSV: spreadsheet programs then read it as UTF-8


def csv_lines(**filters) -> Iterator[str]:
    """value_rows as CSV lines, for a streaming download: a byte-order mark first, as the
    command's file has (without it, a spreadsheet program opens the Vietnamese notes in the
    system's code page); the import reads the file with or without it."""
    write = _row_writer(Echo())
    yield BYTE_ORDER_MARK
    for row in value_rows(**filters):
        yield write(row)


# --- the Excel template -------------------------------------------------------------------------

VALUES_SHEET, THRESHOLDS_SHEET = "Nhập liệu", "Ngưỡng"
NOTE_SUFFIX = ":note"  # a measure's note column: "crafts:note"
FIXED = ("commune_code", "commune", "year")
FIRST_DATA_ROW = 3  # row 1: codes (what the import reads), row 2: Vietnamese names
CODE_TITLE = "Mã xã"  # the commune column's name in row 2 (how the import knows that row)
YES, NO, NOT_APPLICABLE_VI = "có", "không", "không áp dụng"


@dataclass(frozen=True)
class TemplateColumn:
    code: str  # the header the import reads: "commune_code", a measure code, "crafts:note"
    title: str  # the Vietnamese name in the second header row
    measure: Measure | None = None
    note_of: Measure | None = None


def template_columns(measures: list[Measure]) -> list[TemplateColumn]:
    """The template's columns: the commune and year, then each measure that is entered (with
    a note column after those that may be not applicable, where a note is required)."""
    columns = [
        TemplateColumn("commune_code", CODE_TITLE),
        TemplateColumn("commune", "Tên xã"),
        TemplateColumn("year", "Năm"),
    ]
    for measure in measures:
        unit = f" ({measure.unit})" if measure.unit else ""
        columns.append(TemplateColumn(measure.code, measure.name_vi + unit, measure=measure))
        if measure.allows_not_applicable:
            title = f"Ghi chú: {measure.name_vi}"
            columns.append(TemplateColumn(measure.code + NOTE_SUFFIX, title, note_of=measure))
    return columns


def write_template(out, *, province: Province, year: int, access: Access) -> int:
    """The workbook for entering a province's year: one row per rural commune on the year's
    map, one column per measure (code, and the Vietnamese name below it), filled with the
    values ``access`` may see; a yes/no column takes only có/không (and không áp dụng where
    allowed); the second sheet lists the thresholds that apply. Returns the communes' count."""
    criteria_set = CriteriaSet.objects.for_year_or_error(year)
    measures = list(criteria_set.measures.exclude(source=Measure.Source.DERIVED).order_by("code"))
    columns = template_columns(measures)
    communes = list(
        Commune.objects.on_map(year)
        .rural(year)
        .filter(province=province)
        .select_related("province__region")
        .order_by("code")
    )
    book = Workbook()
    sheet = book.active
    sheet.title = VALUES_SHEET
    sheet.append([column.code for column in columns])
    sheet.append([column.title for column in columns])
    stored = _stored_by_commune(province, year, access)
    for commune in communes:
        values = stored.get(commune.code, {})
        sheet.append([_template_cell(column, commune, year, values) for column in columns])
    _as_text(sheet, columns)
    _validate_yes_no(sheet, columns, len(communes))
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=len(FIXED) + 1)
    _threshold_sheet(book.create_sheet(THRESHOLDS_SHEET), criteria_set, communes, year)
    book.save(out)
    return len(communes)


def _stored_by_commune(province: Province, year: int, access: Access) -> dict[str, dict]:
    """{commune code: {measure code: (number, flag, not applicable, note)}}, as exported."""
    assessments = Assessment.objects.filter(
        visible_work(access), commune__province=province, year=year
    )
    rows = AssessmentValue.objects.filter(assessment__in=assessments).values_list(
        "assessment__commune__code", "measure__code", "number", "flag", "not_applicable", "note"
    )
    stored: dict[str, dict] = {}
    for code, measure, *value in rows:
        stored.setdefault(code, {})[measure] = value
    return stored


def _template_cell(column: TemplateColumn, commune: Commune, year: int, values: dict):
    if column.code == "commune_code":
        return commune.code
    if column.code == "commune":
        return commune.name
    if column.code == "year":
        return year
    if column.note_of is not None:
        stored = values.get(column.note_of.code)
        return neutralise(stored[3]) if stored else None
    stored = values.get(column.code)
    if stored is None:
        return None
    number, flag, not_applicable, _note = stored
    if not_applicable:
        return NOT_APPLICABLE_VI
    if flag is not None:
        return YES if flag else NO
    return Decimal(value_text(number, None, False)) if number is not None else None


def _as_text(sheet, columns: list[TemplateColumn]) -> None:
    """Codes keep their leading zeros and notes stay text (never a formula)."""
    text = [i for i, c in enumerate(columns, 1) if c.code == "commune_code" or c.note_of]
    for row in sheet.iter_rows(min_row=FIRST_DATA_ROW):
        for index in text:
            cell = row[index - 1]
            if cell.value is not None:
                cell.data_type = "s"
            cell.number_format = "@"


def _validate_yes_no(sheet, columns: list[TemplateColumn], communes: int) -> None:
    last = FIRST_DATA_ROW + max(communes, 1) - 1
    for index, column in enumerate(columns, 1):
        measure = column.measure
        if measure is None or measure.value_type != Measure.ValueType.BOOL:
            continue
        words = [YES, NO] + ([NOT_APPLICABLE_VI] if measure.allows_not_applicable else [])
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(words) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Giá trị không hợp lệ",
            error="Chọn: " + ", ".join(words),
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
        sheet.add_data_validation(validation)


THRESHOLD_HEADER = [
    "Mức",
    "Tiêu chí",
    "Chỉ tiêu",
    "Tên chỉ tiêu",
    "Mã số đo",
    "Vùng / nhóm xã",
    "So sánh",
    "Ngưỡng",
    "Phạm vi",
    "Đã đối chiếu văn bản",
    "Nguồn",
]


def _threshold_sheet(sheet, criteria_set: CriteriaSet, communes: list[Commune], year: int):
    """The threshold each indicator is judged against, for each class (region or commune
    group) the province's communes are in that year: the scoring engine's own choice
    (scoring.resolve_threshold), "chưa cấu hình" where none is configured."""
    sheet.append(THRESHOLD_HEADER)
    rules = selectors.rules_for(criteria_set)
    classes = sorted(set(selectors.classes_for(communes, criteria_set, year).values()))
    province = communes[0].province.code if communes else ""
    for class_value in classes:
        subject = scoring.Subject(year, province, class_value)
        for level in rules.levels:
            for criterion in level.criteria:
                for indicator in criterion.indicators:
                    sheet.append(_threshold_row(rules, level, criterion, indicator, subject))


def _threshold_row(rules, level, criterion, indicator, subject) -> list:
    head = [level.code, criterion.code, indicator.code, neutralise(indicator.name)]
    head += [indicator.measure, subject.class_value, indicator.comparison.value]
    if indicator.comparison == scoring.Comparison.TRUE:
        return [*head, "đạt (có)", "", "", ""]
    threshold = scoring.resolve_threshold(rules, level.code, indicator, subject)
    if threshold is None:
        return [*head, "chưa cấu hình", "", "", ""]
    verified = "có" if threshold.verified else "chưa"
    scope = f"{threshold.scope.value} {threshold.scope_value}".strip()
    plain = Decimal(value_text(threshold.value, None, False))
    return [*head, plain, scope, verified, neutralise(threshold.source)]
