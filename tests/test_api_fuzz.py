"""The whole API fuzzed through its own OpenAPI schema (schemathesis): for every operation,
generated requests, valid and invalid, as a national user who may reach everything. No
response may be a server error, and every response must match the schema. Derandomized, so
a run is repeatable; a failure names the operation and the request."""

import datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from criteria.models import Recognition, Target
from criteria.services import create_assessment, move, save_values
from ntm_portal.wsgi import application
from ocop import services as ocop

pytestmark = pytest.mark.django_db

EXAMPLES = 12  # per operation: enough to reach validation and lookups, quick on two cores


@pytest.fixture
def token(small_set, cast, bach_dang, lang_son_commune):
    """Something of everything for the generated requests to find."""
    draft = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=draft, values={"income": 55, "plan": True}, version=1)
    approved = create_assessment(commune=lang_son_commune, year=2023)
    move(assessment=approved, version=approved.version, action="submit")
    move(assessment=approved, version=approved.version, action="approve")
    standard = small_set.levels.get(code="standard")
    Recognition.objects.create(
        commune=bach_dang,
        level=standard,
        title_year=2023,
        decision_number="1/QĐ-UBND",
        decision_date=datetime.date(2024, 1, 5),
        issuer="UBND tỉnh Bình Dương",
    )
    Target.objects.create(province=bach_dang.province, year=2025, level=standard, percent=95)
    _ocop_registry(bach_dang)
    return AuthToken.objects.create(user=cast.national)[1]


def _ocop_registry(commune) -> None:
    """A producer with a certified product and an uncertified one, and a revoked rating."""
    producer = ocop.create_producer(
        name="HTX Bạch Đằng", kind="cooperative", commune=commune, tax_code="3702123456"
    )
    certified = ocop.create_product(producer=producer, name="Bưởi da xanh", group="food")
    ocop.record_evaluation(
        product=certified,
        score="78.5",
        part_a="30",
        part_b="18.5",
        part_c="30",
        level="province",
        decision_number="1234/QĐ-UBND",
        decision_date=datetime.date(2024, 5, 10),
    )
    revoked = ocop.create_product(producer=producer, name="Nem chua", group="food")
    evaluation = ocop.record_evaluation(
        product=revoked,
        score="55",
        level="district",
        decision_number="7/QĐ-UBND",
        decision_date=datetime.date(2022, 3, 1),
    )
    ocop.revoke_evaluation(
        evaluation=evaluation,
        revoked_date=datetime.date(2023, 1, 5),
        reason="Vi phạm",
        decision="9/QĐ-UBND",
    )


def _fuzz(operation, headers: dict) -> list[str]:
    failures: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        try:
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )
        except AssertionError as error:
            failures.append(f"{operation.label}: {str(error)[:600]}")

    run()
    return failures


@pytest.fixture
def in_process_requests():
    """Requests served in the test's own transaction, as Django's test client does: the
    request signals must not close the connection (PostgreSQL would lose the transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_server_error_and_every_response_matches_the_schema(token, in_process_requests):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    headers = {"Authorization": f"Token {token}"}
    failures, labels = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        failures += _fuzz(operation, headers)
    assert "PATCH /api/v1/assessments/{id}/" in labels
    assert "GET /api/v1/stats/national/" in labels
    assert "POST /api/v1/ocop/evaluations/{id}/revoke/" in labels
    assert failures == []
