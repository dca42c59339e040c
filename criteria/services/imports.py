"""Importing assessments' values from the long CSV ``commune_code,year,measure_code,value,note``
(UTF-8, with or without a byte-order mark, a header row first), or from the Excel template
(exports.write_template, one row per commune, one column per measure): one service behind the
command, the API and the pages.

All or nothing, streamed. The file is read in chunks of rows inside one transaction; each
chunk's communes, assessments and stored values are loaded in a few queries, every row is
checked (each error collected with its row, column, value and reason), and, while no error has
been found, the chunk is written as the services' bulk paths write it: new assessments with
their "create" step (values.create_assessments' rows), new values (by COPY on PostgreSQL),
changed and cleared ones, each with its history row (values.write_values_many's rows). After
the last chunk each assessment touched is counted as saved once and rescored once
(results.rescore_many, in batches), and with ``status="approved"`` takes the workflow steps
submit and approve by workflow.move_many, as an approver takes them by hand. An error anywhere
stops the writing, the rest of the file is still checked, and the whole transaction is rolled
back: nothing is written. A value equal to the stored one is not written, so the same file
twice changes nothing. Memory holds the communes and the commune-years of the file (a few
hundred bytes each), never its rows.

How a cell is read is the services' rule (values.parse_value: numbers with a point or a comma,
yes/no words); here only what a file adds: an empty value is missing (it clears a stored one),
``n/a`` or ``không áp dụng`` marks the value not applicable (the note then says why), and a
note exported with a leading apostrophe (exports.neutralise) is read back without it. The
evidence link of a stored value is kept: the file has no column for it.
"""

import codecs
import csv
import os
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import connection, connections, router, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from accounts.access import Access, access_for
from communes.models import Commune, KindChange, Province, structures_for_years
from core import files, imports
from core.imports import ErrorReport
from core.imports import RowError as RowError  # the pages name the errors of this import
from core.tables import MERGED_WHY, MergedRange, _cell_text, merged_ranges, spreadsheet_decimal
from core.text import clean_text
from criteria import selectors
from criteria.models import (
    Assessment,
    AssessmentValue,
    CriteriaSet,
    Measure,
    WorkflowStep,
    YearClosure,
)
from criteria.services.bulk import (
    copy_into,
    copy_text,
    copy_to_history,
    insert_rows,
    update_rows,
)
from criteria.services.closures import refuse_if_closed
from criteria.services.errors import YearClosedError
from criteria.services.exports import (
    CODE_TITLE,
    COLUMNS,
    FIXED,
    NOTE_SUFFIX,
    VALUES_SHEET,
    restore,
)
from criteria.services.locks import hold_sets
from criteria.services.results import rescore_many
from criteria.services.values import (
    IDS_PER_QUERY,
    VALUE_FIELDS,
    ParsedValue,
    ValueWrite,
    _clear_values,
    _clears,
    _copy_ids_to_history,
    _count_save,
    _created_step,
    _parse_flag,
    _refuse_unless_on_map,
    _refuse_unless_rural,
    _value_row,
    criteria_set_for_year,
    locked_message,
    parse_value,
)
from criteria.services.workflow import may_take, move_many

DRAFT, APPROVED = Assessment.Status.DRAFT, Assessment.Status.APPROVED
STATUSES = (DRAFT, APPROVED)
NOT_APPLICABLE_WORDS = {"n/a", "không áp dụng"}
ROWS_PER_CHUNK = 5000
NOTHING_STORED: dict = {}
PARSED_KEPT = 20_000  # distinct (measure, value, note) remembered while reading a file
RESCORED_TOGETHER = 100  # assessments scored in one go: their values are loaded together
MOVED_TOGETHER = 1000  # assessments approved in one go (workflow.move_many): no values loaded


@dataclass(frozen=True)
class CommuneChange:
    """What the file does to one commune's year, for a preview commune by commune."""

    province_code: str
    commune_code: str
    commune_name: str
    year: int
    assessment: str  # CREATED, CHANGED or UNCHANGED
    approved: bool  # importing as approved moves it to approved
    values_created: int
    values_changed: int
    values_cleared: int
    version: int | None = None  # the assessment's version as the import found it (None: none)


CREATED, CHANGED, UNCHANGED = "created", "changed", "unchanged"
CHANGES_KEPT = 500  # values changed or cleared listed one by one in a report (the rest counted)


@dataclass(frozen=True)
class ValueChange:
    """A stored value the file changes or clears, for a preview value by value."""

    commune_code: str
    commune_name: str
    year: int
    measure: Measure
    row: int
    before: tuple  # (number, flag, not applicable, note) as stored
    after: ParsedValue | None  # None: cleared

    @property
    def measure_code(self) -> str:
        return self.measure.code


@dataclass
class ImportReport(ErrorReport):
    """What an import did (or, refused or in a dry run, would do), and every error found
    (core.imports.ErrorReport)."""

    dry_run: bool = False
    status: str = DRAFT
    rows: int = 0
    assessments_created: int = 0
    assessments_changed: int = 0
    assessments_unchanged: int = 0
    assessments_approved: int = 0
    # With ``approved``: those the file leaves as they are, not approved yet (_to_approve).
    assessments_left_open: int = 0
    values_created: int = 0
    values_changed: int = 0
    values_cleared: int = 0
    values_unchanged: int = 0
    # Each commune-year of the file, in the file's order (not in as_dict: the API's counts).
    communes: list[CommuneChange] = field(default_factory=list)
    # The first CHANGES_KEPT stored values changed or cleared (not in as_dict either).
    value_changes: list[ValueChange] = field(default_factory=list)

    def as_dict(self) -> dict:
        counts = {name: getattr(self, name) for name in COUNTED}
        errors = [error.__dict__ for error in self.errors]
        return {"dry_run": self.dry_run, "status": self.status, **counts, "errors": errors}


COUNTED = [
    "rows",
    "assessments_created",
    "assessments_changed",
    "assessments_unchanged",
    "assessments_approved",
    "assessments_left_open",
    "values_created",
    "values_changed",
    "values_cleared",
    "values_unchanged",
    "error_count",
]


class ImportRefused(imports.ImportRefused):
    """The file has errors: nothing was written. ``report`` lists them all."""


class _Stored(NamedTuple):
    """A value as stored, as much of it as the import compares and keeps."""

    pk: int
    number: Decimal | None
    flag: bool | None
    not_applicable: bool
    note: str
    evidence_url: str


@dataclass(eq=False)
class _Target:
    """One commune's year in the file: its assessment as stored when the import began (None:
    none yet) and what the file does to it. Kept for the whole file (one per commune-year,
    never one per value): the values themselves are read, checked and written chunk by chunk."""

    commune: Commune
    year: int
    criteria_set: CriteriaSet
    assessment: Assessment | None
    seen: array  # the row giving each of the set's measures (0: none yet), by _YearRules.slot
    created_id: int | None = None  # the assessment this import created for it
    creates: bool = False  # to be created: a value of the file is to be stored in it
    writes: bool = False  # an existing assessment whose values the file changes
    first_row: int = 0  # its first row in the file
    first_change: int = 0  # the first row that changes its values (0: none)
    counts: dict[str, int] = field(default_factory=dict)  # values created, changed, cleared

    @property
    def assessment_id(self) -> int | None:
        return self.assessment.pk if self.assessment is not None else self.created_id


@dataclass
class _YearRules:
    criteria_set: CriteriaSet | None
    measures: dict[str, Measure]
    error: str = ""
    slot: dict[int, int] = field(default_factory=dict)  # each measure's place in _Target.seen
    closed: set[int] = field(default_factory=set)  # the provinces that closed the year


class _Row(NamedTuple):  # a tuple: made half a million times for a national file
    number: int
    code: str
    year_text: str
    measure_code: str
    value: str
    note: str | None  # None: the file has no note for it (a template's column): keep the stored
    labels: dict[str, str] | None = None  # how the file names each column (a workbook's letters)

    def column(self, name: str) -> str:
        return self.labels.get(name, name) if self.labels else name


def import_values(
    *,
    file,
    user=None,
    status: str = DRAFT,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    seen: Mapping[tuple[str, int], int | None] | None = None,
) -> ImportReport:
    """Import ``file`` (a binary file object: the long CSV, or the Excel template filled in)
    as ``user`` (None: the operator at the server's terminal, with national scope). Returns
    the report; raises ImportRefused (nothing written) listing every error, PermissionDenied
    for a user who may not import, or not with that status.

    Streamed: each chunk of rows is checked, then (while no error has been found, and not in
    a dry run) written, inside the one transaction; an error anywhere rolls back everything
    written before it, and the rest of the file is still checked so that every error is
    reported. What stays in memory is bounded by the communes and years of the file, not by
    its rows.

    ``seen``: what a preview (a dry run of the same file) found, each commune-year's
    assessment version by (commune code, year) (CommuneChange.version, None: no assessment):
    an assessment saved, or created, since is an error, and nothing is written, so that what
    is confirmed is what was previewed."""
    access = import_access(user, status)
    report = ImportReport(dry_run=dry_run, status=status)
    # A preview on the embedded SQLite database reads outside a transaction: there every
    # transaction takes the write lock as it begins (settings), and two previews at once,
    # which write nothing, would queue behind each other and behind every save.
    reading_only = dry_run and connection.vendor == "sqlite"
    with nullcontext() if reading_only else transaction.atomic():
        plan = _Plan(access, report, user, status, writing=not dry_run, seen=seen)
        for chunk in _chunks(_records(file, report), ROWS_PER_CHUNK):
            plan.add(chunk)
            if progress:
                progress(report.rows)
        plan.finish()
        if report.error_count:
            raise ImportRefused(report)
        plan.complete()
    return report


def import_access(user, status: str = DRAFT) -> Access:
    """The user's access, if they may import with that status; else PermissionDenied (or a
    ValidationError for an unknown status). The pages ask it before offering an import."""
    if status not in STATUSES:
        raise ValidationError({"status": _("Import as draft or approved.")})
    if user is None:
        return Access(role=None, province_id=None, superuser=True, authenticated=True)
    if not user.is_active:
        raise PermissionDenied(_("This account is deactivated."))
    access = access_for(user)
    if not (access.is_national or (access.province_id and access.can_edit(access.province_id))):
        raise PermissionDenied(_("Only a province's officers and the national office import."))
    if status == APPROVED and not may_take(access, WorkflowStep.Action.APPROVE, access.province_id):
        raise PermissionDenied(_("Only approvers and the national office import approved data."))
    return access


# --- reading ------------------------------------------------------------------------------------


def _records(file, report: ImportReport) -> Iterator[_Row]:
    """The file's values, one _Row each, from the long CSV or the Excel template (a ZIP
    package, by its first bytes)."""
    head = file.read(4)
    file.seek(0)
    if head == b"PK\x03\x04":
        return _workbook_records(file, report)
    return _csv_records(file, report)


def _csv_records(file, report: ImportReport) -> Iterator[_Row]:
    """The CSV's data rows; a header, encoding or layout problem is an error in the report
    (and ends the reading where the file cannot be read on)."""
    # Line by line, decoded as it goes: never the whole file. Lines split as Django's File
    # splits an upload (at LF, CRLF or a lone CR), whoever opened the file: the command, the
    # API and the page read the same file the same way.
    lines = file if isinstance(file, File) else File(file)
    # strict: a quotation mark never closed is an error, not the rest of the file read as one
    # note (and `"a"b` is an error, not "ab").
    text = codecs.iterdecode(iter(lines), "utf-8-sig")
    reader = csv.reader(text, strict=True)  # the data rows, after the header
    number = 0  # the last row read: an error in reading is in the next one
    try:
        # The header leniently, so that a header quoted and separated by semicolons is
        # said to be one (_header_message) rather than badly quoted.
        header = next(csv.reader(text), [])
        header = _without_empty_tail([name.strip().casefold() for name in header])
        number = 1
        if sorted(header) != sorted(COLUMNS):
            report.add_error(1, "", ",".join(header), _header_message(header))
            return
        code, year, measure, value, note = (header.index(name) for name in COLUMNS)
        for cells in reader:
            number += 1
            if not "".join(cells).strip():
                continue  # a blank row, as core.tables skips them
            report.rows += 1
            if len(cells) > len(COLUMNS):  # empty cells after the last column (a spreadsheet's)
                cells = _without_empty_tail(cells, len(COLUMNS))
            if len(cells) != len(COLUMNS):
                message = _("Expected %(n)d cells, found %(found)d.")
                report.add_error(
                    number, "", ",".join(cells), message % {"n": len(COLUMNS), "found": len(cells)}
                )
                continue
            yield _Row(
                number,
                _commune_code(cells[code].strip()),
                cells[year].strip(),
                cells[measure].strip(),
                cells[value].strip(),
                cells[note].strip(),
            )
    except UnicodeDecodeError:
        report.add_error(number + 1, "", "", _("The file is not UTF-8 text."))
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            message = _("A cell holds more than %(n)d characters: no value or note is that long.")
            report.add_error(number + 1, "", "", message % {"n": csv.field_size_limit()})
        elif "unexpected end of data" in str(error):
            message = _(
                "A quotation mark opened in this row is never closed: the rest of the file "
                "would be read as one cell."
            )
            report.add_error(number + 1, "", "", message)
        elif "expected after" in str(error):
            message = _(
                "A quoted cell must end at its closing quotation mark, before the comma (a "
                "quotation mark inside a quoted cell is written twice)."
            )
            report.add_error(number + 1, "", "", message)
        else:
            message = _("The file is not valid CSV: %(e)s") % {"e": error}
            report.add_error(number + 1, "", "", message)


def _without_empty_tail(cells: list[str], keep: int = 0) -> list[str]:
    """The cells without the empty ones after the last that is not (a spreadsheet writes the
    columns it ever formatted), but at least ``keep`` of them."""
    end = len(cells)
    while end > keep and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _header_message(header: list[str]) -> str:
    """Why the first row is not the expected header: the columns, and where a spreadsheet
    separated them with another character than the comma, which."""
    expected = ",".join(COLUMNS)
    for separator, name in ((";", _("semicolons")), ("\t", _("tabs"))):
        cells = [cell.strip().strip('"').strip() for cell in ",".join(header).split(separator)]
        if sorted(cell for cell in cells if cell) == sorted(COLUMNS):
            message = _(
                "The columns are separated by %(separator)s: save the file as CSV with commas "
                "(UTF-8)."
            )
            return message % {"separator": name}
    return _("The first row must name the columns %(columns)s.") % {"columns": expected}


def _commune_code(code: str) -> str:
    """A commune's code as the map writes it: five digits (a spreadsheet that read the file
    as numbers dropped the leading zeros of Hà Nội's and others' codes)."""
    return code.zfill(5) if code.isascii() and code.isdigit() else code


def _workbook_records(file, report: ImportReport) -> Iterator[_Row]:
    """The template's values (exports.write_template): a row per commune, a value per
    measure column, read as they come (openpyxl's read-only mode). A measure with no note
    column keeps its stored note. A damaged or oversized workbook is an error in the report."""
    name = os.path.basename(getattr(file, "name", "") or "") or "workbook.xlsx"
    number = 1
    try:
        files.check_zip_package(
            file,
            name=name,
            max_total_bytes=files.ZIP_MAX_UNPACKED_BYTES,
            max_ratio=files.ZIP_MAX_RATIO,
        )
        # Read twice, in step: the values as last computed, and the cells as written, which
        # tell a formula with no computed value (a file written by a program, not saved by a
        # spreadsheet) from an empty cell: read as empty, it would clear the stored value.
        sheet = _values_sheet(file, computed=True)
        rows = sheet.iter_rows()
        written = _values_sheet(file, computed=False, title=sheet.title).iter_rows(values_only=True)
        header = next(rows, ())
        next(written, None)
        names = [_shown(cell).lower() for cell in header]  # any case
        try:
            columns = _template_columns(names)
        except ValidationError as error:  # said of the sheet read: maybe not the one meant
            report.add_error(1, "", sheet.title, " ".join(error.messages))
            return
        read = columns.read
        merged = [found for found in merged_ranges(sheet) if found.hides(2)]
        for number, (cells, as_written) in enumerate(zip(rows, written, strict=False), start=2):
            texts = [_shown(cell) for cell in cells]
            if number == 2:
                names_row = not _looks_like_data(texts, columns)
                _refuse_merged(merged, 3 if names_row else 2, read, report)
                if names_row:
                    continue  # the Vietnamese names (a file may have lost that row)
            texts = _without_uncomputed(number, texts, cells, as_written, read, report)
            _refuse_unnamed(number, texts, names, report)
            yield from _template_row(number, texts, columns)
            report.rows += any(texts)
    except ValidationError as error:
        report.add_error(number, "", name, " ".join(error.messages))
    except Exception:  # noqa: BLE001 (openpyxl raises many kinds for a damaged file, as core.tables)
        report.add_error(number, "", name, _("The file is not a readable .xlsx workbook."))


def _values_sheet(file, computed: bool, title: str | None = None):
    """The template's values sheet, read-only, as last computed or as written (its
    formulas): the sheet named ``title`` (chosen already), else the visible sheet whose row 1
    names commune_code (the template's VALUES_SHEET, or it renamed, or moved behind the
    thresholds), else the visible VALUES_SHEET or first visible sheet, whose header is then
    an error. A hidden sheet is never read: an old copy of the values, hidden, would be
    imported instead of what the user sees. Two visible sheets of values are an error, not
    one of them read and the other left out without a word."""
    book = load_workbook(file, read_only=True, data_only=computed)
    if title is not None:
        return book[title]
    shown = [sheet for sheet in book.worksheets if sheet.sheet_state == "visible"]
    holding = [sheet for sheet in shown if _names_commune_code(sheet)]
    if len(holding) > 1:
        message = _(
            "Several sheets hold values (their row 1 names commune_code): %(sheets)s. Keep "
            "the values in one of them and delete the others: the import reads one sheet."
        )
        raise ValidationError(message % {"sheets": ", ".join(s.title for s in holding)})
    if holding:
        return holding[0]
    named = [sheet for sheet in shown if sheet.title == VALUES_SHEET]
    return (named or shown or book.worksheets)[0]


def _names_commune_code(sheet) -> bool:
    first = next(sheet.iter_rows(max_row=1, values_only=True), ())
    return "commune_code" in (_cell_text(cell).strip().lower() for cell in first)


def _refuse_merged(merged: list[MergedRange], first_row: int, read: set[int], report) -> None:
    """A merged range over cells the import reads (below the header and the names) is an
    error at its first cell: the spreadsheet keeps its value there alone, and the cells it
    hides would be read as empty, clearing what they hold. A range over columns the import
    does not read (a district's name written once for its communes) is left alone."""
    columns = [index + 1 for index in read]
    for found in merged:
        if found.hides(first_row, columns):
            message = _("These cells are merged. %(why)s") % {"why": MERGED_WHY}
            report.add_error(found.min_row, get_column_letter(found.min_col), found.ref, message)


QUOTED_IN_FORMAT = re.compile(r'"[^"]*"|\\.')  # literal text in a number format


def _shown(cell) -> str:
    """A cell as the person sees it: a number formatted as a percentage (55.3% is kept as
    0.553) is read as the percentage shown, "55.3%", which a percentage measure takes and any
    other refuses. A "%" written as literal text in the format does not scale the number."""
    value = cell.value
    number_format = QUOTED_IN_FORMAT.sub("", getattr(cell, "number_format", None) or "")
    if "%" in number_format and isinstance(value, int | float) and not isinstance(value, bool):
        shown = round(spreadsheet_decimal(value) * 100, 4).normalize()  # the precision kept
        return format(shown, "f") + "%"
    return _cell_text(value).strip()


def _looks_like_data(texts: list[str], columns: "_TemplateColumns") -> bool:
    """Whether row 2 holds a commune's values rather than the template's names of the columns
    (exports.template_columns: its commune column says CODE_TITLE, in any case); any other
    row 2 is read as data, and its errors reported."""
    code = texts[columns.code] if columns.code < len(texts) else ""
    return unicodedata.normalize("NFC", code).casefold() != CODE_TITLE.casefold()


def _refuse_unnamed(number: int, texts: list[str], names: list[str], report) -> None:
    """A cell filled in a column that row 1 does not name (empty, or a formula with no value)
    is an error: the import would not know what it holds, and would drop it unsaid."""
    for index, text in enumerate(texts):
        if text and (index >= len(names) or not names[index]):
            message = _(
                "Row 1 gives this column no name, so the import cannot tell what it holds: "
                "name it with a measure's code, or delete the column."
            )
            report.add_error(number, get_column_letter(index + 1), text, message)


UNCOMPUTED = ""  # what a formula with no computed value is read as: nothing


def _formula(written) -> str | None:
    """The formula a cell holds as written (a plain one, or an array or data table formula,
    which openpyxl gives as objects), or None."""
    if isinstance(written, str):
        return written if written.startswith("=") else None
    if isinstance(written, ArrayFormula):
        return written.text
    if isinstance(written, DataTableFormula):
        return "=TABLE()"
    return None


def _without_uncomputed(
    number, texts, cells, as_written, read: set[int], report: "ImportReport"
) -> list[str]:
    """The row's cells, each formula of a column the import reads with no value in the file
    an error in the report (and read as nothing, the file being refused): a file written by a
    program keeps formulas never computed. A formula computed to an empty text (a cell of
    type text, ``=IF(B3="";"";B3)``) is an empty cell. ``read``: _TemplateColumns.read."""
    for index, (cell, written) in enumerate(zip(cells, as_written, strict=False)):
        if index not in read or cell.value is not None or cell.data_type in ("s", "str"):
            continue
        formula = _formula(written)
        if formula:
            message = _(
                "The cell holds a formula and the file gives no value for it: type the value "
                "itself, or open and save the file in a spreadsheet program so that it is "
                "computed."
            )
            report.add_error(number, get_column_letter(index + 1), formula, message)
            texts[index] = UNCOMPUTED
    return texts


@dataclass(frozen=True)
class _TemplateColumns:
    code: int
    year: int
    measures: list[tuple[int, str, int | None, dict]]  # (index, code, note's index, labels)

    @property
    def read(self) -> set[int]:
        """The columns the import reads: the commune, the year, each measure and its note."""
        notes = {note for _i, _c, note, _l in self.measures if note is not None}
        return {self.code, self.year, *(index for index, *_rest in self.measures), *notes}


def _template_columns(header: list[str]) -> _TemplateColumns:
    """Where the template's row 1 puts the commune, the year and each measure (its note)."""
    missing = [name for name in ("commune_code", "year") if name not in header]
    if missing:
        message = _("The first row must name the columns commune_code and year, then measures.")
        raise ValidationError(message)
    place = {name: index for index, name in enumerate(header) if name}

    def label(index: int) -> str:
        return f"{get_column_letter(index + 1)} ({header[index]})"

    first: dict[str, int] = {}
    for index, code in enumerate(header):  # the columns read, each named once
        if not code or code == "commune":  # the commune's name is not read
            continue
        if code in first:
            message = _("Columns %(a)s and %(b)s both name %(code)s: keep one.") % {
                "a": get_column_letter(first[code] + 1),
                "b": get_column_letter(index + 1),
                "code": code,
            }
            raise ValidationError(message)
        first[code] = index
    for code, index in first.items():
        measure = code.removesuffix(NOTE_SUFFIX)
        if measure != code and measure not in first:
            message = _("Column %(column)s is the note of %(code)s, which no column names.")
            raise ValidationError(
                message % {"column": get_column_letter(index + 1), "code": measure}
            )
    measures = []
    for index, code in enumerate(header):
        if not code or code in FIXED or code.endswith(NOTE_SUFFIX):
            continue
        note = place.get(code + NOTE_SUFFIX)
        labels = {"commune_code": label(place["commune_code"]), "year": label(place["year"])}
        labels |= {"measure_code": label(index), "value": label(index)}
        labels["note"] = label(note) if note is not None else label(index)
        measures.append((index, code, note, labels))
    return _TemplateColumns(place["commune_code"], place["year"], measures)


def _template_row(number: int, cells: list[str], columns: _TemplateColumns) -> Iterator[_Row]:
    if not any(cells):
        return  # a blank row

    def cell(index: int) -> str:
        return cells[index] if index < len(cells) else ""

    code, year = _commune_code(cell(columns.code)), cell(columns.year)
    for index, measure, note, labels in columns.measures:
        note_text = cell(note) if note is not None else None
        yield _Row(number, code, year, measure, cell(index), note_text, labels)


def _chunks(rows: Iterable[_Row], size: int) -> Iterator[list[_Row]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _payload(value: str, note: str) -> dict:
    """A cell as parse_value takes it, with the file's words for "not applicable"."""
    word = unicodedata.normalize("NFC", " ".join(value.split())).casefold()
    if word in NOT_APPLICABLE_WORDS:
        return {"not_applicable": True, "note": note}
    return {"value": value, "note": note}


def _not_a_flag(raw: str) -> bool:
    """Whether a yes/no cell holds something the flag rule (values._parse_flag) refuses."""
    if not raw or "not_applicable" in _payload(raw, ""):
        return False
    try:
        _parse_flag(raw)
    except ValidationError:
        return True
    return False


def _note_at_fault(row: _Row, note: str) -> bool:
    """Whether a refused cell's fault is in the row's note (text that cannot be stored, or
    none where "not applicable" needs one), so that the report points at the note's cell."""
    if row.note is None:
        return False  # the file has no note for it: the value is at fault
    if not note:
        return "not_applicable" in _payload(row.value, "")
    try:
        clean_text(note)
    except ValidationError:
        return True
    return False


def _year(text: str) -> int | None:
    """A year written as four digits (0000 is none: no calendar has it)."""
    if text.isascii() and text.isdigit() and len(text) == 4 and text != "0000":
        return int(text)
    return None


# --- checking -----------------------------------------------------------------------------------


@dataclass
class _ChunkWrites:
    """What one chunk of rows writes: values new to their assessment, changed, cleared."""

    new: list[tuple[_Target, int, ParsedValue]] = field(default_factory=list)
    changed: list[ValueWrite] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)  # the stored rows' ids


class _Plan:
    """What the file does, checked and written chunk by chunk: the years' sets and measures,
    the communes by code and each commune-year (_Target) are loaded once each and kept; the
    stored values only for the chunk at hand."""

    def __init__(
        self, access: Access, report: ImportReport, user, status: str, writing: bool, seen=None
    ):
        self.access, self.report, self.user, self.status = access, report, user, status
        self.writing = writing  # False in a dry run, and once an error is found
        self.seen_versions = seen  # what a preview found (import_values), or None
        self.years: dict[int, _YearRules] = {}
        self.maps: dict[int, str | None] = {}
        self.communes: dict[str, list[Commune]] = {}  # by code: a unit of each map
        self.by_id: dict[int, Commune] = {}
        self.provinces: dict[int, Province] = {}
        self.targets: dict[tuple[int, int], _Target | None] = {}
        self.refusals: dict[tuple[int, int], tuple[str, str]] = {}
        self.seen: dict[tuple[int, int], array] = {}  # a refused commune-year's rows
        self.stored: dict[int, dict[int, _Stored]] = {}  # the chunk's assessments' values
        self.chunk = _ChunkWrites()
        self.parsed: dict[tuple[int, str, str], ParsedValue | str] = {}
        # (code, year as written) -> the row's place, for the commune-years found
        self.places: dict[tuple[str, str], tuple[int, _YearRules, Commune, _Target]] = {}

    def add(self, rows: list[_Row]) -> None:
        keys = {(row.code, row.year_text) for row in rows}  # a few per commune-year, not per row
        self._load_years({_year(text) for _c, text in keys} - {None} - set(self.years))
        self._load_communes({code for code, _y in keys} - set(self.communes))
        pairs = {self._pair(code, text) for code, text in keys}
        self._load_targets({pair for pair in pairs if pair and pair not in self.targets})
        self.stored = self._stored_values(
            {self.targets[pair].assessment.pk for pair in pairs if self._existing(pair)}
        )
        self.chunk = _ChunkWrites()
        for row in rows:
            self._check(row)
        self.writing = self.writing and not self.report.error_count
        if self.writing:
            _write_chunk(self.chunk, self.user)
        self.chunk, self.stored = _ChunkWrites(), {}

    def _existing(self, pair) -> bool:
        target = self.targets.get(pair) if pair else None
        return target is not None and target.assessment is not None

    def _load_years(self, years: set[int]) -> None:
        self.maps |= structures_for_years(years)
        closures = YearClosure.objects.filter(year__in=years).values_list("year", "province_id")
        for year in years:
            try:
                criteria_set = criteria_set_for_year(year)
            except ValidationError as error:
                self.years[year] = _YearRules(None, {}, error.message_dict["year"][0])
                continue
            measures = {m.code: m for m in criteria_set.measures.all()}
            slot = {m.pk: index for index, m in enumerate(measures.values())}
            self.years[year] = _YearRules(criteria_set, measures, slot=slot)
            if self.writing:  # services.locks: the set before its assessments
                hold_sets([criteria_set.pk])
        for year, province_id in closures:
            if year in self.years:
                self.years[year].closed.add(province_id)

    def _load_communes(self, codes: set[str]) -> None:
        """The units of these codes (of every map); a code that names none is not kept (a
        hostile file's millions of made-up codes are asked again chunk by chunk instead)."""
        # Only what can be a code is asked for (a NUL byte would be a database error).
        asked = [code for code in codes if code.isascii() and code.isdigit() and len(code) <= 5]
        found = list(Commune.objects.filter(code__in=asked).only(*COMMUNE_FIELDS))
        _share_provinces(found, self.provinces)
        _prefetch_kind_changes(found)
        for commune in found:
            self.communes.setdefault(commune.code, []).append(commune)
            self.by_id[commune.pk] = commune

    def _commune(self, code: str, year: int) -> Commune | None:
        """The unit of that code on the year's map; else one of another map (whose check
        then says where the year belongs)."""
        units = self.communes.get(code, [])
        on_map = [unit for unit in units if unit.structure == self.maps.get(year)]
        return (on_map or units or [None])[0]

    def _pair(self, code: str, year_text: str) -> tuple[int, int] | None:
        year = _year(year_text)
        if year is None or self.years[year].criteria_set is None:
            return None
        commune = self._commune(code, year)
        return (commune.pk, year) if commune else None

    def _load_targets(self, pairs: set[tuple[int, int]]) -> None:
        """Each new commune-year: refused (the commune's checks), or its assessment as stored,
        in one query for the whole chunk (held until the import ends, unless a dry run)."""
        communes = self.by_id
        open_pairs = []
        for commune_id, year in pairs:
            refusal = self._refusal(communes[commune_id], year)
            if refusal:
                self.refusals[(commune_id, year)] = refusal
                self.targets[(commune_id, year)] = None
            else:
                open_pairs.append((commune_id, year))
        found = Assessment.objects.filter(
            commune__in={c for c, _y in open_pairs},
            year__in={y for _c, y in open_pairs},
            criteria_set__in={self.years[y].criteria_set.pk for _c, y in open_pairs},
        ).order_by("pk")
        if self.writing:
            found = found.select_for_update()
        assessments = {(a.commune_id, a.year, a.criteria_set_id): a for a in found}
        for commune_id, year in open_pairs:
            rules = self.years[year]
            assessment = assessments.get((commune_id, year, rules.criteria_set.pk))
            seen = array("I", bytes(4 * len(rules.slot)))
            target = _Target(communes[commune_id], year, rules.criteria_set, assessment, seen)
            self.targets[(commune_id, year)] = target

    @staticmethod
    def _stored_values(assessment_ids: set[int]) -> dict[int, dict[int, _Stored]]:
        stored: dict[int, dict[int, _Stored]] = {}
        ids = sorted(assessment_ids)
        for start in range(0, len(ids), IDS_PER_QUERY):
            rows = AssessmentValue.objects.filter(
                assessment__in=ids[start : start + IDS_PER_QUERY]
            ).values_list(
                "assessment_id", "measure_id", "pk", "number", "flag", "not_applicable", "note",
                "evidence_url",
            )  # fmt: skip
            for assessment_id, measure_id, *value in rows:
                stored.setdefault(assessment_id, {})[measure_id] = _Stored(*value)
        return stored

    def _refusal(self, commune: Commune, year: int) -> tuple[str, str] | None:
        """Why the commune's year cannot be imported by this user: (column, message)."""
        if not self.access.can_edit(commune.province_id):
            message = _("%(commune)s is in %(province)s: you may import only your province.")
            return "commune_code", message % {
                "commune": commune.name,
                "province": commune.province.name,
            }
        try:
            _refuse_unless_on_map(commune, year, self.maps[year])
            _refuse_unless_rural(commune, year)
        except ValidationError as error:
            return "commune_code", " ".join(error.message_dict["commune"])
        return None

    def _check(self, row: _Row) -> None:
        place = self.places.get((row.code, row.year_text))
        if place is None:
            place = self._place(row)
            if place is None:
                return
        year, rules, commune, target = place
        measure = rules.measures.get(row.measure_code) or rules.measures.get(
            row.measure_code.lower()  # the codes are lower case; a file's may not be
        )
        if measure is None:
            message = _("No measure has this code in %(set)s.") % {"set": rules.criteria_set.code}
            self._error(row, "measure_code", row.measure_code, message)
            return
        note = row.note
        if note is None or note:  # an empty note is read as it is
            note = self._note(row, target, measure)
        value = self._parse(measure, row.value, note)
        if value.__class__ is str:
            if _note_at_fault(row, note):
                self._error(row, "note", row.note, value)
            else:
                self._error(row, "value", row.value, value)
            return
        if commune is not None and self._first_time(row, year, commune, target, measure) and target:
            if not target.first_row:
                target.first_row = row.number
            self._plan(row, target, measure, value)

    def _place(self, row: _Row) -> tuple[int, _YearRules, Commune | None, _Target | None] | None:
        """The row's year, commune and commune-year, with the errors of its year and
        commune; None when the year is wrong (nothing more can be checked). A commune found
        is remembered for the rows that follow (bounded by the communes and years)."""
        year = _year(row.year_text)
        if year is None:
            self._error(row, "year", row.year_text, _("Write the year as four digits."))
            return None
        rules = self.years[year]
        if rules.criteria_set is None:
            self._error(row, "year", row.year_text, rules.error)
            return None
        commune = self._commune(row.code, year)
        target = None
        if commune is None:
            self._error(row, "commune_code", row.code, _("No commune has this code."))
        else:
            target = self.targets[(commune.pk, year)]
            if target is None:
                self._error(row, *self._refused_cell(commune, year, row))
            else:
                self.places[(row.code, row.year_text)] = (year, rules, commune, target)
        return year, rules, commune, target

    def _parse(self, measure: Measure, raw: str, note: str) -> ParsedValue | str:
        """The cell read by the services' rule (parse_value), or why it is refused. A file
        repeats the same few values and notes: each is read once per measure (memoised, in
        a bounded cache; a ParsedValue is immutable)."""
        key = (measure.id, raw, note)
        try:
            return self.parsed[key]
        except KeyError:
            pass
        try:
            parsed = parse_value(measure, _payload(raw, note))
        except ValidationError as error:
            parsed = self._value_message(measure, raw, error)
        if len(self.parsed) >= PARSED_KEPT:
            self.parsed.clear()
        self.parsed[key] = parsed
        return parsed

    def _error(self, row: _Row, column: str, value: object, message: str) -> None:
        self.report.add_error(row.number, row.column(column), value, message)

    def _stored(self, target: _Target | None, measure: Measure) -> _Stored | None:
        if target is None or target.assessment is None:
            return None  # a new assessment: nothing stored before this import
        return self.stored.get(target.assessment.id, NOTHING_STORED).get(measure.id)

    def _note(self, row: _Row, target: _Target | None, measure: Measure) -> str:
        """The row's note as the export wrote it (exports.restore); none given: the stored."""
        if row.note is not None:
            return restore(row.note)
        stored = self._stored(target, measure)
        return stored.note if stored else ""

    def _refused_cell(self, commune: Commune, year: int, row: _Row) -> tuple[str, str, str]:
        column, message = self.refusals[(commune.pk, year)]
        return column, row.code, message

    @staticmethod
    def _value_message(measure: Measure, raw: str, error: ValidationError) -> str:
        message = " ".join(error.messages)
        if measure.value_type == Measure.ValueType.BOOL and _not_a_flag(raw):
            message += " " + _("In a file: 1 or 0, true or false, có or không, đạt or không đạt.")
        return message

    def _first_time(
        self, row: _Row, year: int, commune: Commune, target: _Target | None, measure: Measure
    ) -> bool:
        seen = target.seen if target else self._refused_seen(commune.pk, year)
        slot = self.years[year].slot[measure.id]
        first = seen[slot]
        if first:
            message = _("Row %(row)d already gives %(measure)s of this commune and year.")
            self._error(
                row, "measure_code", row.measure_code,
                message % {"row": first, "measure": measure.code},
            )  # fmt: skip
            return False
        seen[slot] = row.number
        return True

    def _refused_seen(self, commune_id: int, year: int) -> array:
        size = len(self.years[year].slot)
        return self.seen.setdefault((commune_id, year), array("I", bytes(4 * size)))

    def _plan(self, row: _Row, target: _Target, measure: Measure, value: ParsedValue) -> None:
        stored = self._stored(target, measure)
        if stored and stored.evidence_url:  # the file has no column for it: the stored stays
            value = replace(value, evidence_url=stored.evidence_url)
        if _same(stored, value):
            # An empty cell where nothing is stored is no value at all, not an unchanged one.
            self.report.values_unchanged += stored is not None
            return
        if target.assessment is not None and not target.assessment.is_editable:
            self._error(row, "value", row.value, locked_message(target.assessment))
            return
        if not target.first_change:
            target.first_change = row.number
            self._refuse_if_closed(target, row.number)
            self._refuse_if_moved(target, row.number)
        if stored and _clears(value):
            kind = "values_cleared"
            self.chunk.cleared.append(stored.pk)
            self._keep_change(row, target, measure, stored, None)
        elif stored:
            # A value emptied is cleared, even where its row stays for a note or an evidence
            # link the file keeps: the report says what became of the value.
            held = stored.number is not None or stored.flag is not None or stored.not_applicable
            kind = "values_cleared" if value.is_empty and held else "values_changed"
            write = ValueWrite(target.assessment.pk, measure.pk, value, stored.pk)
            self.chunk.changed.append(write)
            self._keep_change(row, target, measure, stored, value)
        else:
            kind = "values_created"
            self.chunk.new.append((target, measure.id, value))
        setattr(self.report, kind, getattr(self.report, kind) + 1)
        target.counts[kind] = target.counts.get(kind, 0) + 1
        if target.assessment is None:
            target.creates = True
        else:
            target.writes = True

    def _keep_change(self, row: _Row, target: _Target, measure, stored: _Stored, value) -> None:
        changes = self.report.value_changes
        if len(changes) < CHANGES_KEPT:
            before = (stored.number, stored.flag, stored.not_applicable, stored.note)
            commune = target.commune
            changes.append(
                ValueChange(
                    commune.code, commune.name, target.year, measure, row.number, before, value
                )
            )

    def _refuse_if_closed(self, target: _Target, row: int) -> None:
        """A closed year refuses every change (services.closures), reported on the first row
        that would change the commune's year."""
        if target.commune.province_id not in self.years[target.year].closed:
            return
        try:
            refuse_if_closed(target.commune.pk, target.year)
        except YearClosedError as error:
            self.report.add_error(row, "year", target.year, str(error))

    def finish(self) -> None:
        """The assessments' counts, once every row is read. What is approved is what the
        file writes (_to_approve), checked at its first change (_plan): a closed year, a
        change since the preview."""
        self._count([t for t in self.targets.values() if t is not None])

    def _refuse_if_moved(self, target: _Target, row: int) -> None:
        """With a preview's versions (import_values' ``seen``): an error, on the first row
        that would change the commune's year, when its assessment is not as the preview found
        it (saved since, or created since). Found there, before that chunk is written; a
        commune-year the file leaves as it is now is no reason to refuse."""
        if self.seen_versions is None:
            return
        key = (target.commune.code, target.year)
        now = target.assessment.version if target.assessment is not None else None
        if key in self.seen_versions and self.seen_versions[key] == now:
            return
        message = _(
            "%(commune)s's assessment of %(year)d was saved by someone else after the "
            "preview: nothing was imported. Check the file again to see what it would "
            "change now."
        ) % {"commune": target.commune.name, "year": target.year}
        self.report.add_error(row, "commune_code", target.commune.code, message)

    def _count(self, targets: list[_Target]) -> None:
        report = self.report
        for target in sorted(targets, key=lambda t: t.first_row):
            approving = self.status == APPROVED and _to_approve(target)
            if target.assessment is None and target.creates:
                outcome = CREATED
            elif target.assessment is not None and (target.writes or approving):
                outcome = CHANGED
            else:
                outcome = UNCHANGED
            name = f"assessments_{outcome}"
            # A commune-year with no assessment that the file leaves empty is no assessment
            # left unchanged (the preview still lists its commune as unchanged).
            counted = target.assessment is not None or target.creates
            setattr(report, name, getattr(report, name) + counted)
            report.assessments_approved += bool(approving)
            open_left = target.assessment is not None and target.assessment.status != APPROVED
            if self.status == APPROVED and not approving and open_left:
                report.assessments_left_open += 1
            report.communes.append(_commune_change(target, outcome, approving))

    def complete(self) -> None:
        """After the last chunk was written: each assessment touched counted as saved once and
        rescored once; with ``approved``, the workflow steps."""
        if not self.writing:
            return
        targets = [t for t in self.targets.values() if t is not None]
        touched = sorted(t.assessment_id for t in targets if t.writes or t.created_id)
        for start in range(0, len(touched), RESCORED_TOGETHER):
            batch = touched[start : start + RESCORED_TOGETHER]
            _count_save(batch, self.user)
            rescore_many(list(selectors.assessments_for_scoring(batch)))
        if self.status == APPROVED:
            moving = sorted(t.assessment_id for t in targets if _to_approve(t))
            for start in range(0, len(moving), MOVED_TOGETHER):
                batch = moving[start : start + MOVED_TOGETHER]
                _approve(list(Assessment.objects.filter(pk__in=batch)), self.user)


# What the checks read of a commune (a national file holds ten thousand of them).
COMMUNE_FIELDS = ["code", "name", "structure", "kind", "valid_from", "valid_to", "province"]
NO_KIND_CHANGES = KindChange.objects.none()


def _share_provinces(communes: list[Commune], provinces: dict[int, Province]) -> None:
    """One Province object for all the communes of a province."""
    wanted = {c.province_id for c in communes} - set(provinces)
    provinces |= Province.objects.only("code", "name", "structure").in_bulk(wanted)
    for commune in communes:
        commune.province = provinces[commune.province_id]


def _prefetch_kind_changes(communes: list[Commune]) -> None:
    """prefetch_related("kind_changes") (Commune.is_rural_in reads them), with one shared
    empty answer for the many communes whose kind never changed."""
    ids = [commune.pk for commune in communes]
    changed = set()
    for start in range(0, len(ids), IDS_PER_QUERY):
        batch = ids[start : start + IDS_PER_QUERY]
        changed |= set(
            KindChange.objects.filter(commune__in=batch).values_list("commune_id", flat=True)
        )
    prefetch_related_objects([c for c in communes if c.pk in changed], "kind_changes")
    for commune in communes:
        if commune.pk not in changed:
            commune._prefetched_objects_cache = {"kind_changes": NO_KIND_CHANGES}


def _commune_change(target: _Target, outcome: str, approving: bool) -> CommuneChange:
    counts = target.counts
    return CommuneChange(
        province_code=target.commune.province.code,
        commune_code=target.commune.code,
        commune_name=target.commune.name,
        year=target.year,
        assessment=outcome,
        approved=approving,
        values_created=counts.get("values_created", 0),
        values_changed=counts.get("values_changed", 0),
        values_cleared=counts.get("values_cleared", 0),
        version=target.assessment.version if target.assessment is not None else None,
    )


def _to_approve(target: _Target) -> bool:
    """Whether importing as approved moves the target: the file creates it, or changes its
    values (a draft or a returned one: a submitted or approved one refuses changes). An
    assessment the file leaves as it is stays as it is, whatever its status: the template
    holds every commune of the province, and approving with it the drafts, the returned and
    the submitted ones it did not change (incomplete ones among them) approved what the
    approver had not looked at. The approvals queue approves those, one by one or together."""
    if target.assessment is None:
        return target.creates
    return target.writes


def _same(stored: _Stored | None, value: ParsedValue) -> bool:
    """Whether writing ``value`` would leave the stored one as it is (55 is 55.0000)."""
    if stored is None:
        return _clears(value)
    _pk, *kept = stored
    return tuple(kept) == (
        value.number,
        value.flag,
        value.not_applicable,
        value.note,
        value.evidence_url,
    )


# --- writing ------------------------------------------------------------------------------------


def _write_chunk(chunk: _ChunkWrites, user) -> None:
    """A chunk's values, with the rows and history rows the services write for them
    (values.write_values_many without its count and rescoring, which complete() does once
    per assessment): new assessments first, with their "create" step."""
    _create_assessments([target for target, _m, _v in chunk.new], user)
    _clear_values(chunk.cleared, user)
    now = timezone.now()
    new = [(t.assessment_id, measure_id, value) for t, measure_id, value in chunk.new]
    _insert_values(new, user, now)
    with_new = sorted({assessment_id for assessment_id, _m, _v in new})
    for start in range(0, len(with_new), IDS_PER_QUERY):
        # The rows just inserted, by their stamp (as write_values_many finds them).
        batch = with_new[start : start + IDS_PER_QUERY]
        inserted = AssessmentValue.objects.filter(assessment__in=batch, updated_at=now)
        copy_to_history(inserted, user=user)
    later = timezone.now()  # after the inserts' stamp, which told the new rows apart
    rows = [{"pk": w.stored_id, **_value_row(w, user, later)} for w in chunk.changed]
    update_rows(
        AssessmentValue, rows, [*VALUE_FIELDS, "carried_forward", "updated_by_id", "updated_at"]
    )
    _copy_ids_to_history([w.stored_id for w in chunk.changed], user, "~")


def _insert_values(rows: list[tuple[int, int, ParsedValue]], user, now) -> None:
    """New values' rows as values.write_values_many writes them (bulk.insert_rows); on
    PostgreSQL each COPY line is written here straight from the parsed value, without the
    half a million rows' dictionaries that insert_rows takes."""
    if not rows:
        return
    connection = connections[router.db_for_write(AssessmentValue)]
    if connection.vendor != "postgresql":
        writes = [ValueWrite(*row) for row in rows]
        insert_rows(AssessmentValue, [_value_row(write, user, now) for write in writes])
        return
    tail = f"\tf\t{copy_text(user.pk if user else None)}\t{copy_text(now)}\n"
    lines = (
        f"{assessment_id}\t{measure_id}\t{copy_text(value.number)}\t{copy_text(value.flag)}"
        f"\t{copy_text(value.not_applicable)}\t{copy_text(value.note)}"
        f"\t{copy_text(value.evidence_url)}{tail}"
        for assessment_id, measure_id, value in rows
    )
    copy_into(AssessmentValue, COPIED, lines)


COPIED = [
    "assessment_id",
    "measure_id",
    "number",
    "flag",
    "not_applicable",
    "note",
    "evidence_url",
    "carried_forward",
    "updated_by_id",
    "updated_at",
]


def _create_assessments(targets: list[_Target], user) -> None:
    """The chunk's commune-years that have no assessment yet: created as create_assessments
    creates them (a history row and a "create" step each), their ids kept on the targets."""
    new = list({id(t): t for t in targets if t.assessment_id is None}.values())
    if not new:
        return
    created = Assessment.objects.bulk_create(
        [
            Assessment(
                commune=target.commune,
                year=target.year,
                criteria_set=target.criteria_set,
                created_by=user,
                updated_by=user,
            )
            for target in new
        ]
    )
    # The "+" history rows copied by the database (bulk_create_with_history builds each in
    # Python: half the cost of creating them).
    copy_to_history(Assessment.objects.filter(pk__in=[a.pk for a in created]), user=user)
    WorkflowStep.objects.bulk_create([_created_step(a, user) for a in created])
    for target, assessment in zip(new, created, strict=True):
        target.created_id = assessment.pk


def _approve(assessments: list[Assessment], user) -> None:
    """Submit what is not yet submitted, then approve: the steps and history rows an approver
    leaves by hand."""
    ids = [a.pk for a in assessments]
    current = {pk: (s, v) for pk, s, v in Assessment.objects.filter(pk__in=ids).values_list(
        "pk", "status", "version"
    )}  # fmt: skip
    to_submit = [a for a in assessments if current[a.pk][0] in (DRAFT, Assessment.Status.RETURNED)]
    versions = {pk: version for pk, (_s, version) in current.items()}
    submitted = move_many(
        assessments=to_submit,
        action=WorkflowStep.Action.SUBMIT,
        versions=versions,
        user=user,
    ) if to_submit else []  # fmt: skip
    versions |= {a.pk: a.version for a in submitted}
    to_approve = [a for a in assessments if current[a.pk][0] != APPROVED]
    if to_approve:
        move_many(
            assessments=to_approve,
            action=WorkflowStep.Action.APPROVE,
            versions=versions,
            user=user,
        )
