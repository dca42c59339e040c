from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.access import Access
from stats import reports
from stats.selectors import UnitNotFound

# The operator at the server sees everything, as the national office does.
OPERATOR = Access(role=None, province_id=None, superuser=True, authenticated=True)


class Command(BaseCommand):
    help = (
        "Write a province's report workbook for a year (.xlsx): the statistics as the API "
        "gives them, one row per rural commune with its level and each criterion's result, "
        "and the recognition decisions. Drafts and submitted work are included (national "
        "scope)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="province code, e.g. 74")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument(
            "--output", help="file to write (default: ntm-report-PROVINCE-YEAR.xlsx)"
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="language of the labels (default: the portal's, %(default)s)",
        )

    def handle(self, *args, province, year, output, language, verbosity, **options):
        try:
            unit = reports.report_province(province, year)
        except (UnitNotFound, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        output = output or f"ntm-report-{unit.code}-{year}.xlsx"
        with open(output, "wb") as out:
            count = reports.write_province_workbook(
                out, province=unit, year=year, access=OPERATOR, language=language
            )
        if verbosity:
            self.stderr.write(
                f"report of {unit.name} {year} ({count} communes) written to {output}"
            )
