"""Rescoring writes only what changed: an unchanged year costs reads and no write, and a
change rewrites the criterion results that differ, in place, leaving the others alone."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from criteria.models import Assessment, CriterionResult
from criteria.services import create_assessment, recompute, save_values
from tests.criteria.builders import first_edition

PASSING = {"income": 55, "irrigation": 85, "plan": True}


def _writes(queries) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(verbs)]


def _stored(assessment) -> dict:
    rows = CriterionResult.objects.filter(assessment=assessment)
    return {(r.criterion.level.code, r.criterion.number): (r.pk, r.status) for r in rows}


def _assessments(small_set, communes):
    first_edition(small_set)
    made = []
    for commune in communes:
        assessment = create_assessment(commune=commune, year=2024)
        save_values(assessment=assessment, values=PASSING, version=1)
        made.append(assessment)
    return made


def test_an_unchanged_rescoring_writes_nothing(small_set, bach_dang, lang_son_commune):
    made = _assessments(small_set, [bach_dang, lang_son_commune])
    before = {a.pk: _stored(a) for a in made}
    scored_at = dict(Assessment.objects.values_list("pk", "scored_at"))

    with CaptureQueriesContext(connection) as rescoring:
        assert recompute(year=2024) == 2

    assert _writes(rescoring.captured_queries) == []
    assert {a.pk: _stored(a) for a in made} == before
    assert dict(Assessment.objects.values_list("pk", "scored_at")) == scored_at


def test_a_change_rewrites_only_the_criterion_results_that_differ(small_set, bach_dang):
    (assessment,) = _assessments(small_set, [bach_dang])
    before = _stored(assessment)
    assert before[("standard", "2")][1] == "met"
    stored = Assessment.objects.get(pk=assessment.pk)

    # Irrigation falls below 80 %: one criterion (standard 2) changes, the level with it.
    with CaptureQueriesContext(connection) as saving:
        save_values(assessment=stored, values={"irrigation": 70}, version=stored.version)

    after = _stored(assessment)
    assert after[("standard", "2")] == (before[("standard", "2")][0], "not_met")
    assert {k: v for k, v in after.items() if k != ("standard", "2")} == {
        k: v for k, v in before.items() if k != ("standard", "2")
    }
    result_writes = [q for q in _writes(saving.captured_queries) if "criterionresult" in q]
    assert len(result_writes) == 1 and result_writes[0].lstrip().startswith("UPDATE")
    assessment.refresh_from_db()
    assert (assessment.level, assessment.criteria_met) == ("none", 2)
