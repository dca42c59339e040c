from django.core.management.base import BaseCommand, CommandError

from accounts.access import Access
from communes.models import Province
from criteria.services.exports import write_template, write_values_csv

OPERATOR = Access(role=None, province_id=None, superuser=True, authenticated=True)


class Command(BaseCommand):
    help = (
        "Export a province's assessment values of a year as the long CSV that "
        "import_assessments reads (commune_code,year,measure_code,value,note), or as the "
        "Excel template to fill in (--template)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="province code, e.g. 74")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--commune", action="append", help="only this commune (repeatable)")
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument(
            "--template",
            action="store_true",
            help="write the Excel template instead (one row per commune, one column per "
            "measure, thresholds in a second sheet); needs --output",
        )

    def handle(self, *args, province, year, commune, output, template, verbosity, **options):
        unit = Province.objects.on_map(year).filter(code=province).first()
        if unit is None:
            raise CommandError(f"No province {province} on the map of {year}.")
        if template:
            message = self._template(unit, year, output)
        else:
            count = self._csv(output, province=unit, year=year, commune_codes=commune)
            message = f"{count} values exported"
        if verbosity:
            self.stderr.write(message)

    def _csv(self, output, **filters) -> int:
        if output is None:
            return write_values_csv(self.stdout, access=OPERATOR, **filters)
        # utf-8-sig: the byte-order mark tells spreadsheet programs the file is UTF-8.
        with open(output, "w", encoding="utf-8-sig", newline="") as out:
            return write_values_csv(out, access=OPERATOR, **filters)

    @staticmethod
    def _template(province, year, output) -> str:
        if output is None:
            raise CommandError("The template is a workbook: give --output FILE.xlsx.")
        with open(output, "wb") as out:
            count = write_template(out, province=province, year=year, access=OPERATOR)
        return f"template for {count} communes written to {output}"
