"""The scope both bulk commands over assessments take (recompute_scores, verify_results)."""

from django.core.management.base import CommandError

from communes.models import Province


class AssessmentScopeArguments:
    """--year and --province, an unknown province refused before any work."""

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="only assessments of this year")
        parser.add_argument("--province", metavar="CODE", help="only this province's communes")

    @staticmethod
    def check_scope(province: str | None) -> None:
        if province and not Province.objects.filter(code=province).exists():
            raise CommandError(f"unknown province code {province}")
