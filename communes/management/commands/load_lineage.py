from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from communes.conversion_table import TableError
from communes.services import SourceError
from communes.services.lineage import TABLE_FILE, load_lineage


class Command(BaseCommand):
    help = (
        "Load the lineage of the 1 July 2025 reorganisation (old commune -> new commune) from "
        "the conversion table, matched by code, with the committed fixes of fixtures/lineage/; "
        "report everything still unmatched (idempotent: a second run writes nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            type=Path,
            default=TABLE_FILE,
            help=f"the conversion table (default: {TABLE_FILE.relative_to(TABLE_FILE.parents[2])})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count and report, write nothing"
        )

    def handle(self, *args, file, dry_run, verbosity, **options):
        try:
            report = load_lineage(table=file, dry_run=dry_run)
        except (SourceError, TableError, OSError) as error:
            raise CommandError(str(error)) from error
        if verbosity:
            for line in summary(report):
                self.stdout.write(line)
        if verbosity > 1:
            for line in details(report):
                self.stdout.write(line)
        for line in problems(report):
            self.stderr.write(line)


def summary(report) -> list[str]:
    prefix = "dry run, nothing written: " if report.dry_run else ""
    return [
        f"{prefix}rows read: {report.rows_read} "
        f"({len(report.rows_without_old_unit)} without an old commune-level unit)",
        f"pairs: {report.pairs} ({report.created} created, {report.updated} updated, "
        f"{report.deleted} deleted, {report.unchanged} unchanged)",
        f"new units covered: {report.new_units_covered} "
        f"(without a predecessor: {', '.join(report.new_units_without_predecessor) or 'none'})",
        f"old codes covered: {report.old_codes_covered}",
        f"fixed: {len(report.recoded)} rows recoded to the 2025 list's codes, "
        f"{len(report.skipped)} rows skipped, {len(report.mapped)} pairs mapped, "
        f"{len(report.listed_without_successor)} old units listed without a successor",
        "old province taken from the district: " + _corrected(report),
        f"names that differ from the lists' (matched by code): {len(report.new_names_differ)} "
        f"new, {len(report.old_names_differ)} old",
        f"unresolved: {report.unresolved}",
    ]


def _corrected(report) -> str:
    rows = report.province_corrected
    return ", ".join(f"row {r} ({c}: {named} -> {real})" for r, c, named, real in rows) or "none"


def details(report) -> list[str]:
    lines = [
        f"without an old unit: row {r.row} {r.new_code} {r.new_name}: {r.note.strip()}"
        for r in report.rows_without_old_unit
    ]
    lines += [f"skipped: row {r} {old} -> {new}: {why}" for r, old, new, why in report.skipped]
    lines += [f"no successor: {f.old_code}: {f.reason}" for f in report.listed_without_successor]
    lines += [
        f"old name differs: row {r} {c}: {a!r} / {b!r}" for r, c, a, b in report.old_names_differ
    ]
    lines += [
        f"new name differs: row {r} {c}: {a!r} / {b!r}" for r, c, a, b in report.new_names_differ
    ]
    return lines


def problems(report) -> list[str]:
    lines = [
        f"unmatched old code: row {r} {c} is not in the 2021 list" for r, c in report.unmatched_old
    ]
    lines += [
        f"unmatched new code: row {r} {c} is not in the 2025 list" for r, c in report.unmatched_new
    ]
    lines += [
        f"rural commune without a successor: {c} (2021)" for c in report.old_rural_without_successor
    ]
    lines += [f"fix that matched nothing: {item}" for item in report.unused_fixes]
    return lines
