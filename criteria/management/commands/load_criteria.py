from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from criteria.loading import (
    CRITERIA_DIR,
    KINDS,
    CriteriaFileError,
    criteria_files,
    load_criteria_file,
)


class Command(BaseCommand):
    help = (
        "Load criteria sets from JSON files (default: every file in fixtures/criteria/). "
        "Idempotent: a second run saves nothing; thresholds entered in admin are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path, metavar="FILE")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate and count what would change, then roll everything back",
        )

    def handle(self, *args, files, dry_run, verbosity, **options):
        paths = files or criteria_files()
        if not paths:
            raise CommandError(f"no criteria files (*.json) in {CRITERIA_DIR}")
        try:
            if dry_run:
                self._dry_run(paths, verbosity)
            else:
                self._load(paths, verbosity)
        except CriteriaFileError as error:
            raise CommandError(str(error)) from error

    def _load(self, paths: list[Path], verbosity: int) -> None:
        # Each file commits on its own (one transaction per file), so report each as it lands.
        for path in paths:
            report = load_criteria_file(path)
            if verbosity >= 1:
                self.stdout.write(f"{report.file}: {report.set_code}")
                for kind in KINDS:
                    self.stdout.write(f"  {kind}: {report.counts[kind]}")

    def _dry_run(self, paths: list[Path], verbosity: int) -> None:
        with transaction.atomic():
            self._load(paths, verbosity)
            transaction.set_rollback(True)
        if verbosity >= 1:
            self.stdout.write("Dry run: rolled back, nothing was written.")
