"""Whatever the database holds, scoring never raises: a rule that cannot be applied (relative
thresholds in a cycle) is reported on the result, in the API, on the page and in the report,
and the indicator is not configured; nothing answers 500."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from criteria.models import Indicator, Threshold
from criteria.services import create_assessment, recompute, save_values


@pytest.fixture
def cycle(small_set):
    """Standard income 1.1 as 1.1 x advanced income, advanced 1.1 as 1.1 x standard 1.1."""
    standard = Indicator.objects.get(criterion__level__code="standard", code="1.1")
    advanced = Indicator.objects.get(criterion__level__code="advanced", code="1.1")
    Threshold.objects.filter(indicator__in=[standard, advanced]).delete()
    for indicator, other in ((standard, advanced), (advanced, standard)):
        Threshold.objects.create(
            indicator=indicator, scope="national", relative_to=other, factor=Decimal("1.1")
        )
    return small_set


def test_the_api_answers_and_says_why(api, cast, cycle, bach_dang):
    client = api(cast.officer_74)
    created = client.post("/api/v1/assessments/", {"commune": "25930", "year": 2023}, format="json")
    assert created.status_code == 201
    detail = client.get(f"/api/v1/assessments/{created.json()['id']}/").json()
    income = detail["result"]["levels"][0]["criteria"][0]["indicators"][0]
    assert (income["code"], income["outcome"], income["threshold"]) == (
        "1.1",
        "not_configured",
        None,
    )
    assert "form a cycle" in income["problem"]


def test_saving_and_recomputing_do_not_raise(cycle, bach_dang):
    assessment = create_assessment(commune=bach_dang, year=2023)
    result = save_values(assessment=assessment, values={"income": 70}, version=1)
    assert result.level == "none"
    assert recompute(year=2023) == 1


def test_the_page_says_the_rule_cannot_be_applied(client, cast, cycle, bach_dang):
    create_assessment(commune=bach_dang, year=2023)
    client.force_login(cast.officer_74)
    page = client.get("/communes/2021/25930/2023/", headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "Threshold cannot be applied" in page.content.decode()
    assert "form a cycle" in page.content.decode()


def test_the_report_lists_the_rules_that_cannot_be_applied(cycle):
    out = StringIO()
    call_command("criteria_report", "--set", "TEST-2021-2025", stdout=out)
    lines = out.getvalue().splitlines()
    assert "  cannot be applied: relative thresholds in TEST-2021-2025 form a cycle through " in (
        "\n".join(lines)
    )
    assert lines[-1].endswith("2 rules that cannot be applied")
