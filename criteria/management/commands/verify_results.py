"""List every assessment whose stored result (level, criteria met, completeness, the class it
was judged in) is not what its values score under the rules in the database now."""

from django.core.management.base import BaseCommand, CommandError

from criteria import selectors
from criteria.management.scope import AssessmentScopeArguments
from criteria.services.results import disagreements

BATCH = 500


class Command(AssessmentScopeArguments, BaseCommand):
    help = (
        "Recompute every assessment's result without writing, and list those whose stored "
        "result disagrees with their values; exit status 1 if any does. An approved one that "
        "disagrees was approved under other rules (or values): re-judging it is an explicit "
        "decision, never this command's."
    )

    def handle(self, *args, year, province, verbosity, **options):
        self.check_scope(province)
        ids = selectors.assessment_ids(year=year, province_code=province)
        found = []
        for start in range(0, len(ids), BATCH):
            batch = selectors.assessments_for_scoring(ids[start : start + BATCH])
            found += disagreements(list(batch.order_by("pk")))
        for assessment, stored, live in found:
            self.stdout.write(self._line(assessment, stored, live))
        summary = f"checked {len(ids)} assessment(s): {len(found)} stored result(s) disagree"
        if found:
            raise CommandError(summary)
        if verbosity:
            self.stdout.write(summary)

    @staticmethod
    def _line(assessment, stored: dict, live: dict) -> str:
        changed = ", ".join(
            f"{name} {_show(stored[name])} -> {_show(live[name])}"
            for name in stored
            if stored[name] != live[name]
        )
        commune = assessment.commune
        return (
            f"{assessment.pk} {commune.code} {commune.name} {assessment.year} "
            f"({assessment.status}): {changed}"
        )


def _show(value) -> str:
    # Dicts in key order: PostgreSQL's jsonb reorders them.
    return repr(dict(sorted(value.items())) if isinstance(value, dict) else value)
