"""The workflow: draft -> submitted -> approved, returned with a comment, reopened with a reason;
each step on record; values change only while the province works on the assessment."""

import pytest
from django.core.exceptions import ValidationError

from criteria.models import WorkflowStep
from criteria.services import (
    LockedError,
    StaleVersionError,
    WorkflowError,
    create_assessment,
    move,
    save_values,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(small_set, bach_dang):
    return create_assessment(commune=bach_dang, year=2023)


def _steps(assessment):
    return list(
        WorkflowStep.objects.filter(assessment=assessment).values_list(
            "action", "from_status", "to_status", "comment"
        )
    )


def test_the_full_cycle_is_recorded_step_by_step(assessment, django_user_model):
    officer = django_user_model.objects.create(username="officer")
    move(assessment=assessment, version=assessment.version, action="submit", user=officer)
    move(
        assessment=assessment,
        version=assessment.version,
        action="return",
        user=officer,
        comment="Thiếu minh chứng",
    )
    move(assessment=assessment, version=assessment.version, action="submit", user=officer)
    approved = move(
        assessment=assessment, version=assessment.version, action="approve", user=officer
    )
    assert (approved.status, approved.version) == ("approved", 5)
    assert _steps(assessment) == [
        ("create", "", "draft", ""),
        ("submit", "draft", "submitted", ""),
        ("return", "submitted", "returned", "Thiếu minh chứng"),
        ("submit", "returned", "submitted", ""),
        ("approve", "submitted", "approved", ""),
    ]
    assert WorkflowStep.objects.filter(assessment=assessment, user=officer).count() == 4


@pytest.mark.parametrize(
    ("path", "action", "status"),
    [
        ([], "approve", "draft"),
        ([], "return", "draft"),
        ([], "reopen", "draft"),
        (["submit"], "submit", "submitted"),
        (["submit", "approve"], "approve", "approved"),
        (["submit", "approve"], "submit", "approved"),
    ],
)
def test_a_step_that_does_not_fit_the_status_is_refused(assessment, path, action, status):
    for step in path:
        move(assessment=assessment, version=assessment.version, action=step, comment="x")
    before = _steps(assessment)
    with pytest.raises(WorkflowError, match=f"the assessment is {status}"):
        move(assessment=assessment, version=assessment.version, action=action, comment="x")
    assessment.refresh_from_db()
    assert assessment.status == status
    assert _steps(assessment) == before


@pytest.mark.parametrize("action", ["return", "reopen"])
def test_return_and_reopen_need_a_comment(assessment, action):
    move(assessment=assessment, version=assessment.version, action="submit")
    if action == "reopen":
        move(assessment=assessment, version=assessment.version, action="approve")
    with pytest.raises(ValidationError) as error:
        move(assessment=assessment, version=assessment.version, action=action, comment="   ")
    assert "comment" in error.value.message_dict


def test_reopened_assessment_is_editable_again_and_must_be_approved_again(assessment):
    move(assessment=assessment, version=assessment.version, action="submit")
    approved = move(assessment=assessment, version=assessment.version, action="approve")
    with pytest.raises(LockedError, match="approved and locked"):
        save_values(assessment=assessment, values={"income": 50}, version=approved.version)
    reopened = move(
        assessment=assessment,
        version=assessment.version,
        action="reopen",
        comment="Sai số liệu thu nhập",
    )
    assert reopened.status == "returned"
    save_values(assessment=assessment, values={"income": 50}, version=reopened.version)
    assert assessment.values.get(measure__code="income").number == 50


def test_a_submitted_assessment_cannot_be_edited(assessment):
    submitted = move(assessment=assessment, version=assessment.version, action="submit")
    with pytest.raises(LockedError, match="submitted for approval"):
        save_values(assessment=assessment, values={"income": 50}, version=submitted.version)
    assert not assessment.values.exists()


def test_a_stale_version_is_refused_for_a_step(assessment):
    with pytest.raises(StaleVersionError) as error:
        move(assessment=assessment, action="submit", version=assessment.version + 1)
    assert error.value.current_version == assessment.version
    assessment.refresh_from_db()
    assert assessment.status == "draft"


def test_a_step_needs_the_version_read(assessment):
    with pytest.raises(ValidationError) as error:
        move(assessment=assessment, action="submit", version=None)
    assert list(error.value.message_dict) == ["version"]
    assessment.refresh_from_db()
    assert (assessment.status, assessment.version) == ("draft", 1)
    assert _steps(assessment) == [("create", "", "draft", "")]


def test_the_callers_copy_is_moved_with_the_row(assessment):
    moved = move(assessment=assessment, action="submit", version=1)
    assert (assessment.status, assessment.version) == (moved.status, moved.version)
    assert (assessment.status, assessment.version) == ("submitted", 2)
    move(assessment=assessment, action="approve", version=assessment.version)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.version) == ("approved", 3)


def test_an_unknown_step_is_refused(assessment):
    with pytest.raises(ValidationError, match="Unknown step"):
        move(assessment=assessment, version=assessment.version, action="publish")
