"""The programme API fuzzed through its own OpenAPI schema, as tests/test_api_fuzz.py does for
the whole API: no server error, every response as the schema says."""

import pytest
import schemathesis
from knox.models import AuthToken

from ntm_portal.wsgi import application
from tests.test_api_fuzz import _fuzz, in_process_requests  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(cast, enter, lang_son):
    """An approved record of each kind for the generated requests to find."""
    officer, approver = cast.officer_20, cast.approver_20
    base = {"province": "20", "year": 2021}
    commune = lang_son[0].code
    enter(
        officer,
        approver,
        "fundings",
        {**base, "source": "credit", "kind": "actual"} | {"amount": 5},
    )
    work = {"commune": commune, "year": 2021, "kind": "school", "mode": "new", "quantity": 2}
    enter(officer, approver, "works", work)
    enter(officer, approver, "production-models", {**base, "name": "Hồi", "communes": [commune]})
    title = {"kind": "model_area", "commune": commune, "year": 2021, "holder": "Thôn A"}
    title |= {"decision_number": "1/QĐ", "decision_date": "2021-12-01"}
    enter(officer, None, "hamlet-titles", title)
    enter(officer, approver, "plans", {**base, "kind": "model_areas", "value": 2})
    enter(officer, approver, "figures", {**base, "kind": "average_criteria", "value": "14.03"})
    return AuthToken.objects.create(user=cast.national)[1]


def test_no_server_error_and_every_response_matches_the_schema(token, in_process_requests):  # noqa: F811
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    headers = {"Authorization": f"Token {token}"}
    failures, labels = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        if "/api/v1/programme/" in operation.path:
            labels.append(operation.label)
            failures += _fuzz(operation, headers)
    assert "GET /api/v1/programme/stats/provinces/{code}/" in labels
    assert failures == []
