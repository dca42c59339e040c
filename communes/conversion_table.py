"""Reading the government's conversion table of 1 July 2025 (old commune-level unit -> new one)
and the committed files that resolve what it leaves unmatched. Plain Python, no database: the
loader (communes.services.lineage) and the generator of the fixes
(scripts/build_lineage_fixes.py) both read the files through here.

The table (fixtures/lineage/2025-07-01.csv, a copy of ../shared/domain/lineage-2025/): two
header rows, then one row per (new unit, old unit) pair, with province heading rows (only the
first cell filled) between the provinces. Rows are numbered as a spreadsheet program numbers
them (the first header is row 1). Units are identified by their codes only: names carry stray
spaces, line breaks and typos, and are kept for display and for the reports' checks.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from communes.text import fold

HEADER = [
    "Tỉnh, thành phố",
    "Tên Xã mới",
    "Mã Xã mới",
    "Tên Xã cũ",
    "Mã Xã cũ",
    "Ghi chú",
    "Quận/huyện",
    "Tỉnh cũ",
]
FIXES_COLUMNS = ["old_code", "new_code", "action", "reason"]
NEW_CODES_COLUMNS = ["table_code", "code", "reason"]
ACTIONS = ("skip", "map")
_CODE_IN_BRACKETS = re.compile(r"\((\d+)\)\s*$")
MAX_ERRORS = 20

# How the old unit went into the new one, from the note's folded words. Anything else (a few
# free-text notes) is "other", its words kept in the note.
HOW_BY_NOTE = {
    "nhap toan bo": "whole",
    "nhap toan bo dien tich": "whole",
    "nhap mot phan": "part",
    "nhap mot phan dan so": "part",
    "nhap mot phan dien tich": "part_area",
    "nhap mot phan dien tich, toan bo dan so": "part_area_all_population",
    "giu nguyen": "unchanged",
    "doi ten": "renamed",
    "doi loai hinh": "kind_changed",
}
# "Sắp xếp toàn bộ huyện/xã X thành đặc khu X": the whole of it became a special zone.
WHOLE_PREFIX = "sap xep toan bo "


class TableError(ValueError):
    """A file cannot be read as expected; the message says which file, row and why."""


@dataclass(frozen=True)
class TableRow:
    row: int
    new_code: str
    new_name: str
    new_province_code: str
    old_code: str  # "" where no old commune-level unit went in (special zones from districts)
    old_name: str
    note: str  # as written
    old_district_code: str
    old_province_code: str  # as written: two rows name the wrong one (use the district's)


@dataclass(frozen=True)
class Fix:
    """A committed resolution of an unmatched case, with its reason. skip: the table's rows
    of old_code (to new_code, if given) are not loaded, or, for an old unit the table does not
    name, it is listed as having no successor. map: old_code -> new_code is loaded, though the
    table lacks it."""

    row: int
    old_code: str
    new_code: str
    action: str
    reason: str


@dataclass(frozen=True)
class NewCode:
    """The table's code of a new unit -> that unit's code in the loaded 2025 list."""

    row: int
    table_code: str
    code: str
    reason: str


def how_of(note: str) -> str:
    words = fold(note)
    if words.startswith(WHOLE_PREFIX):
        return "whole"
    return HOW_BY_NOTE.get(words, "other")


def clean_name(name: str) -> str:
    """A name for display and comparison: one space between words, one kind of dash and
    apostrophe."""
    name = name.replace("–", "-").replace("—", "-").replace("’", "'").replace("‘", "'")
    return " ".join(name.split())


def same_name(one: str, other: str) -> bool:
    return fold(clean_name(one)) == fold(clean_name(other))


def _bracketed(cell: str) -> str:
    found = _CODE_IN_BRACKETS.search(cell)
    return found.group(1) if found else ""


def _code(value: str, width: int) -> bool:
    return len(value) == width and value.isascii() and value.isdigit()


def _raise(path: Path, errors: list[str]) -> None:
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        raise TableError(f"{path.name}: " + "; ".join(errors[:MAX_ERRORS]) + more)


def _table_row(number: int, cells: list[str], errors: list[str]) -> TableRow | None:
    cells = [*cells, *[""] * (len(HEADER) - len(cells))]
    if cells[0].strip() and not any(cell.strip() for cell in cells[1:]):
        return None  # a province heading
    row = TableRow(
        row=number,
        new_code=cells[2].strip(),
        new_name=clean_name(cells[1]),
        new_province_code=_bracketed(cells[0]),
        old_code=cells[4].strip(),
        old_name=clean_name(cells[3]),
        note=cells[5],
        old_district_code=_bracketed(cells[6]),
        old_province_code=_bracketed(cells[7]),
    )
    if not _code(row.new_code, 5):
        errors.append(f"row {number}: new code {row.new_code!r} must be 5 digits")
    if row.old_code and not _code(row.old_code, 5):
        errors.append(f"row {number}: old code {row.old_code!r} must be 5 digits or empty")
    return row


def read_table(path: Path) -> list[TableRow]:
    """The table's pair rows, in order; TableError for a file of another shape."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.reader(handle))
    if len(records) < 2 or [cell.strip() for cell in records[1][: len(HEADER)]] != HEADER:
        raise TableError(f"{path.name}: row 2 must name the columns {', '.join(HEADER)}")
    errors: list[str] = []
    rows = [_table_row(n, cells, errors) for n, cells in enumerate(records[2:], start=3)]
    _raise(path, errors)
    return [row for row in rows if row is not None]


def _records(path: Path, columns: list[str]) -> list[tuple[int, dict]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != columns:
            raise TableError(f"{path.name}: columns must be {','.join(columns)}")
        return [
            (n, {key: (value or "").strip() for key, value in record.items()})
            for n, record in enumerate(reader, start=2)
        ]


def _fix_problem(fix: Fix) -> str:
    if fix.action not in ACTIONS:
        return f"action {fix.action!r} must be one of {', '.join(ACTIONS)}"
    if not _code(fix.old_code, 5):
        return f"old_code {fix.old_code!r} must be 5 digits"
    if fix.new_code and not _code(fix.new_code, 5):
        return f"new_code {fix.new_code!r} must be 5 digits or empty"
    if fix.action == "map" and not fix.new_code:
        return "a map needs its new_code"
    if not fix.reason:
        return "give the reason"
    return ""


def read_fixes(path: Path) -> list[Fix]:
    errors, fixes, seen = [], [], {}
    for number, record in _records(path, FIXES_COLUMNS):
        fix = Fix(
            number, record["old_code"], record["new_code"], record["action"], record["reason"]
        )
        key = (fix.old_code, fix.new_code)
        problem = _fix_problem(fix) or (
            f"{fix.old_code} -> {fix.new_code or '(any)'} is already fixed in row {seen[key]}"
            if key in seen
            else ""
        )
        if problem:
            errors.append(f"row {number}: {problem}")
        seen.setdefault(key, number)
        fixes.append(fix)
    _raise(path, errors)
    return fixes


def read_new_codes(path: Path) -> list[NewCode]:
    errors, codes, seen, targets = [], [], {}, {}
    for number, record in _records(path, NEW_CODES_COLUMNS):
        item = NewCode(number, record["table_code"], record["code"], record["reason"])
        if not (_code(item.table_code, 5) and _code(item.code, 5)):
            errors.append(f"row {number}: table_code and code must be 5 digits")
        elif item.table_code in seen:
            errors.append(
                f"row {number}: {item.table_code} is recoded in row {seen[item.table_code]}"
            )
        elif item.code in targets:
            errors.append(f"row {number}: {item.code} is the code of row {targets[item.code]}")
        elif not item.reason:
            errors.append(f"row {number}: give the reason")
        seen.setdefault(item.table_code, number)
        targets.setdefault(item.code, number)
        codes.append(item)
    _raise(path, errors)
    return codes
