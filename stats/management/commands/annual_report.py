"""Write a province's annual report on the programme (stats.annual): Word, Excel or text."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from stats import annual, reports
from stats.selectors import UnitNotFound


class Command(BaseCommand):
    help = (
        "Write a province's annual report on the programme for a year, in Vietnamese, from "
        "approved records: communes by level, average criteria, districts, OCOP, resources, "
        "works, models, hamlet titles, the plans, and an appendix of the decisions behind them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="province code, e.g. 20")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--format", default="docx", choices=list(annual.FORMATS), dest="fmt")
        parser.add_argument(
            "--output",
            help="file to write (default: bao-cao-ntm-PROVINCE-YEAR.FORMAT; - for the text "
            "on standard output)",
        )

    def handle(self, *args, province, year, fmt, output, verbosity, **options):
        try:
            unit = reports.report_province(province, year)
            content, _type, name = annual.write(unit, year, fmt)
        except (UnitNotFound, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        if output == "-":
            if fmt != "txt":
                raise CommandError("Only the text (--format txt) goes to standard output.")
            self.stdout.write(content.decode(), ending="")
            return
        output = output or name
        with open(output, "wb") as out:
            out.write(content)
        if verbosity:
            self.stderr.write(f"annual report of {unit.name} {year} written to {output}")
