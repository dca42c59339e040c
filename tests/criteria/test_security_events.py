"""The sensitive steps of the programme's data are in the security log, with who took them and
from where: approving, returning and reopening an assessment, closing and reopening a year."""

import pytest

from accounts.models import SecurityEvent
from criteria.services import close_year, create_assessment, move, reopen_year, save_values

pytestmark = pytest.mark.django_db
PASSING = {"income": 55, "irrigation": 85, "plan": True}


def _events(kind):
    return [(e.username, e.address, e.detail) for e in SecurityEvent.objects.filter(kind=kind)]


def test_an_approval_through_the_api_is_logged_with_who_and_where(api, cast, small_set, bach_dang):
    assessment = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=assessment, values=PASSING, version=1)
    move(assessment=assessment, version=assessment.version, action="submit", user=cast.officer_74)
    assert _events("step_taken") == []  # submitting is routine
    url = f"/api/v1/assessments/{assessment.pk}/approve/"
    response = api(cast.approver_74).post(url, {"version": assessment.version}, "json")
    assert response.status_code == 200
    assert _events("step_taken") == [
        (
            "approver_74",
            "127.0.0.1",
            {"action": "approve", "years": [2023], "count": 1, "assessments": [assessment.pk]},
        )
    ]


def test_closing_and_reopening_a_year_are_logged(cast, small_set, bach_dang):
    province = bach_dang.province
    close_year(province=province, year=2023, user=cast.approver_74)
    reopen_year(province=province, year=2023, reason="Gia hạn báo cáo", user=cast.approver_74)
    assert _events("year_closed") == [("approver_74", None, {"province": "74", "year": 2023})]
    assert _events("year_reopened") == [
        ("approver_74", None, {"province": "74", "year": 2023, "reason": "Gia hạn báo cáo"})
    ]
