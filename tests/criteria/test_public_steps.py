"""Who took an assessment's workflow steps, and their comments, are internal: the public (and
users of other provinces) see an approved assessment's steps without them; the province's
staff and national users see them all."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from criteria.services import create_assessment, move

pytestmark = pytest.mark.django_db

URL = "/api/v1/assessments/"


@pytest.fixture
def approved(cast, small_set, bach_dang):
    """Bạch Đằng (74), 2023: returned once with a comment, then approved."""
    assessment = create_assessment(commune=bach_dang, year=2023, user=cast.officer_74)
    move(assessment=assessment, version=assessment.version, action="submit", user=cast.officer_74)
    move(
        assessment=assessment,
        version=assessment.version,
        action="return",
        user=cast.approver_74,
        comment="Thiếu minh chứng",
    )
    move(assessment=assessment, version=assessment.version, action="submit", user=cast.officer_74)
    return move(
        assessment=assessment, version=assessment.version, action="approve", user=cast.approver_74
    )


def _steps(client, assessment) -> list[dict]:
    response = client.get(f"{URL}{assessment.pk}/")
    assert response.status_code == 200
    return [{k: v for k, v in step.items() if k != "at"} for step in response.json()["steps"]]


@pytest.mark.parametrize("who", [None, "officer_20", "approver_20", "no_role"])
def test_the_public_sees_the_steps_without_names_or_comments(who, cast, api, approved):
    client = api(getattr(cast, who) if who else None)
    steps = _steps(client, approved)
    assert steps[2] == {
        "action": "return",
        "from_status": "submitted",
        "to_status": "returned",
        "comment": None,
        "user": None,
    }
    assert [step["action"] for step in steps] == ["create", "submit", "return", "submit", "approve"]
    assert all(step["user"] is None and step["comment"] is None for step in steps)
    assert "approver_74" not in client.get(f"{URL}{approved.pk}/").content.decode()


@pytest.mark.parametrize("who", ["viewer_74", "officer_74", "approver_74", "national"])
def test_staff_of_the_province_and_national_users_see_them(who, cast, api, approved):
    steps = _steps(api(getattr(cast, who)), approved)
    assert steps[2] == {
        "action": "return",
        "from_status": "submitted",
        "to_status": "returned",
        "comment": "Thiếu minh chứng",
        "user": "approver_74",
    }
    assert [step["user"] for step in steps] == [
        "officer_74",
        "officer_74",
        "approver_74",
        "officer_74",
        "approver_74",
    ]


def test_the_answer_to_a_step_hides_them_too(cast, api, small_set, bach_dang):
    """A step's own answer is the detail too: an officer of 74 who submits sees the names."""
    assessment = create_assessment(commune=bach_dang, year=2023, user=cast.officer_74)
    response = api(cast.officer_74).post(
        f"{URL}{assessment.pk}/submit/", {"version": assessment.version}, "json"
    )
    assert [step["user"] for step in response.json()["steps"]] == ["officer_74", "officer_74"]


def test_hiding_costs_no_query(cast, api, approved):
    def count(user) -> int:
        client = api(user)
        client.get(f"{URL}{approved.pk}/")  # warm caches (content types, sets)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{URL}{approved.pk}/").status_code == 200
        return len(queries)

    # The staff's answer and the public's read the same rows: the rule adds no query.
    assert count(cast.officer_20) == count(cast.officer_74)
