"""Write the programme part of a province's annual report: Vietnamese text, and an XLSX."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from communes.models import Province, Structure, structure_for_year
from programme import report, selectors


class Command(BaseCommand):
    help = (
        "Print the programme sections of a province's annual report (approved records only) "
        "and, with --xlsx, write the same figures as a workbook."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="Province code, e.g. 20.")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--structure", choices=Structure.values, help="Map of the code.")
        parser.add_argument("--xlsx", type=Path, help="Also write the workbook here.")

    def handle(self, *args, province: str, year: int, structure, xlsx, **options):
        structure = structure or structure_for_year(year)
        found = Province.objects.filter(structure=structure, code=province).first()
        if found is None:
            raise CommandError(f"No province with code {province} on the {structure} map.")
        self.stdout.write(report.text(selectors.province_report(found, year)))
        if xlsx:
            xlsx.write_bytes(report.workbook(found, year))
            if options["verbosity"]:
                self.stdout.write(f"Wrote {xlsx}.")
