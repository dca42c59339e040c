"""The bulk paths beside the services (an import, the demo) refuse what the services refuse,
before anything is written, and write the rows the services write."""

import pytest
from django.core.exceptions import ValidationError

from communes.models import Commune
from criteria.models import Assessment, AssessmentValue, WorkflowStep
from criteria.services import YearClosedError, close_year, create_assessment, move, save_values
from criteria.services.errors import StaleVersionError, WorkflowError
from criteria.services.values import NewAssessment, create_assessments
from criteria.services.workflow import move_many

VALUES = {"income": 55, "irrigation": 85, "plan": True}


def _nothing_written():
    return not Assessment.objects.exists() and not AssessmentValue.objects.exists()


def test_bulk_creation_matches_the_services_row_for_row(small_set, bach_dang, lang_son_commune):
    [bulk] = create_assessments(entries=[NewAssessment(bach_dang, 2023, VALUES)])
    one = create_assessment(commune=lang_son_commune, year=2023)
    save_values(assessment=one, values=VALUES, version=1)
    one.refresh_from_db()
    assert (bulk.level, bulk.criteria_met, bulk.version) == (one.level, one.criteria_met, 2)
    assert one.version == 2
    for assessment in (bulk, one):
        assert list(assessment.steps.values_list("action", flat=True)) == ["create"]
        assert sorted(assessment.history.values_list("history_type", flat=True)) == ["+", "~"]
        assert assessment.values.count() == 3
        assert AssessmentValue.history.filter(assessment_id=assessment.pk).count() == 3


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (lambda c: NewAssessment(c, 2031, VALUES), "No criteria set is in force in 2031."),
        (lambda c: NewAssessment(c, 2023, {"irrigation": 150}), "A percentage is between 0"),
        (
            lambda c: NewAssessment(Commune.objects.get(structure="2021", code="25933"), 2023, {}),
            "Only rural communes",
        ),
    ],
)
def test_one_bad_entry_refuses_them_all(small_set, bach_dang, lang_son_commune, entry, message):
    good = NewAssessment(lang_son_commune, 2023, VALUES)
    with pytest.raises(ValidationError, match=message):
        create_assessments(entries=[good, entry(bach_dang)])
    assert _nothing_written()


def test_a_commune_assessed_twice_or_in_a_closed_year_is_refused(small_set, bach_dang):
    twice = [NewAssessment(bach_dang, 2023, VALUES), NewAssessment(bach_dang, 2023, VALUES)]
    with pytest.raises(ValidationError, match="already has an assessment for 2023"):
        create_assessments(entries=twice)
    close_year(province=bach_dang.province, year=2023)
    with pytest.raises(YearClosedError):
        create_assessments(entries=[NewAssessment(bach_dang, 2023, VALUES)])
    assert _nothing_written()


def _read(*assessments) -> dict[int, int]:
    return {assessment.pk: assessment.version for assessment in assessments}


def test_moving_many_takes_the_steps_move_takes_or_none(small_set, bach_dang, lang_son_commune):
    first, second = create_assessments(
        entries=[
            NewAssessment(bach_dang, 2023, VALUES),
            NewAssessment(lang_son_commune, 2023, VALUES),
        ]
    )
    move(assessment=first, version=first.version, action="submit")
    with pytest.raises(WorkflowError, match="Cannot approve: the assessment is draft"):
        move_many(assessments=[first, second], action="approve", versions=_read(first, second))
    assert not WorkflowStep.objects.filter(action="approve").exists()
    with pytest.raises(ValidationError, match="a comment is required"):
        move_many(assessments=[first], action="return", versions=_read(first))
    move(assessment=second, version=second.version, action="submit")
    moved = move_many(
        assessments=[first, second],
        action="return",
        comment="Bổ sung minh chứng",
        versions=_read(first, second),
    )
    assert {a.status for a in moved} == {"returned"}
    returned = WorkflowStep.objects.filter(action="return").order_by("assessment_id")
    assert [(s.from_status, s.to_status, s.comment) for s in returned] == [
        ("submitted", "returned", "Bổ sung minh chứng")
    ] * 2
    assert {a.version for a in Assessment.objects.all()} == {4}
    # The caller's copies moved too: the next step goes on the versions they now hold.
    assert [(a.status, a.version) for a in (first, second)] == [("returned", 4)] * 2


def test_a_batch_with_a_stale_or_missing_version_moves_nothing(
    small_set, bach_dang, lang_son_commune
):
    first, second = create_assessments(
        entries=[
            NewAssessment(bach_dang, 2023, VALUES),
            NewAssessment(lang_son_commune, 2023, VALUES),
        ]
    )
    for assessment in (first, second):
        move(assessment=assessment, version=assessment.version, action="submit")
    read = _read(first, second)
    # Someone changes the Lạng Sơn commune's assessment after the approver read the batch.
    move(assessment=second, version=second.version, action="return", comment="Sửa thu nhập")
    move(assessment=second, version=second.version, action="submit")
    with pytest.raises(StaleVersionError) as stale:
        move_many(assessments=[first, second], action="approve", versions=read)
    assert stale.value.current_version == 5
    assert lang_son_commune.name in str(stale.value)
    assert "nothing in this batch was done" in str(stale.value)
    with pytest.raises(ValidationError) as missing:
        move_many(assessments=[first, second], action="approve", versions={first.pk: 3})
    assert "version" in missing.value.message_dict
    assert not WorkflowStep.objects.filter(action="approve").exists()
    assert sorted(Assessment.objects.values_list("status", "version")) == [
        ("submitted", 3),
        ("submitted", 5),
    ]
