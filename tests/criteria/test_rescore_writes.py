"""Rescoring writes only what changed: an unchanged year costs reads and no write, and a
change rewrites the criterion results that differ, in place, leaving the others alone. On
PostgreSQL each assessment's stored statuses are read as one line and compared; those that
differ are mended where they are stored, by one statement that changes the rows that differ
and no other (stats.freshness counts no write when none does)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from criteria.models import Assessment, CriterionResult
from criteria.services import create_assessment, recompute, save_values
from stats import freshness
from tests.criteria.builders import first_edition

PASSING = {"income": 55, "irrigation": 85, "plan": True}


def _writes(queries) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(verbs)]


def _comparing(queries) -> list[str]:
    """PostgreSQL's one statement for the criterion results (WITH ... INSERT)."""
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("WITH WANTED")]


POSTGRESQL = connection.vendor == "postgresql"


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

    version = freshness.version()
    with CaptureQueriesContext(connection) as rescoring:
        assert recompute(year=2024) == 2

    assert _writes(rescoring.captured_queries) == []
    assert _comparing(rescoring.captured_queries) == []  # the lines compared were the same
    assert freshness.version() == version  # no row written by any statement
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
    if POSTGRESQL:
        assert result_writes == [] and len(_comparing(saving.captured_queries)) == 1
    else:
        assert len(result_writes) == 1 and result_writes[0].lstrip().startswith("UPDATE")
    assessment.refresh_from_db()
    assert (assessment.level, assessment.criteria_met) == ("none", 2)


def test_missing_stray_and_changed_rows_are_mended_together(small_set, bach_dang):
    """The stored rows become exactly the wanted ones in one rescoring: a missing row added,
    a row of a criterion the set does not have deleted, a stale status changed in place."""
    from criteria.models import CriteriaSet, Criterion, Level

    (assessment,) = _assessments(small_set, [bach_dang])
    wanted = {key: status for key, (_pk, status) in _stored(assessment).items()}
    other = CriteriaSet.objects.create(
        code="OTHER", name_vi="Khác", name_en="Other", legal_basis="test", first_year=2021,
        last_year=2025,
    )  # fmt: skip
    stray_level = Level.objects.create(criteria_set=other, code="x", rank=1, name_vi="x")
    stray = Criterion.objects.create(level=stray_level, number="9", name_vi="x", order=9)
    rows = CriterionResult.objects.filter(assessment=assessment)
    rows.filter(criterion__level__code="standard", criterion__number="1").delete()
    changed = rows.get(criterion__level__code="standard", criterion__number="2")
    rows.filter(pk=changed.pk).update(status="incomplete")
    CriterionResult.objects.create(assessment=assessment, criterion=stray, status="met")

    assert recompute(year=2024) == 1

    after = _stored(assessment)
    assert {key: status for key, (_pk, status) in after.items()} == wanted
    assert after[("standard", "2")][0] == changed.pk  # changed in place
    assert not CriterionResult.objects.filter(criterion=stray).exists()
