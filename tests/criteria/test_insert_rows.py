"""bulk.insert_rows writes what the ORM writes, field for field, on either database: by COPY on
PostgreSQL (every specials of COPY's text format escaped), by INSERT statements elsewhere."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from criteria.models import Assessment, AssessmentValue, CriterionResult, Measure, WorkflowStep
from criteria.services import bulk

AWKWARD = "tab\there, a new\nline, a return\r, a backslash \\ and \\N, Nông thôn mới"


@pytest.fixture
def assessment(small_set, bach_dang, django_user_model):
    return Assessment.objects.create(commune=bach_dang, year=2023, criteria_set=small_set)


def _value_rows(assessment, user):
    at = timezone.make_aware(datetime.datetime(2024, 3, 15, 7, 30, 0, 123456))
    measures = {m.code: m.pk for m in Measure.objects.filter(criteria_set=assessment.criteria_set)}
    common = {"assessment_id": assessment.pk, "updated_by_id": user.pk, "updated_at": at}
    return [
        {**common, "measure_id": measures["income"], "number": Decimal("55.25"), "note": AWKWARD},
        {**common, "measure_id": measures["plan"], "flag": False, "evidence_url": "https://x.vn/a"},
        {**common, "measure_id": measures["crafts"], "not_applicable": True, "note": "no crafts"},
        {**common, "measure_id": measures["irrigation"], "number": None, "carried_forward": True},
    ]


# Every column but the key and the assessment (the same for all the rows).
FIELDS = [
    f.attname for f in AssessmentValue._meta.concrete_fields if f.name not in ("id", "assessment")
]


def test_values_are_stored_as_the_orm_stores_them(assessment, django_user_model):
    user = django_user_model.objects.create(username="officer")
    rows = _value_rows(assessment, user)
    bulk.insert_rows(AssessmentValue, rows)
    stored = list(AssessmentValue.objects.order_by("pk").values(*FIELDS))
    AssessmentValue.objects.all().delete()
    AssessmentValue.objects.bulk_create(AssessmentValue(**row) for row in rows)
    by_orm = AssessmentValue.objects.order_by("pk").values(*FIELDS)
    # The ORM stamps updated_at itself (auto_now); insert_rows keeps the stamp it is given.
    assert [{**row, "updated_at": None} for row in stored] == [
        {**row, "updated_at": None} for row in by_orm
    ]
    assert [row["updated_at"] for row in stored] == [row["updated_at"] for row in rows]
    assert stored[0]["note"] == AWKWARD and stored[0]["number"] == Decimal("55.25")
    assert stored[1]["flag"] is False and stored[3]["number"] is None
    assert stored[0]["updated_at"] == rows[0]["updated_at"]


def test_many_rows_go_in_several_copies_and_in_order(assessment, monkeypatch):
    monkeypatch.setattr(bulk, "LINES_PER_COPY", 3)
    rows = [
        {
            "assessment_id": assessment.pk,
            "action": WorkflowStep.Action.REJUDGE.value,
            "from_status": "draft",
            "to_status": "draft",
            "comment": f"{index}: {AWKWARD}",
            "user_id": None,
            "at": timezone.now(),
        }
        for index in range(8)
    ]
    bulk.insert_rows(WorkflowStep, rows)
    comments = list(WorkflowStep.objects.order_by("pk").values_list("comment", "user_id"))
    assert comments == [(f"{index}: {AWKWARD}", None) for index in range(8)]


def test_nothing_to_insert_touches_nothing(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        bulk.insert_rows(WorkflowStep, [])


@pytest.mark.parametrize("model", [AssessmentValue, WorkflowStep, CriterionResult])
def test_the_bulk_tables_are_copied_whole(model, db):
    """Every field of the tables the bulk paths fill has a COPY text form (else insert_rows
    would fall back to statements on PostgreSQL, at five times the cost)."""
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, bulk.AUTO_FIELDS)]
    assert all(bulk._copy_writer(field, connection) for field in fields)
