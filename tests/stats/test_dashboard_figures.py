"""The figures a dashboard draws beyond the counts: shares, the criteria that hold communes
back, how many communes an average is over, criteria met as a histogram, OCOP by group, and
the trend over years in one call. Assessments are entered, submitted and approved through the
services, so that their stored criterion results are the real ones."""

import datetime

import pytest

from communes.models import Commune
from criteria.services import close_year, create_assessment, save_values
from ocop import services as ocop
from tests.criteria.builders import approved
from tests.ocop.builders import evaluate

pytestmark = pytest.mark.django_db

PROVINCE = "/api/v1/stats/provinces/74/"
NATIONAL = "/api/v1/stats/national/"
TREND = "/api/v1/stats/trend/"


@pytest.fixture
def communes(db):
    return list(
        Commune.objects.rural().filter(structure="2021", province__code="74").order_by("code")[:4]
    )


@pytest.fixture
def figures(small_set, communes):
    """Bình Dương (Southeast: income >= 50 at standard, >= 60 at advanced), 2023:
    A meets the three standard criteria; B fails income (45); C misses irrigation and fails
    the plan; D is a draft failing everything, and never counts."""
    a, b, c, d = communes
    approved(a, {"income": 55, "irrigation": 85, "plan": True})
    approved(b, {"income": 45, "irrigation": 85, "plan": True})
    approved(c, {"income": 60, "plan": False})
    draft = create_assessment(commune=d, year=2023)
    save_values(assessment=draft, values={"income": 1, "irrigation": 1, "plan": False}, version=1)
    return small_set


def _by_criterion(body):
    return {
        (c["level"], c["number"]): (c["met"], c["not_met"], c["incomplete"], c["not_met_share"])
        for c in body["criteria_difficulty"]
    }


def test_criteria_difficulty_counts_approved_results_by_criterion(client, figures):
    body = client.get(PROVINCE, {"year": 2023}).json()
    assert _by_criterion(body) == {
        ("standard", "1"): (2, 1, 0, 33.3),  # B's 45 fails
        ("standard", "2"): (2, 0, 1, 0.0),  # C's irrigation is missing
        ("standard", "3"): (2, 1, 0, 33.3),  # C's plan is not approved
        ("advanced", "1"): (1, 2, 0, 66.7),  # only C's 60 reaches 60
        ("advanced", "2"): (0, 0, 3, 0.0),  # nobody entered the craft plan
    }
    failed = [c["not_met"] for c in body["criteria_difficulty"]]
    assert failed == sorted(failed, reverse=True)  # the most failed first
    names = {c["number"]: c["name_vi"] for c in body["criteria_difficulty"]}
    assert names["1"] == "Tiêu chí 1"
    # The country's report counts the same assessments, once.
    assert _by_criterion(client.get(NATIONAL, {"year": 2023}).json()) == _by_criterion(body)


def test_shares_histogram_and_the_averages_denominator(client, figures):
    body = client.get(PROVINCE, {"year": 2023}).json()
    communes_total = body["communes_total"]
    assert (body["assessed"], body["avg_criteria_met_over"]) == (3, 3)  # the draft is not
    assert body["avg_criteria_met"] == 2.0  # (3 + 2 + 1) / 3
    assert body["criteria_met_histogram"] == {"1": 1, "2": 1, "3": 1}
    assert body["at_least"]["computed"] == {"standard": 1, "advanced": 0}
    assert body["shares"]["computed"] == {
        "standard": round(100 / communes_total, 1),
        "advanced": 0.0,
    }
    assert body["shares"]["recognized"] == {"standard": 0.0, "advanced": 0.0}


def test_ocop_products_by_group(client, figures, communes):
    maker = ocop.create_producer(name="HTX", kind="cooperative", commune=communes[0])
    for name, group in (("Trà", "drinks"), ("Gạo", "food"), ("Bún", "food")):
        product = ocop.create_product(producer=maker, name=name, group=group)
        evaluate(product, datetime.date(2023, 6, 1), score="75")
    body = client.get(PROVINCE, {"year": 2023}).json()
    assert body["ocop"]["by_group"] == {"drinks": 1, "food": 2}


def test_the_trend_of_the_country_and_of_a_province_in_one_call(client, figures, communes):
    approved(communes[3], {"income": 70, "irrigation": 90, "plan": True}, year=2022)
    body = client.get(TREND, {"first_year": 2021, "last_year": 2023}).json()
    assert body["unit"] == {"code": "VN", "name": "Việt Nam"}
    years = {y["year"]: y for y in body["years"]}
    assert list(years) == [2021, 2022, 2023]
    assert [years[y]["assessed"] for y in years] == [0, 1, 3]
    # The craft plan is not entered: the advanced level cannot be met.
    assert years[2022]["at_least"]["computed"] == {"standard": 1, "advanced": 0}
    assert years[2022]["avg_criteria_met"] == 3.0
    assert years[2023]["avg_criteria_met_over"] == 3
    assert years[2023]["shares"]["computed"]["standard"] == round(100 / 7717, 1)
    province = client.get(TREND, {"first_year": 2022, "last_year": 2023, "province": "74"})
    assert province.json()["unit"]["code"] == "74"
    assert [y["assessed"] for y in province.json()["years"]] == [1, 3]


def test_the_trend_costs_the_same_queries_for_one_province_or_many(
    client, figures, django_assert_max_num_queries
):
    params = {"first_year": 2022, "last_year": 2023}
    with django_assert_max_num_queries(20) as one:
        client.get(TREND, params)
    lang_son = Commune.objects.rural().filter(structure="2021", province__code="20").first()
    approved(lang_son, {"income": 70, "irrigation": 90, "plan": True})
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(TREND, params).json()["years"][1]["assessed"] == 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"first_year": 2023, "last_year": 2021}, "last_year"),
        ({"first_year": 2000, "last_year": 2023}, "last_year"),  # more than 15 years
        ({"first_year": 2019, "last_year": 2021}, "year"),  # no set in force in 2019
        ({"first_year": 2021, "last_year": 2023, "province": "7"}, "province"),
        ({"last_year": 2023}, "first_year"),
    ],
)
def test_a_bad_trend_is_a_400_that_says_which_parameter(client, figures, params, field):
    response = client.get(TREND, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_trend_of_an_unknown_province_is_a_404(client, figures):
    response = client.get(TREND, {"first_year": 2022, "last_year": 2023, "province": "99"})
    assert response.status_code == 404


PROGRESS = "/api/v1/stats/progress/"


def test_entry_progress_counts_drafts_for_the_national_office(client, cast, figures):
    close_year(province=cast.officer_74.portal_access.province, year=2023)
    client.force_login(cast.national)
    body = client.get(PROGRESS, {"year": 2023}).json()
    assert (body["year"], body["structure"]) == (2023, "2021")
    rows = {row["unit"]["code"]: row for row in body["provinces"]}
    assert len(rows) == 63
    binh_duong = rows["74"]
    assert binh_duong["by_status"] == {"draft": 1, "submitted": 0, "approved": 3, "returned": 0}
    assert binh_duong["entered"] == 4
    assert binh_duong["not_started"] == binh_duong["communes_total"] - 4
    assert binh_duong["closed_at"] is not None
    assert rows["20"]["entered"] == 0 and rows["20"]["closed_at"] is None


def test_entry_progress_is_for_staff_only_and_a_province_sees_its_own(client, cast, figures):
    assert client.get(PROGRESS, {"year": 2023}).status_code == 401
    client.force_login(cast.no_role)
    assert client.get(PROGRESS, {"year": 2023}).status_code == 403
    client.force_login(cast.officer_74)
    rows = client.get(PROGRESS, {"year": 2023}).json()["provinces"]
    assert [row["unit"]["code"] for row in rows] == ["74"]


def test_entry_progress_costs_fixed_queries(client, cast, figures, django_assert_max_num_queries):
    client.force_login(cast.national)
    client.get(PROGRESS, {"year": 2023})
    with django_assert_max_num_queries(12):
        assert client.get(PROGRESS, {"year": 2023}).status_code == 200
