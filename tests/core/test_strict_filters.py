"""Every list endpoint's filters are strict (core.filters): a value that is not a boolean, not a
whole number, outside the years the portal keeps, or not one of the choices is a 400 naming the
parameter and why, never silently ignored. And every /api/ URL answers JSON, even one that no
route matches."""

import datetime

import pytest

from criteria.models import Recognition
from criteria.services import create_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def recognitions(small_set, bach_dang):
    """One recognition in force and one revoked, in Bình Dương."""
    standard = small_set.levels.get(code="standard")
    common = {"level": standard, "decision_date": datetime.date(2024, 1, 5), "issuer": "UBND"}
    held = Recognition.objects.create(
        commune=bach_dang, title_year=2023, decision_number="1/QĐ", **common
    )
    revoked = Recognition.objects.create(
        commune=bach_dang,
        title_year=2022,
        decision_number="2/QĐ",
        revoked_date=datetime.date(2024, 6, 1),
        revoked_reason="Không còn đạt",
        **common,
    )
    return held, revoked


def _refused(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    body = response.json()
    assert (body["status"], body["code"]) == (400, "invalid")
    return body["errors"]


BAD = [
    ("/api/v1/recognitions/?revoked=-194", "revoked", "Enter true or false."),
    ("/api/v1/recognitions/?revoked=yes", "revoked", "Enter true or false."),
    ("/api/v1/recognitions/?title_year=0.5", "title_year", "Enter a whole number."),
    ("/api/v1/assessments/?year=0.5", "year", "Enter a whole number."),
    ("/api/v1/assessments/?year=2023.0", "year", "Enter a whole number."),
    ("/api/v1/assessments/?year=abc", "year", "Enter a whole number."),
    (
        "/api/v1/assessments/?year=1999",
        "year",
        "Ensure this value is greater than or equal to 2000.",
    ),
    ("/api/v1/targets/?year=2101", "year", "Ensure this value is less than or equal to 2100."),
    ("/api/v1/communes/?year=0.5", "year", "Enter a whole number."),
    ("/api/v1/districts/?year=99999", "year", "Ensure this value is less than or equal to 2100."),
    ("/api/v1/provinces/?year=x", "year", "Enter a whole number."),
    (
        "/api/v1/communes/?year=2023&min_criteria_met=1.5",
        "min_criteria_met",
        "Enter a whole number.",
    ),
    (
        "/api/v1/communes/?year=2023&min_criteria_met=" + "9" * 30,
        "min_criteria_met",
        "Ensure this value is less than or equal to 100.",
    ),
    ("/api/v1/ocop/products/?certified=maybe", "certified", "Enter true or false."),
    ("/api/v1/ocop/products/?expiring_within=1.5", "expiring_within", "Enter a whole number."),
    ("/api/v1/ocop/products/?producer=abc", "producer", "Enter a whole number."),
    ("/api/v1/ocop/evaluations/?revoked=2", "revoked", "Enter true or false."),
    ("/api/v1/ocop/evaluations/?product=1e3", "product", "Enter a whole number."),
]


@pytest.mark.parametrize(("url", "name", "why"), BAD)
def test_a_bad_value_is_a_400_naming_the_filter_and_why(url, name, why, api, small_set):
    assert _refused(api(), url) == {name: [why]}


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/assessments/?status=finished", "status"),
        ("/api/v1/communes/?kind=village", "kind"),
        ("/api/v1/provinces/?region=atlantis", "region"),
        ("/api/v1/ocop/producers/?kind=guild", "kind"),
        ("/api/v1/ocop/products/?stars=6", "stars"),
        ("/api/v1/ocop/evaluations/?level=galactic", "level"),
        ("/api/v1/communes/?structure=1999", "structure"),
    ],
)
def test_an_unknown_choice_is_a_400_naming_the_filter(url, name, api, small_set):
    errors = _refused(api(), url)
    assert list(errors) == [name]
    assert "is not one of the available choices" in errors[name][0]


def test_a_boolean_filter_reads_true_and_false(api, recognitions):
    held, revoked = recognitions
    client = api()

    def ids(query):
        return {r["id"] for r in client.get(f"/api/v1/recognitions/{query}").json()["results"]}

    assert ids("?revoked=true") == ids("?revoked=1") == ids("?revoked=True") == {revoked.pk}
    assert ids("?revoked=false") == ids("?revoked=0") == {held.pk}
    assert ids("?revoked=") == ids("") == {held.pk, revoked.pk}  # empty: no filter


def test_a_whole_year_filters(cast, api, small_set, bach_dang):
    assessment = create_assessment(commune=bach_dang, year=2023)
    client = api(cast.national)

    def found(query):
        return [a["id"] for a in client.get(f"/api/v1/assessments/{query}").json()["results"]]

    assert found("?year=2023") == [assessment.pk]
    assert found("?year=2024") == []


@pytest.mark.parametrize(
    "path", ["/api/v1/communes/?province=", "/api/v1/ocop/products/?province="]
)
def test_a_code_of_other_digits_is_refused_as_the_schema_says(client, path):
    """Arabic-Indic or full-width digits passed Python's \\d and found nothing (200, count 0),
    where the schema's pattern (ASCII, as JSON Schema reads it) says they are not a code."""
    for code in ("٢٢", "２２"):
        response = client.get(path + code)
        assert response.status_code == 400, code
        assert response.json()["errors"] == {"province": ["Enter a code of 2 digits."]}


def test_the_schema_documents_what_the_filters_accept(client):
    schema = client.get("/api/schema/?format=json").json()
    params = lambda path: {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}  # noqa: E731
    year = params("/api/v1/assessments/")["year"]["schema"]
    assert (year["type"], year["minimum"], year["maximum"]) == ("integer", 2000, 2100)
    assert params("/api/v1/recognitions/")["revoked"]["schema"]["type"] == "boolean"
    assert params("/api/v1/communes/")["province"]["schema"]["pattern"] == r"^[0-9]{2}$"
    assert params("/api/v1/ocop/products/")["expiring_within"]["schema"]["maximum"] == 3660
    for path in ("/api/v1/assessments/", "/api/v1/recognitions/", "/api/v1/ocop/products/"):
        assert "400" in schema["paths"][path]["get"]["responses"]


# --- JSON from every /api/ URL ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/assessments/abc/",
        "/api/v1/assessments/1.5/",
        "/api/v1/assessments/99999999/",
        "/api/v1/no-such-thing/",
        "/api/v2/",
        "/api/",
    ],
)
def test_every_api_url_answers_json_404(url, api):
    response = api().get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert (body["status"], body["code"]) == (404, "not_found")
    assert body["message"]


def test_a_page_outside_the_api_keeps_its_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- paging and codes, as the schema documents them -------------------------------------------


@pytest.mark.parametrize("size", ["abc", "0", "-1", "2.5", "١٢"])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_a_400(api, size):
    response = api().get(f"/api/v1/provinces/?page_size={size}")
    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]


def test_a_page_size_past_the_maximum_gives_the_maximum(api):
    assert api().get("/api/v1/communes/?page_size=100000").json()["results"].__len__() == 500


@pytest.mark.parametrize("page", ["0", "99999", "-1", "abc", "1.5", "166459766528973408"])
def test_a_page_outside_the_list_is_the_documented_404(api, page):
    response = api().get(f"/api/v1/provinces/?page={page}")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_schema_documents_paging_bounds_code_patterns_and_common_answers(api):
    schema = api().get("/api/schema/?format=json").json()
    listing = schema["paths"]["/api/v1/communes/"]["get"]
    params = {p["name"]: p["schema"] for p in listing["parameters"]}
    assert params["page"]["minimum"] == 1
    assert (params["page_size"]["minimum"], params["page_size"]["maximum"]) == (1, 500)
    for path, digits in [("provinces", 2), ("districts", 3), ("communes", 5)]:
        (code,) = schema["paths"][f"/api/v1/{path}/{{code}}/"]["get"]["parameters"][:1]
        assert code["schema"]["pattern"] == f"^[0-9]{{{digits}}}$"
    for operations in schema["paths"].values():
        for operation in operations.values():
            assert {"401", "429"} <= set(operation["responses"])


@pytest.mark.parametrize(
    ("size", "page", "rows", "count", "counts"),
    [
        (50, 1, 34, 34, 0),  # the whole list on a page that is not full: no count query
        (34, 1, 34, 34, 1),  # a full page may not be the last: counted
        (10, 1, 10, 34, 1),
        (10, 4, 4, 34, 1),  # another page: counted first, as Django does
        (17, 2, 17, 34, 1),
    ],
)
def test_a_page_is_counted_by_a_query_only_when_it_is_full(
    api, size, page, rows, count, counts, django_assert_num_queries
):
    """core.api.ReadFirstPaginator: the same answer as Django's count, without its query
    for a list that ends on its first page (the 34 provinces of the latest map: its structure, the
    page, and the count when it is full)."""
    with django_assert_num_queries(2 + counts):
        body = api().get(f"/api/v1/provinces/?page_size={size}&page={page}").json()
    assert (len(body["results"]), body["count"]) == (rows, count)
    assert (body["next"] is None) == (page * size >= count)
    assert (body["previous"] is None) == (page == 1)


def test_an_empty_list_is_one_page_of_nothing(api, django_assert_num_queries):
    with django_assert_num_queries(2):  # the latest structure, the (empty) page
        body = api().get("/api/v1/provinces/?search=nowhere").json()
    assert (body["count"], body["results"], body["next"]) == (0, [], None)
