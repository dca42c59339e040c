from django.core.management.base import BaseCommand

from criteria.management.scope import AssessmentScopeArguments
from criteria.services import recompute
from criteria.services.results import default_workers


class Command(AssessmentScopeArguments, BaseCommand):
    help = (
        "Rescore the open assessments in bulk (e.g. after thresholds changed) and store the "
        "results; approved ones keep the result they were approved with."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="processes scoring at once on PostgreSQL (default: one a core; 1 on SQLite)",
        )

    def handle(self, *args, year, province, verbosity, workers, **options):
        self.check_scope(province)
        count = recompute(year=year, province_code=province, workers=workers)
        if verbosity:
            self.stdout.write(f"rescored {count} assessment(s)")
