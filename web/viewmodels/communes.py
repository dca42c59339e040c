"""A commune's page: its years with their levels, and its recognitions."""

from dataclasses import dataclass

from communes.models import Commune
from criteria import selectors
from criteria.models import Assessment, Level, Recognition
from criteria.selectors import Ladder


@dataclass
class AssessmentRow:
    assessment: Assessment
    ladder: Ladder

    @property
    def computed(self) -> Level | None:
        return self.ladder.level(self.assessment.level)

    @property
    def by_level(self) -> list[tuple[Level, int, int]]:
        """(level, criteria met, criteria in the level) in rank order, as last scored."""
        stored = self.assessment.criteria_met_by_level or {}
        return [
            (level, *stored.get(level.code, (0, level.criteria_count)))
            for level in self.ladder.levels
        ]


def assessment_rows(assessments: list[Assessment]) -> list[AssessmentRow]:
    """Each assessment with its set's ladder: 1 query for the ladders."""
    ladders = selectors.ladders_for_sets(a.criteria_set_id for a in assessments)
    return [AssessmentRow(a, ladders.get(a.criteria_set_id, Ladder(None))) for a in assessments]


def commune_years(commune: Commune) -> tuple[list[AssessmentRow], list[Recognition]]:
    """Every assessment of the commune (newest first) and every recognition: 3 queries."""
    rows = assessment_rows(selectors.commune_assessments(commune))
    return rows, selectors.commune_recognitions(commune)


@dataclass
class PredecessorRows:
    predecessor: selectors.Predecessor
    rows: list[AssessmentRow]

    @property
    def partial(self) -> bool:
        return self.predecessor.link.is_partial


def predecessor_history(commune: Commune, access) -> list[PredecessorRows]:
    """The old units a new commune came from, each with its years as AssessmentRows: 4
    queries (selectors.predecessors_with_results, and the ladders)."""
    found = selectors.predecessors_with_results(commune, access)
    rows = assessment_rows([a for p in found for a in p.assessments])
    by_assessment = {row.assessment.pk: row for row in rows}
    return [PredecessorRows(p, [by_assessment[a.pk] for a in p.assessments]) for p in found]
