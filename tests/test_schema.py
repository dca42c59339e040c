"""The OpenAPI document: valid OpenAPI 3, every endpoint in it, docs served without a CDN."""

import pytest
import yaml
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3(schema):
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 JSON schema
    assert schema["openapi"].startswith("3.")


def test_schema_documents_every_unit_endpoint_and_filter(schema):
    paths = schema["paths"]
    for unit in ("provinces", "districts", "communes"):
        assert f"/api/v1/{unit}/" in paths
        assert f"/api/v1/{unit}/{{code}}/" in paths
    params = {p["name"] for p in paths["/api/v1/communes/"]["get"]["parameters"]}
    assert params >= {
        "province",
        "district",
        "region",
        "kind",
        "search",
        "structure",
        "page",
        "page_size",
    }
    detail = paths["/api/v1/communes/{code}/"]["get"]
    assert set(detail["responses"]) == {"200", "400", "401", "404", "429"}
    example = detail["responses"]["200"]["content"]["application/json"]["examples"]
    assert example["XãBạchĐằng"]["value"]["code"] == "25930"


def test_schema_documents_the_criteria_api(schema):
    paths = schema["paths"]
    assert {
        "/api/v1/auth/token/",
        "/api/v1/criteria-sets/",
        "/api/v1/criteria-sets/{code}/",
        "/api/v1/assessments/",
        "/api/v1/assessments/{id}/",
        "/api/v1/assessments/{id}/submit/",
        "/api/v1/assessments/{id}/approve/",
        "/api/v1/assessments/{id}/return/",
        "/api/v1/assessments/{id}/reopen/",
        "/api/v1/recognitions/",
        "/api/v1/recognitions/{id}/revoke/",
        "/api/v1/targets/",
        "/api/v1/targets/{id}/",
    } <= set(paths)
    patch = paths["/api/v1/assessments/{id}/"]["patch"]
    assert set(patch["responses"]) == {"200", "400", "401", "403", "404", "409", "429"}
    body = patch["requestBody"]["content"]["application/json"]
    assert body["examples"]["SaveTwoValues"]["value"]["version"] == 3
    communes = {p["name"] for p in paths["/api/v1/communes/"]["get"]["parameters"]}
    assert communes >= {"year", "level", "recognized_level", "min_criteria_met", "status"}


def test_schema_says_a_workflow_step_needs_the_version_read(schema):
    body = schema["components"]["schemas"]["StepInputRequest"]
    assert "version" in body["required"]
    for step in ("submit", "approve", "return", "reopen"):
        post = schema["paths"][f"/api/v1/assessments/{{id}}/{step}/"]["post"]
        assert {"400", "409"} <= set(post["responses"])
        conflict = post["responses"]["409"]["content"]["application/json"]["schema"]["$ref"]
        assert conflict.endswith("/Conflict")
        assert "`current_version`" in post["description"]


def test_docs_page_uses_local_assets(client):
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
