"""Loading the lineage of the 1 July 2025 reorganisation: which old commune-level units (2021
structure) went into which new ones (2025 structure), from the government's conversion table.

Units are matched by structure and code, never by name. What the table leaves unmatched is
resolved in committed files, each line with its reason (communes.conversion_table):
fixtures/lineage/new-codes.csv recodes the table's new codes that the loaded 2025 list has
under another code; fixtures/lineage/fixes.csv skips or maps old codes. An old unit's province
is its district's (two rows of the table name the wrong province). Whatever is still unmatched
is reported, never guessed. The load is one transaction with a fixed number of queries
(3 reads, then bulk writes), idempotent, and can be a dry run.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from communes.conversion_table import (
    Fix,
    NewCode,
    TableRow,
    how_of,
    read_fixes,
    read_new_codes,
    read_table,
    same_name,
)
from communes.models import Commune, Lineage, Structure
from communes.services.units import SourceError

LINEAGE_DIR = Path(settings.BASE_DIR) / "fixtures" / "lineage"
TABLE_FILE = LINEAGE_DIR / "2025-07-01.csv"
FIXES_FILE = LINEAGE_DIR / "fixes.csv"
NEW_CODES_FILE = LINEAGE_DIR / "new-codes.csv"
OLD, NEW = Structure.Y2021, Structure.Y2025
LEGAL_SOURCE = (
    "Bảng chuyển đổi đơn vị hành chính mới - cũ (01/7/2025), kèm dự thảo Quyết định của Thủ "
    "tướng Chính phủ ban hành Bảng danh mục và mã số các đơn vị hành chính (chinhphu.vn)"
)
FIELDS = ["how", "note", "legal_source", "source_row"]
BATCH = 1000


@dataclass
class LineageReport:
    rows_read: int = 0  # the table's pair rows
    rows_without_old_unit: list[TableRow] = field(default_factory=list)  # special zones...
    pairs: int = 0  # pairs the portal holds after the load
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    new_units_covered: int = 0  # new units with at least one predecessor
    new_units_without_predecessor: list[str] = field(default_factory=list)
    old_codes_covered: int = 0  # old units with at least one successor
    recoded: list[tuple[int, str, str]] = field(default_factory=list)  # (row, table, list code)
    skipped: list[tuple[int, str, str, str]] = field(default_factory=list)  # row, old, new, why
    mapped: list[Fix] = field(default_factory=list)
    listed_without_successor: list[Fix] = field(default_factory=list)
    province_corrected: list[tuple[int, str, str, str]] = field(default_factory=list)
    # Still unmatched after the fixes: each should become a line of a fixes file.
    unmatched_old: list[tuple[int, str]] = field(default_factory=list)  # not in the 2021 list
    unmatched_new: list[tuple[int, str]] = field(default_factory=list)  # not in the 2025 list
    old_rural_without_successor: list[str] = field(default_factory=list)
    unused_fixes: list[Fix | NewCode] = field(default_factory=list)
    # Checks, not matches: the names the table gives a matched unit and the list's name.
    new_names_differ: list[tuple[int, str, str, str]] = field(default_factory=list)
    old_names_differ: list[tuple[int, str, str, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def unresolved(self) -> int:
        return sum(
            map(
                len,
                (
                    self.unmatched_old,
                    self.unmatched_new,
                    self.old_rural_without_successor,
                    self.unused_fixes,
                ),
            )
        )


@dataclass(frozen=True)
class _Unit:
    pk: int
    name: str
    kind: str
    district_code: str
    province_code: str


def _units(structure: str) -> dict[str, _Unit]:
    """The structure's communes by code: 1 query."""
    rows = Commune.objects.filter(structure=structure).values_list(
        "pk", "code", "name", "kind", "district__code", "province__code"
    )
    return {
        code: _Unit(pk, name, kind, district or "", province)
        for pk, code, name, kind, district, province in rows
    }


class _Matcher:
    """Turns the table's rows into the (old, new) pairs to hold, noting every case."""

    def __init__(self, report, old, new, fixes, new_codes):
        self.report, self.old, self.new = report, old, new
        self.recode = {item.table_code: item for item in new_codes}
        self.skips = {(f.old_code, f.new_code): f for f in fixes if f.action == "skip"}
        self.used: set[int] = set()  # ids of the fixes and recodes that matched something
        self.pairs: dict[tuple[int, int], Lineage] = {}

    def _skip(self, row: TableRow, new_code: str) -> Fix | None:
        return self.skips.get((row.old_code, new_code)) or self.skips.get((row.old_code, ""))

    def _new_code(self, row: TableRow) -> str:
        item = self.recode.get(row.new_code)
        if item is None:
            return row.new_code
        self.used.add(id(item))
        self.report.recoded.append((row.row, row.new_code, item.code))
        return item.code

    def add_row(self, row: TableRow) -> None:
        report = self.report
        new_code = self._new_code(row)
        if not row.old_code:
            report.rows_without_old_unit.append(row)
            return
        fix = self._skip(row, new_code)
        if fix is not None:
            self.used.add(id(fix))
            report.skipped.append((row.row, row.old_code, new_code, fix.reason))
            return
        old, new = self.old.get(row.old_code), self.new.get(new_code)
        if old is None:
            report.unmatched_old.append((row.row, row.old_code))
        if new is None:
            report.unmatched_new.append((row.row, new_code))
        if old is None or new is None:
            return
        self._check(row, old, new, new_code)
        self.pairs.setdefault(
            (old.pk, new.pk),
            Lineage(
                old_id=old.pk,
                new_id=new.pk,
                how=how_of(row.note),
                note=row.note,
                legal_source=LEGAL_SOURCE,
                source_row=row.row,
            ),
        )

    def _check(self, row: TableRow, old: _Unit, new: _Unit, new_code: str) -> None:
        report = self.report
        if row.old_province_code != old.province_code:
            report.province_corrected.append(
                (row.row, row.old_code, row.old_province_code, old.province_code)
            )
        if not same_name(row.new_name, new.name):
            report.new_names_differ.append((row.row, new_code, row.new_name, new.name))
        if not same_name(row.old_name, old.name):
            report.old_names_differ.append((row.row, row.old_code, row.old_name, old.name))

    def add_fix(self, fix: Fix) -> None:
        """A committed map, or a skip that lists an old unit the table does not name."""
        old = self.old.get(fix.old_code)
        if fix.action == "map":
            new = self.new.get(fix.new_code)
            if old is None or new is None:
                return  # unused: reported
            self.used.add(id(fix))
            self.report.mapped.append(fix)
            self.pairs.setdefault(
                (old.pk, new.pk),
                Lineage(old_id=old.pk, new_id=new.pk, how="other", legal_source=fix.reason[:300]),
            )


def _match(rows, old, new, fixes, new_codes, report: LineageReport) -> dict:
    matcher = _Matcher(report, old, new, fixes, new_codes)
    for row in rows:
        matcher.add_row(row)
    for fix in fixes:
        matcher.add_fix(fix)
    successors = {old_id for old_id, _new_id in matcher.pairs}
    for fix in fixes:
        unit = old.get(fix.old_code)
        # A skip of an old unit the table does not name lists it as having no successor.
        unnamed = unit is not None and unit.pk not in successors
        if fix.action == "skip" and id(fix) not in matcher.used and unnamed:
            matcher.used.add(id(fix))
            report.listed_without_successor.append(fix)
    listed = {fix.old_code for fix in report.listed_without_successor}
    report.old_rural_without_successor = sorted(
        code
        for code, unit in old.items()
        if unit.kind == Commune.Kind.XA and unit.pk not in successors and code not in listed
    )
    report.unused_fixes = [item for item in [*fixes, *new_codes] if id(item) not in matcher.used]
    predecessors = {new_id for _old_id, new_id in matcher.pairs}
    report.new_units_covered = len(predecessors)
    report.new_units_without_predecessor = sorted(
        code for code, unit in new.items() if unit.pk not in predecessors
    )
    report.old_codes_covered = len(successors)
    return matcher.pairs


def _write(wanted: dict[tuple[int, int], Lineage], report: LineageReport) -> None:
    """Create, update and delete so that the table holds exactly ``wanted``: 1 read, then
    bulk writes (none on a second run)."""
    existing = {(link.old_id, link.new_id): link for link in Lineage.objects.all()}
    new, changed = [], []
    for key, link in wanted.items():
        stored = existing.get(key)
        if stored is None:
            new.append(link)
        elif any(getattr(stored, name) != getattr(link, name) for name in FIELDS):
            for name in FIELDS:
                setattr(stored, name, getattr(link, name))
            changed.append(stored)
    stale = [link.pk for key, link in existing.items() if key not in wanted]
    Lineage.objects.bulk_create(new, batch_size=BATCH)
    if changed:
        Lineage.objects.bulk_update(changed, FIELDS, batch_size=BATCH)
    for start in range(0, len(stale), BATCH):
        Lineage.objects.filter(pk__in=stale[start : start + BATCH]).delete()
    report.created, report.updated, report.deleted = len(new), len(changed), len(stale)
    report.unchanged = len(wanted) - len(new) - len(changed)
    report.pairs = len(wanted)


@transaction.atomic
def load_lineage(
    *,
    table: Path = TABLE_FILE,
    fixes: Path = FIXES_FILE,
    new_codes: Path = NEW_CODES_FILE,
    dry_run: bool = False,
) -> LineageReport:
    """Hold exactly the table's pairs, as the committed fixes resolve them; report every case.
    With ``dry_run``, everything is computed and counted, and nothing is kept."""
    rows, fix_list, recodes = read_table(table), read_fixes(fixes), read_new_codes(new_codes)
    old, new = _units(OLD), _units(NEW)
    if not old or not new:
        raise SourceError(
            "load both unit lists first: python manage.py load_admin_units --structure 2021, "
            "then --structure 2025"
        )
    report = LineageReport(rows_read=len(rows), dry_run=dry_run)
    wanted = _match(rows, old, new, fix_list, recodes, report)
    _write(wanted, report)
    if dry_run:
        transaction.set_rollback(True)
    return report
