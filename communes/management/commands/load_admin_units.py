from django.core.management.base import BaseCommand, CommandError

from communes.services import SourceError, load_admin_units


class Command(BaseCommand):
    help = (
        "Load Vietnam's administrative units of one structure from fixtures/admin_units/ "
        "(idempotent: a second run creates nothing; renamed units are updated)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--structure",
            default="2021",
            help="structure folder to load: 2021 (until 30 June 2025) or 2025",
        )
        parser.add_argument(
            "--province",
            nargs="+",
            default=[],
            metavar="CODE",
            help="load only these provinces (two-digit codes)",
        )

    def handle(self, *args, structure, province, verbosity, **options):
        try:
            report = load_admin_units(structure=structure, provinces=province)
        except SourceError as error:
            raise CommandError(str(error)) from error
        if not verbosity:
            return
        for level, counts in report.levels.items():
            self.stdout.write(f"{level}: {counts}")
