from django.core.management.base import BaseCommand, CommandError

from communes.models import Province
from criteria.services import recompute


class Command(BaseCommand):
    help = "Rescore assessments in bulk (e.g. after thresholds changed) and store the results."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="only assessments of this year")
        parser.add_argument("--province", metavar="CODE", help="only this province's communes")

    def handle(self, *args, year, province, verbosity, **options):
        if province and not Province.objects.filter(code=province).exists():
            raise CommandError(f"unknown province code {province}")
        count = recompute(year=year, province_code=province)
        if verbosity:
            self.stdout.write(f"rescored {count} assessment(s)")
