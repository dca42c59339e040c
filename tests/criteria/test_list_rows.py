"""The assessments list is written from plain rows (assessment_rows), not model instances: the
same data, key for key, as AssessmentSerializer's declared fields give, for every shape a row
can take (a commune without a district, no edition, never scored, a time in UTC)."""

import datetime

import orjson
import pytest

from communes.models import Commune
from core.renderers import written
from criteria import selectors
from criteria.api.serializers import (
    ASSESSMENT_ROW_FIELDS,
    AssessmentSerializer,
    assessment_list_values,
    assessment_rows,
)
from criteria.models import Assessment
from criteria.services import create_assessment, save_values
from tests.criteria.builders import first_edition


@pytest.fixture
def assessments(small_set, bach_dang, lang_son_commune):
    first_edition(small_set)
    scored = create_assessment(commune=bach_dang, year=2024)
    save_values(assessment=scored, values={"income": 55, "irrigation": 85.5}, version=1)
    bare = create_assessment(commune=lang_son_commune, year=2023)
    Commune.objects.filter(pk=lang_son_commune.pk).update(district=None)
    Assessment.objects.filter(pk=bare.pk).update(
        edition=None,
        scored_at=None,
        updated_at=datetime.datetime(2024, 1, 2, 3, 4, 5, 678, tzinfo=datetime.UTC),
    )
    return [scored, bare]


def test_the_rows_are_what_the_declared_fields_give(assessments):
    queryset = selectors.assessments_for_list().select_related("edition").order_by("pk")
    generic = AssessmentSerializer(list(queryset), many=True).data
    fast = assessment_rows(queryset.values(*ASSESSMENT_ROW_FIELDS))
    assert [dict(row) for row in generic] == fast
    assert [list(row) for row in generic] == [list(row) for row in fast]
    scored, bare = fast
    assert scored["district"] is not None and scored["edition"] == 1
    assert scored["criteria_met_by_level"] and scored["scored_at"].endswith("+07:00")
    assert bare["district"] is None and bare["edition"] is None and bare["scored_at"] is None
    assert bare["updated_at"] == "2024-01-02T10:04:05.000678+07:00"


def test_a_pages_rows_are_written_byte_for_byte_as_the_declared_fields_give(assessments):
    """A page reads the counts per level as the text stored and writes it as it is
    (assessment_list_values): the bytes are those of the declared fields' data."""
    queryset = selectors.assessments_for_list().select_related("edition").order_by("pk")
    generic = [dict(row) for row in AssessmentSerializer(list(queryset), many=True).data]
    fast = assessment_rows(assessment_list_values(queryset))
    assert written(fast) == written(generic)
    assert all(row["criteria_met_by_level"] for row in orjson.loads(bytes(written(fast))))


def test_the_list_endpoint_reads_them_in_four_queries(
    api, cast, assessments, django_assert_num_queries
):
    client = api(cast.national)
    # The count of writes the cached pages are kept under (core.answers), the reader's
    # access, the rows, and the count (the page is full).
    with django_assert_num_queries(4) as captured:
        response = client.get("/api/v1/assessments/?ordering=id&page_size=2")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    # Counted as the assessments, not through the joins that read the rows' related columns.
    queries = [q["sql"] for q in captured.captured_queries]
    (count,) = [sql for sql in queries if "COUNT(" in sql and "criteria_assessment" in sql]
    assert "JOIN" not in count
    in_74 = client.get("/api/v1/assessments/?province=74").json()  # a filter that joins
    assert in_74["count"] == 1 and in_74["results"][0]["province"]["code"] == "74"
    expected = AssessmentSerializer(
        selectors.assessments_for_list().select_related("edition").order_by("pk"), many=True
    ).data
    assert body["results"] == [dict(row) for row in expected]
    assert [row["commune"]["code"] for row in body["results"]] == [
        a.commune.code for a in sorted(assessments, key=lambda a: a.pk)
    ]


@pytest.mark.parametrize("reader", ["national", "anonymous"])
def test_the_detail_is_what_the_declared_fields_give(assessments, cast, reader):
    """The detail is written in plain code too (assessment_detail_data): the same data, key
    for key, as AssessmentDetailSerializer's declared fields give, a workflow step's user and
    comment shown to staff only."""
    from rest_framework import serializers

    from accounts.access import ANONYMOUS, access_for
    from criteria.api.serializers import AssessmentDetailSerializer, assessment_detail_data
    from criteria.services import move

    scored, _bare = assessments
    move(assessment=scored, action="submit", version=2, user=cast.officer_74, comment="Xong")
    context = {"access": access_for(cast.national) if reader == "national" else ANONYMOUS}
    fast = {}
    for assessment in assessments:
        loaded = selectors.assessments_for_list().select_related("edition").get(pk=assessment.pk)
        detail = selectors.with_details(loaded)
        detail.result_basis = {
            "stored_edition": 1,
            "edition_in_force": 1,
            "breakdown": "live",
            "rejudge_pending": False,
        }
        generic = serializers.ModelSerializer.to_representation(
            AssessmentDetailSerializer(context=context), detail
        )
        fast[assessment.pk] = assessment_detail_data(detail, context)
        assert fast[assessment.pk] == generic
        assert list(fast[assessment.pk]) == list(generic)
    shown = fast[scored.pk]
    assert shown["values"]["income"]["value"] == 55 and shown["result"]["levels"]
    step = shown["steps"][-1]
    assert step["action"] == "submit" and len(shown["steps"]) >= 2  # created, then submitted
    staff = reader == "national"
    assert (step["user"], step["comment"]) == (("officer_74", "Xong") if staff else (None, None))
    bare = fast[_bare.pk]
    assert bare["values"] == {} and [s["action"] for s in bare["steps"]] == ["create"]


def test_a_year_is_read_as_a_range_in_key_order(api, cast, small_set, django_assert_num_queries):
    """?year=Y keeps the key order and the rows of that year alone, asked as a one-year range
    ordered by (year, id): the index assessment_year_order gives that order on PostgreSQL
    (AssessmentFilterSet.filter_year)."""
    communes = list(Commune.objects.rural().filter(structure="2021").order_by("code")[:4])
    made = [create_assessment(commune=c, year=year) for c in communes for year in (2024, 2023)]
    client = api(cast.national)
    # The count of writes (core.answers), the access, the rows: a page not full is not counted.
    with django_assert_num_queries(3) as captured:
        body = client.get("/api/v1/assessments/?year=2023").json()
    assert [row["id"] for row in body["results"]] == sorted(a.pk for a in made if a.year == 2023)
    (rows,) = [q["sql"] for q in captured.captured_queries if "commune__code" in q["sql"]]
    assert '"year" >= 2023' in rows and '"year" <= 2023' in rows and '"year" = ' not in rows
    assert rows.split("ORDER BY")[1].split("LIMIT")[0].count(",") == 1  # (year, id)
    assert client.get("/api/v1/assessments/?year=1999").status_code == 400
