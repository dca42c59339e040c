"""Reading a spreadsheet a user uploads (CSV or XLSX) as rows of named cells, each with the row
number the user sees in their program, so that every import can name the row and column of an
error. Nothing here knows what the columns mean: each import checks its own.
"""

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core import files

MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Row:
    number: int  # as the user's spreadsheet program numbers it (the header is row 1)
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


def read_table(upload, required: tuple[str, ...]) -> list[Row]:
    """The rows of an uploaded .csv (UTF-8, with or without BOM) or .xlsx file (first sheet),
    keyed by the header's column names (trimmed, lower case). Raises ValidationError for a
    file that cannot be read, is too large, or lacks a ``required`` column; blank rows are
    skipped."""
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    name = (getattr(upload, "name", "") or "").lower()
    if name.endswith(".xlsx"):
        grid = _xlsx_grid(data, upload.name)
    elif name.endswith(".csv") or not name:
        grid = _csv_grid(data)
    else:
        raise ValidationError(_("Upload a .csv or .xlsx file."))
    return _rows(grid, required)


def _csv_grid(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(_("The CSV file is not UTF-8 text.")) from error
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as error:  # e.g. a field past the reader's size limit
        raise ValidationError(
            _("The CSV file cannot be read: %(error)s.") % {"error": error}
        ) from error


def _xlsx_grid(data: bytes, name: str) -> list[list[str]]:
    from openpyxl import load_workbook  # imported here: only imports need it

    unreadable = _("The file is not a readable .xlsx workbook.")
    # A workbook is a ZIP package: one that would unpack past the limits is refused before
    # openpyxl unpacks anything.
    try:
        files.check_zip_package(
            io.BytesIO(data),
            name=name,
            max_total_bytes=files.ZIP_MAX_UNPACKED_BYTES,
            max_ratio=files.ZIP_MAX_RATIO,
        )
    except files.BAD_ZIP as error:
        raise ValidationError(unreadable) from error
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # Reading stops one row past the limit (header, MAX_ROWS rows, one more): _rows
        # refuses the file, and a sheet of a million rows is never held in memory. A read-only
        # sheet is parsed while it is read, so its damage shows here too.
        sheet = book.worksheets[0]
        rows = islice(sheet.iter_rows(values_only=True), MAX_ROWS + 2)
        grid = [[_cell_text(cell) for cell in row] for row in rows]
        below_header = [found for found in merged_ranges(sheet) if found.hides(2)]
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ValidationError(unreadable) from error
    if below_header:
        raise ValidationError(
            _("Cells %(ranges)s are merged. %(why)s")
            % {"ranges": ", ".join(found.ref for found in below_header[:5]), "why": MERGED_WHY}
        )
    return grid


MERGED_WHY = _lazy(
    "A spreadsheet keeps a merged range's value in its first cell alone: the others would be "
    "read as empty. Unmerge the cells and fill each one."
)


@dataclass(frozen=True)
class MergedRange:
    ref: str  # as the spreadsheet names it: "B5:B7"
    min_col: int
    min_row: int
    max_col: int
    max_row: int

    def hides(self, first_row: int, columns: Iterable[int] | None = None) -> bool:
        """Whether the range hides a cell (any of its cells but the first, which keeps the
        value) at ``first_row`` or below, in one of ``columns`` (numbered from 1; None: any).
        Worked out from the bounds: a range may cover a whole sheet."""
        top = max(self.min_row, first_row)
        if top > self.max_row:
            return False
        if columns is None:
            inside = [self.min_col] + ([self.min_col + 1] if self.max_col > self.min_col else [])
        else:
            inside = [column for column in columns if self.min_col <= column <= self.max_col]
        below_first = top != self.min_row or top < self.max_row
        return any(column != self.min_col or below_first for column in inside)


# <mergeCell ref="B5:B7"/>, under any namespace prefix; in the sheet's XML after its rows.
_MERGE_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']([^\"']+)[\"']"
)
_CHUNK = 1 << 20
_OVERLAP = 1024  # an element cut between two chunks is read whole in the second


def merged_ranges(sheet) -> list[MergedRange]:
    """The merged ranges of a sheet opened read-only, which openpyxl's read-only mode does not
    give: read from the sheet's XML in chunks (bounded memory, a national workbook's tens of
    megabytes in a fraction of a second), looked for by name before any pattern is tried."""
    from openpyxl.utils.cell import range_boundaries

    found: dict[str, MergedRange] = {}
    tail = b""
    with sheet._get_source() as source:  # the sheet's part of the package, unpacked as read
        while chunk := source.read(_CHUNK):
            text, tail = tail + chunk, (tail + chunk)[-_OVERLAP:]
            if b"mergeCell" not in text:
                continue
            for match in _MERGE_CELL.finditer(text):
                ref = match.group(1).decode("ascii", "replace").upper()
                if ref not in found and ":" in ref:
                    min_col, min_row, max_col, max_row = range_boundaries(ref)
                    found[ref] = MergedRange(ref, min_col, min_row, max_col, max_row)
    return list(found.values())


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a year typed in Excel arrives as 2024.0
    if isinstance(value, float) and math.isfinite(value):
        return format(spreadsheet_decimal(value), "f")  # 0.00001 as typed, not 1e-05
    return str(value)


def spreadsheet_decimal(value: float) -> Decimal:
    """A spreadsheet's number as it shows and keeps it: to 15 significant digits, its
    precision. A formula's 97.1 + 0.2 is stored as 97.30000000000001, shown and meant as
    97.3; read in full it was refused for its decimals."""
    return Decimal(format(value, ".15g"))


def _rows(grid: list[list[str]], required: tuple[str, ...]) -> list[Row]:
    if not grid:
        raise ValidationError(_("The file is empty."))
    header = [cell.strip().lower() for cell in grid[0]]
    missing = [column for column in required if column not in header]
    if missing:
        raise ValidationError(
            _("The first row must name the columns; missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    if len(grid) - 1 > MAX_ROWS:
        raise ValidationError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
    rows = []
    for number, cells in enumerate(grid[1:], start=2):
        named = {column: (cells[i] if i < len(cells) else "") for i, column in enumerate(header)}
        if any(value.strip() for value in named.values()):
            rows.append(Row(number, named))
    return rows


def read_rows(upload, required: tuple[str, ...]) -> list[Row]:
    """read_table for an import: a file that cannot be read, or has no row under its header,
    is a ValidationError under "file" (the key every import reports it with)."""
    try:
        rows = read_table(upload, required)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    if not rows:
        raise ValidationError({"file": [_("The file has no rows below its header.")]})
    return rows
