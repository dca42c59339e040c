"""The compiled rules are kept per process and never served stale: the second read of an
assessment builds nothing, and any change to the rule rows (a publication, a threshold made
directly, one rolled back again) is read at once."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from criteria import selectors
from criteria.models import EditionChange, Threshold
from criteria.services import create_assessment, save_values
from criteria.services.editions import (
    ChangeEntry,
    add_changes,
    draft_edition,
    publish_edition,
)
from tests.criteria.builders import first_edition

PASSING = {"income": 55, "irrigation": 85, "plan": True}


@pytest.fixture
def assessment(small_set, bach_dang):
    first_edition(small_set)
    assessment = create_assessment(commune=bach_dang, year=2024)
    save_values(assessment=assessment, values=PASSING, version=1)
    return assessment


@pytest.fixture
def read(api, cast):
    """The assessment's detail as the national office reads it (a draft: not public)."""
    client = api(cast.national)

    def detail(assessment) -> dict:
        response = client.get(f"/api/v1/assessments/{assessment.pk}/")
        assert response.status_code == 200
        return response.json()

    return detail


def _rule_reads(queries) -> list[str]:
    """The queries that load rule rows (not the digest that names them where the rules'
    version is missing)."""
    tables = ("criteria_level", "criteria_criterion", "criteria_indicator", "criteria_threshold")
    return [
        q["sql"]
        for q in queries
        if any(f'FROM "{t}"' in q["sql"] for t in tables)
        and "md5(" not in q["sql"]
        and "group_concat(" not in q["sql"]
    ]


def test_the_second_read_reuses_the_compiled_rules(read, assessment):
    selectors.forget_rules()
    with CaptureQueriesContext(connection) as first:
        read(assessment)
    with CaptureQueriesContext(connection) as second:
        read(assessment)
    # Levels, criteria, indicators and thresholds (4 queries) and the derived measures (1)
    # are read once; the second read only checks the rules' version (one row).
    assert len(_rule_reads(first.captured_queries)) == 4
    assert _rule_reads(second.captured_queries) == []
    assert len(second.captured_queries) <= len(first.captured_queries) - 5
    kept = selectors.scorer_for(assessment.criteria_set)
    assert selectors.scorer_for(assessment.criteria_set) is kept


def test_a_publication_between_two_reads_changes_the_result(read, assessment, cast):
    before = read(assessment)
    assert before["result"]["level"] == "standard"
    income = before["result"]["levels"][0]["criteria"][0]["indicators"][0]
    assert income["threshold"]["value"] == 50.0  # Bạch Đằng: Southeast's class row

    draft = draft_edition(
        criteria_set=assessment.criteria_set,
        title="Thu nhập 2024-2025",
        first_year=2024,
        last_year=2025,
        user=cast.national,
    )
    row = {
        "level": "standard",
        "indicator": "1.1",
        "scope": "province",
        "province": "74",
        "value": "60",
        "first_year": 2024,
        "last_year": 2025,
        "source": "Nghị quyết HĐND tỉnh",
        "verified": True,
    }
    add_changes(
        edition=draft,
        entries=[ChangeEntry(1, EditionChange.Kind.ADD_THRESHOLD, row)],
        user=cast.national,
    )
    publish_edition(
        edition=draft,
        decision_number="12/NQ-HĐND",
        decision_date=datetime.date(2024, 3, 1),
        user=cast.national,
    )

    after = read(assessment)
    income = after["result"]["levels"][0]["criteria"][0]["indicators"][0]
    assert (income["threshold"]["value"], income["outcome"]) == (60.0, "fail")
    assert (after["level"], after["result"]["level"]) == ("none", "none")


def test_a_threshold_made_directly_is_read_at_once_and_forgotten_when_rolled_back(read, assessment):
    assert read(assessment)["result"]["level"] == "standard"
    national = Threshold.objects.get(
        indicator__criterion__level__code="standard", indicator__code="2.1", scope="national"
    )
    try:
        with transaction.atomic():
            national.value = 90  # a direct write, no edition: irrigation 85 % now fails
            national.save()
            assert read(assessment)["result"]["level"] == "none"
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert read(assessment)["result"]["level"] == "standard"
    Threshold.objects.filter(pk=national.pk).update(value=86)  # not even a history row
    assert read(assessment)["result"]["level"] == "none"


def test_the_detail_breakdown_is_what_the_declared_fields_give(assessment, small_set):
    """The breakdown and the values are written in plain code for speed (result_data,
    value_data): the same data as the generic serialisation of their declared fields."""
    from rest_framework import serializers

    from criteria.api.serializers import (
        ResultSerializer,
        ValueSerializer,
        result_data,
        value_data,
    )

    Threshold.objects.create(
        indicator=Threshold.objects.get(
            indicator__criterion__level__code="advanced", indicator__code="1.1"
        ).indicator,
        scope="province",
        province=assessment.commune.province,
        factor="1.5",
        relative_to=Threshold.objects.get(
            indicator__criterion__level__code="standard",
            indicator__code="1.1",
            scope="national",
        ).indicator,
        source="test",
    )
    assessment.refresh_from_db()
    save_values(assessment=assessment, values={"irrigation": None}, version=assessment.version)
    result = selectors.result_for(selectors.assessments_for_scoring([assessment.pk]).get())
    outcomes = {i.outcome for level in result.levels for c in level.criteria for i in c.indicators}
    assert {"pass", "missing"} <= outcomes
    relative = result.levels[1].criteria[0].indicators[0].threshold
    assert relative.relative_to == ("standard", "1.1")
    generic = serializers.Serializer.to_representation(ResultSerializer(), result)
    assert result_data(result) == generic
    assert list(result_data(result)) == list(generic)
    for row in selectors.values_by_measure(assessment).values():
        generic = serializers.Serializer.to_representation(ValueSerializer(), row)
        assert value_data(row) == generic
        assert list(value_data(row)) == list(generic)


def test_the_criteria_sets_detail_is_kept_and_never_served_stale(api, small_set):
    """The set's detail is built once per process and kept beside what it is made of: the
    next read costs 3 queries; a threshold changed directly, an edition published and a
    change rolled back are each read at once."""
    client = api()
    url = f"/api/v1/criteria-sets/{small_set.code}/"

    def income_threshold() -> float:
        body = client.get(url).json()
        standard = next(level for level in body["levels"] if level["code"] == "standard")
        indicator = standard["criteria"][0]["indicators"][0]
        return next(t["value"] for t in indicator["thresholds"] if t["scope"] == "national")

    assert income_threshold() == 40
    with CaptureQueriesContext(connection) as queries:
        assert income_threshold() == 40
    # The set and the rules' version (its editions are rule rows).
    assert len(queries) == 2, [q["sql"] for q in queries]
    national = Threshold.objects.get(
        indicator__criterion__level__code="standard", indicator__code="1.1", scope="national"
    )
    Threshold.objects.filter(pk=national.pk).update(value=45)
    assert income_threshold() == 45
    try:
        with transaction.atomic():
            Threshold.objects.filter(pk=national.pk).update(value=47)
            assert income_threshold() == 47
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert income_threshold() == 45
    assert client.get(url).json()["editions_in_force"] == {}
    first_edition(small_set)
    assert set(client.get(url).json()["editions_in_force"].values()) == {1}
