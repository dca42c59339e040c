"""Importing a province's programme records from a spreadsheet (CSV or XLSX, core.tables), one
record per row, one kind of record per file: one service behind the command, the API and the
pages.

All or nothing, with the rules of entry by hand: every row goes through services.create (the
province scope, numbers, texts, no double counting of funding), in one transaction with a
savepoint per row, so that every row is checked even after an error; a single error and
everything is rolled back. What a file adds is only how its cells are written: codes on the
map of the row's year (services.resolve), choices by their stored value or their Vietnamese or
English label, dates as YYYY-MM-DD or DD/MM/YYYY, yes/no by the assessments' words
(criteria.services.values) or a cross. With ``status`` "submitted" or "approved", each record
then takes the workflow steps through services.move, as by hand (Steps and history).
"""

import csv
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.access import Access, access_for
from communes.models import Commune, District, Province, structures_for_years
from core.imports import ErrorReport, ImportRefused
from core.tables import Row, read_rows
from criteria.services.values import _parse_flag
from criteria.services.workflow import may_take
from programme import services
from programme.models import (
    FIRST_YEAR,
    LAST_YEAR,
    Figure,
    Funding,
    FundingSource,
    HamletTitle,
    HistoricalFigure,
    ProductionModel,
    Status,
    Work,
    WorkKind,
    YearPlan,
)

KINDS: dict[str, type[Model]] = {
    "fundings": Funding,
    "works": Work,
    "production-models": ProductionModel,
    "hamlet-titles": HamletTitle,
    "plans": YearPlan,
    "figures": HistoricalFigure,
}
COLUMNS: dict[str, tuple[str, ...]] = {
    "fundings": ("year", "province", "district", "commune", "source", "kind", "amount", "note"),
    "works": ("year", "commune", "kind", "mode", "quantity", "cost", "note"),
    "production-models": (
        "year", "province", "name", "communes", "area_ha", "funding", "stage", "note",
    ),
    "hamlet-titles": (
        "year", "commune", "kind", "holder", "decision_number", "decision_date", "note",
    ),
    "plans": (
        "year", "province", "district", "per_district", "kind", "level", "value", "value_max",
        "note",
    ),
    "figures": ("year", "province", "kind", "level", "value", "note"),
}  # fmt: skip
DRAFT, SUBMITTED, APPROVED = Status.DRAFT, Status.SUBMITTED, Status.APPROVED
STATUSES = (DRAFT, SUBMITTED, APPROVED)
STEPS = {DRAFT: (), SUBMITTED: ("submit",), APPROVED: ("submit", "approve")}
# The columns that hold a choice of the model (a value, or its label in either language).
CHOICES = {
    "fundings": {"kind": Funding.Kind},
    "works": {"mode": Work.Mode},
    "production-models": {"stage": ProductionModel.Stage},
    "hamlet-titles": {"kind": HamletTitle.Kind},
    "plans": {"kind": Figure},
    "figures": {"kind": Figure},
}
CATEGORIES = {"fundings": ("source", FundingSource), "works": ("kind", WorkKind)}
UNITS = {"province": (Province, 2), "district": (District, 3), "commune": (Commune, 5)}
MAX_PREVIEW = 50  # records listed in a report, for a preview
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?: 00:00:00)?")  # also an XLSX date
DMY_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


@dataclass
class ProgrammeImportReport(ErrorReport):
    """What an import did (or, refused or in a dry run, would do), and every error found."""

    kind: str = ""
    dry_run: bool = False
    status: str = DRAFT
    rows: int = 0
    created: int = 0
    submitted: int = 0  # records left submitted
    approved: int = 0
    records: list[tuple[int, str]] = field(default_factory=list)  # (row, record), the first

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "status": self.status,
            "rows": self.rows,
            "created": self.created,
            "submitted": self.submitted,
            "approved": self.approved,
            "error_count": self.error_count,
            "errors": [error.__dict__ for error in self.errors],
            "records": [{"row": row, "record": text} for row, text in self.records],
        }


class ProgrammeImportRefused(ImportRefused):
    """The file has errors: nothing was written. ``report`` lists them all."""


def import_records(
    kind: str, file, *, user, status: str = DRAFT, dry_run: bool = False
) -> ProgrammeImportReport:
    """Import ``file`` (a binary file object, .csv or .xlsx by its name) of records of ``kind``
    (a key of KINDS) as ``user``, leaving them with ``status``. Returns the report; raises
    ProgrammeImportRefused (nothing written) listing every error, ValidationError for an
    unknown kind or status or a status the user may not give, PermissionDenied for a user who
    may not enter records."""
    access = import_access(user, kind, status)
    report = ProgrammeImportReport(kind=kind, dry_run=dry_run, status=status)
    try:
        rows = read_rows(file, _required(kind))
    except ValidationError as error:
        for message in error.message_dict.get("file", error.messages):
            report.add_error(1, "file", getattr(file, "name", "") or "", message)
        raise ProgrammeImportRefused(report) from None
    with transaction.atomic():
        _Importer(kind, access, user, report).run(rows)
        if report.error_count:
            raise ProgrammeImportRefused(report)
        if dry_run:
            transaction.set_rollback(True)
    return report


def import_access(user, kind: str, status: str = DRAFT) -> Access:
    """The user's access, if they may import records of ``kind`` with that status."""
    _known(kind)
    if status not in STATUSES:
        message = _("Import as draft, submitted or approved.")
        raise ValidationError({"status": [message]})
    access = access_for(user)
    if not (access.is_national or (access.province_id and access.can_edit(access.province_id))):
        message = _("Only a province's officers, approvers and national users enter records.")
        raise PermissionDenied(message)
    if status == APPROVED and not may_take(access, "approve", access.province_id):
        message = _("Only the province's approvers and national users import approved records.")
        raise ValidationError({"status": [message]})
    return access


def _required(kind: str) -> tuple[str, ...]:
    """The columns a file of ``kind`` must have: those of the fields a record requires."""
    required = services.REQUIRED[KINDS[kind]]
    return tuple(column for column in COLUMNS[kind] if column in required)


# --- the rows -----------------------------------------------------------------------------------


class _Importer:
    def __init__(self, kind: str, access: Access, user, report: ProgrammeImportReport):
        self.kind, self.model, self.columns = kind, KINDS[kind], COLUMNS[kind]
        self.access, self.user, self.report = access, user, report
        self.choices = {name: _choice_words(c) for name, c in CHOICES[kind].items()}
        self.codes = services.Codes()
        self.seen: dict[tuple, int] = {}  # a row's cells -> its row number
        self.created: dict[int, int] = {}  # record id -> its row

    def run(self, rows: list[Row]) -> None:
        if self._unknown_columns(rows):
            return
        years = self._years(rows)
        self._load_codes(rows, years)
        for row in rows:
            self.report.rows += 1
            if self._first_time(row):
                self._row(row, years)

    def _unknown_columns(self, rows: list[Row]) -> bool:
        unknown = [name for name in rows[0].cells if name and name not in self.columns]
        if unknown:
            message = _("Unknown columns: %(unknown)s. The columns are %(columns)s.") % {
                "unknown": ", ".join(unknown),
                "columns": ",".join(self.columns),
            }
            self.report.add_error(1, "file", ",".join(unknown), message)
        return bool(unknown)

    def _years(self, rows: list[Row]) -> dict[int, str | None]:
        """Each year of the file with the map its codes are on (one query)."""
        years = {_year(row.get("year")) for row in rows} - {None}
        return structures_for_years(sorted(years))

    def _load_codes(self, rows: list[Row], years: dict[int, str | None]) -> None:
        """Every unit and category the file names, in one query each per year."""
        wanted: dict[tuple, set[str]] = {}
        for row in rows:
            year = _year(row.get("year"))
            if year not in years:
                continue
            for name, (model, digits) in UNITS.items():
                if row.get(name):
                    wanted.setdefault((model, year), set()).add(_code(row.get(name), digits))
            for code in _communes(row.get("communes")):
                wanted.setdefault((Commune, year), set()).add(code)
        for (model, year), codes in wanted.items():
            self.codes.load(model, year, years[year], codes)
        if self.kind in CATEGORIES:
            self.codes.load_categories(CATEGORIES[self.kind][1])

    def _first_time(self, row: Row) -> bool:
        key = tuple(_fold(row.get(column)) for column in self.columns)
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            message = _("The same as row %(row)d: a record is given once.") % {"row": first}
            self.report.add_error(row.number, "row", "", message)
        return first == row.number

    def _row(self, row: Row, years: dict[int, str | None]) -> None:
        year = _year(row.get("year"))
        if year not in years:
            message = _("Enter a year from %(a)d to %(b)d.") % {"a": FIRST_YEAR, "b": LAST_YEAR}
            self.report.add_error(row.number, "year", row.get("year"), message)
            return
        errors: services.Errors = {}
        data = self._data(row, year, errors)
        if not errors:
            try:
                data = services.resolve(self.model, data, year, years[year], self.codes)
            except ValidationError as error:
                errors = error.message_dict
        if errors:
            self._errors(row, errors)
            return
        self._create(row, data)

    def _data(self, row: Row, year: int, errors: services.Errors) -> dict:
        """The row's cells as the services take them, codes still codes."""
        data: dict[str, object] = {"year": year}
        for column in self.columns[1:]:
            raw = row.get(column)
            if not raw:
                continue
            try:
                data[column] = self._cell(column, raw)
            except ValidationError as error:
                errors[column] = error.messages
        return data

    def _cell(self, column: str, raw: str) -> object:
        if column in UNITS:
            return _code(raw, UNITS[column][1])
        if column == "communes":
            return _communes(raw)
        if column in self.choices:
            return _choice(self.choices[column], raw)
        if column == "decision_date":
            return _date(raw)
        if column == "per_district":
            return _flag(raw)
        return raw

    def _create(self, row: Row, data: dict) -> None:
        try:
            with transaction.atomic():
                record = services.create(self.model, access=self.access, user=self.user, data=data)
                for action in STEPS[self.report.status]:
                    record = services.move(
                        record,
                        action=action,
                        access=self.access,
                        user=self.user,
                        version=record.version,
                    )
        except ValidationError as error:
            self._errors(row, self._errors_of(error, data))
        except PermissionDenied:
            self._another_province(row, data)
        except services.StateError as error:
            self.report.add_error(row.number, "row", "", str(error))
        else:
            self._count(row, record)

    def _count(self, row: Row, record) -> None:
        report = self.report
        self.created[record.pk] = row.number
        report.created += 1
        report.submitted += record.status == SUBMITTED
        report.approved += record.status == APPROVED
        if len(report.records) < MAX_PREVIEW:
            report.records.append((row.number, str(record)))

    def _errors_of(self, error: ValidationError, data: dict) -> dict[str, list[str]]:
        errors = error.message_dict if hasattr(error, "error_dict") else {"row": error.messages}
        if self.model is Funding and "source" in errors:
            row = self._overlapped_row(data)
            if row:
                message = _(
                    "Row %(row)d of this file gives this money already: it would be counted twice."
                )
                errors = {**errors, "source": [message % {"row": row}]}
        return errors

    def _overlapped_row(self, data: dict) -> int | None:
        """The row of this file whose funding the row's would count again, if any."""
        fields = ("province", "district", "commune", "source", "kind", "year")
        probe = Funding(**{name: data[name] for name in fields if data.get(name) is not None})
        if probe.commune_id and not probe.district_id:
            probe.district_id = data["commune"].district_id
        if not probe.province_id:
            probe.province_id = (data.get("commune") or data.get("district")).province_id
        found = services.overlapping(probe).filter(pk__in=list(self.created)).first()
        return self.created[found.pk] if found else None

    def _errors(self, row: Row, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            column = name if name in self.columns else "row"
            value = row.get(column) if column != "row" else ""
            for message in messages:
                self.report.add_error(row.number, column, value, message)

    def _another_province(self, row: Row, data: dict) -> None:
        column = next(name for name in ("province", "district", "commune") if data.get(name))
        column = column if column in self.columns else "commune"
        if column == "province":
            message = _("%(unit)s is another province: you enter your own province's records.")
        else:
            message = _("%(unit)s is of another province: you enter your own province's records.")
        unit = data[column].name
        self.report.add_error(row.number, column, row.get(column), message % {"unit": unit})


# --- cells --------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


def _year(raw: str) -> int | None:
    if raw.isascii() and raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR:
        return int(raw)
    return None


def _code(raw: str, digits: int) -> str:
    """A unit's code; one typed as a number in a spreadsheet gets its leading zeros back."""
    return raw.zfill(digits) if raw.isascii() and raw.isdigit() else raw


def _communes(raw: str) -> list[str]:
    return [_code(code, 5) for code in re.split(r"[;\s]+", raw) if code]


def _choice_words(choices) -> dict[str, str]:
    """Each way a file may write a choice: its value, its Vietnamese and English labels."""
    words = {}
    for language in ("en", "vi"):
        with translation.override(language):
            words |= {_fold(str(label)): value for value, label in choices.choices}
    return words | {value: value for value in choices.values}


def _choice(words: dict[str, str], raw: str) -> str:
    value = words.get(_fold(raw))
    if value is None:
        choices = ", ".join(sorted(set(words.values())))
        raise ValidationError(_("Unknown choice; one of: %(choices)s.") % {"choices": choices})
    return value


def _date(raw: str) -> datetime.date:
    iso, dmy = ISO_DATE.fullmatch(raw), DMY_DATE.fullmatch(raw)
    try:
        if iso:
            return datetime.date(*(int(part) for part in iso.groups()))
        if dmy:
            day, month, year = (int(part) for part in dmy.groups())
            return datetime.date(year, month, day)
    except ValueError:
        pass
    raise ValidationError(_("Write the date as YYYY-MM-DD or DD/MM/YYYY."))


def _flag(raw: str) -> bool:
    """Yes/no: the assessments' words (1/0, true/false, có/không), or a cross for yes."""
    return True if _fold(raw) == "x" else _parse_flag(raw)


# --- templates ----------------------------------------------------------------------------------


def template_csv(kind: str) -> bytes:
    """The header row of a file of ``kind``."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerow(COLUMNS[_known(kind)])
    return text.getvalue().encode("utf-8")


def template_xlsx(kind: str) -> bytes:
    """A workbook to fill in: the header row on the first sheet, and on the second the codes
    each column takes (funding sources, kinds of work, choices) with their names."""
    from openpyxl import Workbook  # imported here: only the templates need it

    book = Workbook()
    sheet = book.active
    sheet.title = kind
    sheet.append(list(COLUMNS[_known(kind)]))
    codes = book.create_sheet(_("codes"))
    codes.append([_("column"), _("code"), _("name (Vietnamese)"), _("name (English)")])
    for row in valid_codes(kind):
        codes.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def valid_codes(kind: str) -> list[tuple[str, str, str, str]]:
    """(column, code, Vietnamese name, English name) of each code a file of ``kind`` takes
    from a list (units aside: their codes are the statistics office's)."""
    rows = []
    if kind in CATEGORIES:
        column, model = CATEGORIES[kind]
        rows += [(column, c.code, c.name_vi, c.name_en) for c in model.objects.all()]
    for column, choices in CHOICES[_known(kind)].items():
        for value, label in choices.choices:
            with translation.override("vi"):
                vietnamese = str(label)
            with translation.override("en"):
                english = str(label)
            rows.append((column, value, vietnamese, english))
    if kind == "plans":
        rows += [("per_district", word, "", "") for word in ("1", "0", "có", "không", "x")]
    return rows


def _known(kind: str) -> str:
    if kind not in KINDS:
        message = _("Unknown kind of record “%(kind)s”; one of: %(kinds)s.")
        raise ValidationError({"kind": [message % {"kind": kind, "kinds": ", ".join(KINDS)}]})
    return kind
