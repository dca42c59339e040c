"""Input no database can store, or no parser should chase, is a 400 that names it and writes
nothing: JSON nested a thousand deep, a lone surrogate or a null character in any string, and
notes or comments past the documented length (core.text.MAX_TEXT)."""

import json

import pytest

from core.text import MAX_TEXT
from criteria.models import AssessmentValue
from criteria.services import create_assessment


@pytest.fixture
def officer(client, cast):
    client.force_login(cast.officer_74)
    return client


def _post(client, url, body: str, method="post"):
    return getattr(client, method)(url, body, content_type="application/json")


def test_json_nested_a_thousand_deep_is_a_400_not_a_500(client, db):
    body = "[" * 950 + "]" * 950
    response = _post(client, "/api/v1/auth/token/", body)
    assert response.status_code == 400
    assert "nested deeper" in response.json()["message"]


def test_nesting_past_the_bound_is_refused_even_below_the_recursion_limit(client, db):
    nested = "x"
    for _level in range(40):  # 40 levels: past the parser's 32, far below Python's limit
        nested = [nested]
    body = json.dumps({"username": nested})
    response = _post(client, "/api/v1/auth/token/", body)
    assert response.status_code == 400


@pytest.mark.parametrize("bad", ['"\\ud800"', '"a\\u0000b"'])
def test_a_lone_surrogate_or_a_null_in_a_note_is_a_400_naming_it(
    officer, small_set, bach_dang, bad
):
    assessment = create_assessment(commune=bach_dang, year=2023)
    body = '{"version": 1, "values": {"income": {"value": 55, "note": ' + bad + "}}}"
    response = _post(officer, f"/api/v1/assessments/{assessment.pk}/", body, "patch")
    assert response.status_code == 400
    assert "$.values.income.note" in response.json()["message"]
    assert not AssessmentValue.objects.exists()


def test_a_note_past_the_limit_is_refused_at_its_measure(officer, small_set, bach_dang):
    assessment = create_assessment(commune=bach_dang, year=2023)
    note = "x" * (MAX_TEXT + 1)
    body = json.dumps({"version": 1, "values": {"income": {"value": 55, "note": note}}})
    response = _post(officer, f"/api/v1/assessments/{assessment.pk}/", body, "patch")
    assert response.status_code == 400
    assert "at most 2000 characters" in json.dumps(response.json()["errors"]["income"])
    assert not AssessmentValue.objects.exists()
    body = json.dumps({"version": 1, "values": {"income": {"value": 55, "note": "x" * MAX_TEXT}}})
    assert _post(officer, f"/api/v1/assessments/{assessment.pk}/", body, "patch").status_code == 200
