from django.core.management.base import BaseCommand

from criteria.management.scope import AssessmentScopeArguments
from criteria.services import recompute


class Command(AssessmentScopeArguments, BaseCommand):
    help = (
        "Rescore the open assessments in bulk (e.g. after thresholds changed) and store the "
        "results; approved ones keep the result they were approved with."
    )

    def handle(self, *args, year, province, verbosity, **options):
        self.check_scope(province)
        count = recompute(year=year, province_code=province)
        if verbosity:
            self.stdout.write(f"rescored {count} assessment(s)")
