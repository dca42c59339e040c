"""Importing assessments' values from the long CSV ``commune_code,year,measure_code,value,note``
(UTF-8, with or without a byte-order mark, a header row first), or from the Excel template
(exports.write_template, one row per commune, one column per measure): one service behind the
command, the API and the pages.

All or nothing. The whole file is read and checked first, in chunks of rows (each chunk's
communes, assessments and stored values loaded in a few queries), and every error is
collected with its row, column, value and reason; a single error and nothing is written. A
valid file is applied in one transaction through the bulk paths of the services: new
assessments by values.create_assessments, changed values by values.write_values_many (each
assessment rescored once, its version counted like a save), and with ``status="approved"``
the workflow steps submit and approve by workflow.move_many, as an approver takes them by hand.
A value equal to the stored one is not written, so the same file twice changes nothing.

How a cell is read is the services' rule (values.parse_value: numbers with a point or a comma,
yes/no words); here only what a file adds: an empty value is missing (it clears a stored one),
``n/a`` or ``không áp dụng`` marks the value not applicable (the note then says why), and a
note exported with a leading apostrophe (exports.neutralise) is read back without it. The
evidence link of a stored value is kept: the file has no column for it.
"""

import codecs
import csv
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from accounts.access import Access, access_for
from communes.models import Commune, structures_for_years
from core import files, imports
from core.imports import ErrorReport
from core.imports import RowError as RowError  # the pages name the errors of this import
from core.tables import _cell_text
from criteria.models import (
    Assessment,
    AssessmentValue,
    CriteriaSet,
    Measure,
    WorkflowStep,
    YearClosure,
)
from criteria.services.closures import refuse_if_closed
from criteria.services.errors import StaleVersionError, YearClosedError
from criteria.services.exports import (
    COLUMNS,
    FIRST_DATA_ROW,
    FIXED,
    NOTE_SUFFIX,
    VALUES_SHEET,
    restore,
)
from criteria.services.locks import hold_sets
from criteria.services.values import (
    NewAssessment,
    ParsedValue,
    ValueWrite,
    _clears,
    _parse_flag,
    _refuse_unless_on_map,
    _refuse_unless_rural,
    create_assessments,
    criteria_set_for_year,
    locked_message,
    parse_value,
    write_values_many,
)
from criteria.services.workflow import may_take, move_many

DRAFT, APPROVED = Assessment.Status.DRAFT, Assessment.Status.APPROVED
STATUSES = (DRAFT, APPROVED)
NOT_APPLICABLE_WORDS = {"n/a", "không áp dụng"}
ROWS_PER_CHUNK = 5000
MAX_CELL = 100_000  # characters in one cell (csv's own limit is 131,072)


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


CREATED, CHANGED, UNCHANGED = "created", "changed", "unchanged"


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
    values_created: int = 0
    values_changed: int = 0
    values_cleared: int = 0
    values_unchanged: int = 0
    # Each commune-year of the file, in the file's order (not in as_dict: the API's counts).
    communes: list[CommuneChange] = field(default_factory=list)

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


@dataclass
class _Target:
    """One commune's year in the file: its assessment (None: to be created) and what the
    file does to it."""

    commune: Commune
    year: int
    criteria_set: CriteriaSet
    assessment: Assessment | None
    stored: dict[int, _Stored]  # by measure id
    payloads: dict[str, object] = field(default_factory=dict)  # for a new assessment
    writes: list[ValueWrite] = field(default_factory=list)  # for an existing one
    first_row: int = 0  # its first row in the file
    first_change: int = 0  # the first row that changes its values (0: none)
    counts: dict[str, int] = field(default_factory=dict)  # values created, changed, cleared


@dataclass
class _YearRules:
    criteria_set: CriteriaSet | None
    measures: dict[str, Measure]
    error: str = ""


@dataclass(frozen=True)
class _Row:
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
) -> ImportReport:
    """Import ``file`` (a binary file object: the long CSV, or the Excel template filled in)
    as ``user`` (None: the operator at the server's terminal, with national scope). Returns
    the report; raises ImportRefused (nothing written) listing every error, PermissionDenied
    for a user who may not import, or not with that status."""
    access = import_access(user, status)
    report = ImportReport(dry_run=dry_run, status=status)
    with transaction.atomic():
        plan = _Plan(access, report)
        for chunk in _chunks(_records(file, report), ROWS_PER_CHUNK):
            plan.add(chunk)
            if progress:
                progress(report.rows)
        plan.finish(status)
        if report.error_count:
            raise ImportRefused(report)
        if not dry_run:
            _apply(plan, user, status)
    return report


def import_access(user, status: str = DRAFT) -> Access:
    """The user's access, if they may import with that status; else PermissionDenied (or a
    ValidationError for an unknown status). The pages ask it before offering an import."""
    if status not in STATUSES:
        raise ValidationError({"status": _("Import as draft or approved.")})
    if user is None:
        return Access(role=None, province_id=None, superuser=True, authenticated=True)
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
    # Line by line (a Django upload, an open file), decoded as it goes: never the whole file.
    reader = csv.reader(codecs.iterdecode(iter(file), "utf-8-sig"))
    number = 1
    try:
        header = [name.strip().casefold() for name in next(reader, [])]
        if sorted(header) != sorted(COLUMNS):
            expected = ",".join(COLUMNS)
            message = _("The first row must name the columns %(columns)s.") % {"columns": expected}
            report.add_error(1, "", ",".join(header), message)
            return
        where = [header.index(name) for name in COLUMNS]
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue  # a blank row, as core.tables skips them
            report.rows += 1
            if len(cells) != len(COLUMNS):
                message = _("Expected %(n)d cells, found %(found)d.")
                report.add_error(
                    number, "", ",".join(cells), message % {"n": len(COLUMNS), "found": len(cells)}
                )
                continue
            yield _Row(number, *(cells[i].strip() for i in where))
    except UnicodeDecodeError:
        report.add_error(number + 1, "", "", _("The file is not UTF-8 text."))
    except csv.Error as error:
        report.add_error(number + 1, "", "", _("The file is not valid CSV: %(e)s") % {"e": error})


def _workbook_records(file, report: ImportReport) -> Iterator[_Row]:
    """The template's values (exports.write_template): a row per commune, a value per
    measure column, read as they come (openpyxl's read-only mode). A measure with no note
    column keeps its stored note. A damaged or oversized workbook is an error in the report."""
    name = getattr(file, "name", "") or "workbook.xlsx"
    number = 1
    try:
        files.check_zip_package(
            file,
            name=name,
            max_total_bytes=files.ZIP_MAX_UNPACKED_BYTES,
            max_ratio=files.ZIP_MAX_RATIO,
        )
        book = load_workbook(file, read_only=True, data_only=True)
        sheet = book[VALUES_SHEET] if VALUES_SHEET in book.sheetnames else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        columns = _template_columns([_cell_text(cell).strip() for cell in next(rows, ())])
        number = 2
        next(rows, None)  # the Vietnamese names
        for number, cells in enumerate(rows, start=FIRST_DATA_ROW):
            yield from _template_row(number, [_cell_text(cell).strip() for cell in cells], columns)
            report.rows = number - FIRST_DATA_ROW + 1
    except ValidationError as error:
        report.add_error(number, "", name, " ".join(error.messages))
    except Exception:  # noqa: BLE001 (openpyxl raises many kinds for a damaged file, as core.tables)
        report.add_error(number, "", name, _("The file is not a readable .xlsx workbook."))


@dataclass(frozen=True)
class _TemplateColumns:
    code: int
    year: int
    measures: list[tuple[int, str, int | None, dict]]  # (index, code, note's index, labels)


def _template_columns(header: list[str]) -> _TemplateColumns:
    """Where the template's row 1 puts the commune, the year and each measure (its note)."""
    missing = [name for name in ("commune_code", "year") if name not in header]
    if missing:
        message = _("The first row must name the columns commune_code and year, then measures.")
        raise ValidationError(message)
    place = {name: index for index, name in enumerate(header) if name}

    def label(index: int) -> str:
        return f"{get_column_letter(index + 1)} ({header[index]})"

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

    code, year = cell(columns.code), cell(columns.year)
    if code.isascii() and code.isdigit():
        code = code.zfill(5)  # a code retyped as a number loses its leading zeros
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


def _year(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None


# --- checking -----------------------------------------------------------------------------------


class _Plan:
    """What the file does, built chunk by chunk: the years' sets and measures, the communes by
    code, each commune-year's assessment and stored values, loaded once each."""

    def __init__(self, access: Access, report: ImportReport):
        self.access, self.report = access, report
        self.years: dict[int, _YearRules] = {}
        self.maps: dict[int, str | None] = {}
        self.communes: dict[str, list[Commune]] = {}  # by code: a unit of each map
        self.by_id: dict[int, Commune] = {}
        self.targets: dict[tuple[int, int], _Target | None] = {}
        self.refusals: dict[tuple[int, int], tuple[str, str]] = {}
        self.seen: dict[tuple[int, int, int], int] = {}

    def add(self, rows: list[_Row]) -> None:
        self._load_years({_year(row.year_text) for row in rows} - {None} - set(self.years))
        self._load_communes({row.code for row in rows} - set(self.communes))
        pairs = {self._pair(row) for row in rows}
        self._load_targets({pair for pair in pairs if pair and pair not in self.targets})
        for row in rows:
            self._check(row)

    def _load_years(self, years: set[int]) -> None:
        self.maps |= structures_for_years(years)
        for year in years:
            try:
                criteria_set = criteria_set_for_year(year)
            except ValidationError as error:
                self.years[year] = _YearRules(None, {}, error.message_dict["year"][0])
                continue
            measures = {m.code: m for m in criteria_set.measures.all()}
            self.years[year] = _YearRules(criteria_set, measures)

    def _load_communes(self, codes: set[str]) -> None:
        self.communes |= {code: [] for code in codes}
        # Only what can be a code is asked for (a NUL byte would be a database error).
        asked = [code for code in codes if code.isascii() and code.isdigit() and len(code) <= 5]
        found = Commune.objects.filter(code__in=asked).select_related("province")
        for commune in found.prefetch_related("kind_changes"):
            self.communes[commune.code].append(commune)
            self.by_id[commune.pk] = commune

    def _commune(self, row: _Row, year: int) -> Commune | None:
        """The unit of that code on the year's map; else one of another map (whose check
        then says where the year belongs)."""
        units = self.communes.get(row.code, [])
        on_map = [unit for unit in units if unit.structure == self.maps.get(year)]
        return (on_map or units or [None])[0]

    def _pair(self, row: _Row) -> tuple[int, int] | None:
        year = _year(row.year_text)
        if year is None or self.years[year].criteria_set is None:
            return None
        commune = self._commune(row, year)
        return (commune.pk, year) if commune else None

    def _load_targets(self, pairs: set[tuple[int, int]]) -> None:
        """Each new commune-year: refused (the commune's checks), or its assessment and
        values as stored, in two queries for the whole chunk."""
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
        )
        assessments = {(a.commune_id, a.year, a.criteria_set_id): a for a in found}
        stored = self._stored_values([a.pk for a in assessments.values()])
        for commune_id, year in open_pairs:
            criteria_set = self.years[year].criteria_set
            assessment = assessments.get((commune_id, year, criteria_set.pk))
            values = stored.get(assessment.pk, {}) if assessment else {}
            target = _Target(communes[commune_id], year, criteria_set, assessment, values)
            self.targets[(commune_id, year)] = target

    @staticmethod
    def _stored_values(assessment_ids: list[int]) -> dict[int, dict[int, _Stored]]:
        rows = AssessmentValue.objects.filter(assessment__in=assessment_ids).values_list(
            "assessment_id", "measure_id", "pk", "number", "flag", "not_applicable", "note",
            "evidence_url",
        )  # fmt: skip
        stored: dict[int, dict[int, _Stored]] = {}
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
        add = self._error
        year = _year(row.year_text)
        if year is None:
            add(row, "year", row.year_text, _("Write the year as four digits."))
            return
        rules = self.years[year]
        if rules.criteria_set is None:
            add(row, "year", row.year_text, rules.error)
            return
        commune = self._commune(row, year)
        target = None
        if commune is None:
            add(row, "commune_code", row.code, _("No commune has this code."))
        else:
            target = self.targets[(commune.pk, year)]
            if target is None:
                add(row, *self._refused_cell(commune, year, row))
        measure = rules.measures.get(row.measure_code)
        if measure is None:
            message = _("No measure has this code in %(set)s.") % {"set": rules.criteria_set.code}
            add(row, "measure_code", row.measure_code, message)
            return
        payload = _payload(row.value, self._note(row, target, measure))
        try:
            value = parse_value(measure, payload)
        except ValidationError as error:
            add(row, "value", row.value, self._value_message(measure, row.value, error))
            return
        if commune is not None and self._first_time(row, commune, year, measure) and target:
            target.first_row = target.first_row or row.number
            self._plan(row, target, measure, value, payload)

    def _error(self, row: _Row, column: str, value: object, message: str) -> None:
        self.report.add_error(row.number, row.column(column), value, message)

    @staticmethod
    def _note(row: _Row, target: _Target | None, measure: Measure) -> str:
        """The row's note as the export wrote it (exports.restore); none given: the stored."""
        if row.note is not None:
            return restore(row.note)
        stored = target.stored.get(measure.pk) if target else None
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

    def _first_time(self, row: _Row, commune: Commune, year: int, measure: Measure) -> bool:
        key = (commune.pk, year, measure.pk)
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            message = _("Row %(row)d already gives %(measure)s of this commune and year.")
            self._error(
                row, "measure_code", row.measure_code,
                message % {"row": first, "measure": measure.code},
            )  # fmt: skip
        return first == row.number

    def _plan(
        self, row: _Row, target: _Target, measure: Measure, value: ParsedValue, payload: dict
    ) -> None:
        stored = target.stored.get(measure.pk)
        if stored:  # the file has no column for the evidence link: the stored one stays
            value = replace(value, evidence_url=stored.evidence_url)
        if _same(stored, value):
            self.report.values_unchanged += 1
            return
        if target.assessment is not None and not target.assessment.is_editable:
            self._error(row, "value", row.value, locked_message(target.assessment))
            return
        target.first_change = target.first_change or row.number
        if stored and _clears(value):
            kind = "values_cleared"
        elif stored:
            kind = "values_changed"
        else:
            kind = "values_created"
        setattr(self.report, kind, getattr(self.report, kind) + 1)
        target.counts[kind] = target.counts.get(kind, 0) + 1
        if target.assessment is None:
            target.payloads[measure.code] = payload
        else:
            stored_id = stored.pk if stored else None
            target.writes.append(ValueWrite(target.assessment.pk, measure.pk, value, stored_id))

    def finish(self, status: str) -> None:
        """The checks over whole commune-years: a closed year that would change, and what
        approving needs; then the assessments' counts."""
        targets = [t for t in self.targets.values() if t is not None]
        for target in targets:
            if status == APPROVED and _needs_submit(target) and not target.first_change:
                target.first_change = target.first_row  # submitting needs an open year
        self._refuse_closed([t for t in targets if t.first_change])
        self._count(targets, status)

    def _refuse_closed(self, changing: list[_Target]) -> None:
        """bulk.refuse_if_any_closed, with every closed commune-year reported."""
        closed = set(
            YearClosure.objects.filter(
                province__in={t.commune.province_id for t in changing},
                year__in={t.year for t in changing},
            ).values_list("province_id", "year")
        )
        for target in changing:
            if (target.commune.province_id, target.year) not in closed:
                continue
            try:
                refuse_if_closed(target.commune.pk, target.year)
            except YearClosedError as error:
                self.report.add_error(target.first_change, "year", target.year, str(error))

    def _count(self, targets: list[_Target], status: str) -> None:
        report = self.report
        for target in sorted(targets, key=lambda t: t.first_row):
            approving = status == APPROVED and _to_approve(target)
            if target.assessment is None and target.payloads:
                outcome = CREATED
            elif target.assessment is not None and (target.writes or approving):
                outcome = CHANGED
            else:
                outcome = UNCHANGED
            name = f"assessments_{outcome}"
            setattr(report, name, getattr(report, name) + 1)
            report.assessments_approved += bool(approving)
            report.communes.append(_commune_change(target, outcome, approving))


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
    )


def _to_approve(target: _Target) -> bool:
    """Whether importing as approved moves the target: it is to be created, or it exists and
    is not approved yet."""
    if target.assessment is None:
        return bool(target.payloads)
    return target.assessment.status != APPROVED


def _needs_submit(target: _Target) -> bool:
    """Whether approving the target takes the submit step first (which needs an open year)."""
    if target.assessment is None:
        return bool(target.payloads)
    return target.assessment.is_editable


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


# --- applying -----------------------------------------------------------------------------------


def _apply(plan: _Plan, user, status: str) -> None:
    targets = [t for t in plan.targets.values() if t is not None]
    approving = status == APPROVED
    existing = [
        t
        for t in targets
        if t.assessment is not None and (t.writes or approving and _to_approve(t))
    ]
    _lock_as_read(existing)
    new = [t for t in targets if t.assessment is None and t.payloads]
    created = create_assessments(
        entries=[NewAssessment(t.commune, t.year, t.payloads) for t in new], user=user
    )
    write_values_many(writes=[w for t in existing for w in t.writes], user=user)
    if status == APPROVED:
        _approve([*created, *(t.assessment for t in existing)], user)


def _lock_as_read(targets: list[_Target]) -> None:
    """Hold the assessments the import changes, in key order after their sets (services.locks);
    one changed by someone else since the file was checked refuses the import."""
    if not targets:
        return
    hold_sets({t.criteria_set.pk for t in targets})
    read = {t.assessment.pk: t for t in targets}
    current = Assessment.objects.select_for_update().filter(pk__in=list(read)).order_by("pk")
    for pk, version in current.values_list("pk", "version"):
        if version != read[pk].assessment.version:
            raise StaleVersionError(version, commune=read[pk].commune.name)


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
