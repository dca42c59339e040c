"""Each product's latest evaluation, kept by the database (ocop.latest), and the reads of today
that join it instead of searching each product's evaluations."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from ocop import rating
from ocop.models import Evaluation, Product
from tests.ocop.builders import evaluate

pytestmark = pytest.mark.django_db

day = datetime.date


def _latest(product: Product) -> int | None:
    return Product.objects.values_list("latest_evaluation_id", flat=True).get(pk=product.pk)


def _copy(evaluation: Evaluation, **changes) -> Evaluation:
    """An unsaved evaluation like ``evaluation``: for the bulk path, which no service checks."""
    fields = {
        field.attname: getattr(evaluation, field.attname)
        for field in Evaluation._meta.concrete_fields
        if not field.primary_key
    }
    return Evaluation(**(fields | changes))


def test_every_write_path_keeps_the_pointer(producer):
    from ocop import services

    tea = services.create_product(producer=producer, name="Chè", group="drinks")
    rice = services.create_product(producer=producer, name="Gạo", group="food")
    assert _latest(tea) is None  # never evaluated

    first = evaluate(tea, day(2022, 3, 1))  # the service
    assert _latest(tea) == first.pk
    older, newer = Evaluation.objects.bulk_create(  # a bulk insert: no service, no signal
        [
            _copy(
                first,
                decision_number="9/QĐ",
                decision_date=day(2021, 5, 1),
                valid_until=day(2024, 4, 30),
            ),
            _copy(
                first,
                decision_number="8/QĐ",
                decision_date=day(2023, 5, 1),
                valid_until=day(2026, 4, 30),
            ),
        ]
    )
    assert _latest(tea) == newer.pk  # the older one changed nothing
    same_day = evaluate(tea, day(2023, 5, 1), decision_number="7/QĐ")
    assert _latest(tea) == same_day.pk  # the same decision date: the latest recorded
    # A queryset update moves a decision back: the next latest takes its place.
    Evaluation.objects.filter(pk=same_day.pk).update(
        decision_date=day(2020, 1, 1), valid_until=day(2022, 12, 31)
    )
    assert _latest(tea) == newer.pk
    # An evaluation moved to another product: both follow.
    Evaluation.objects.filter(pk=newer.pk).update(product=rice)
    assert (_latest(tea), _latest(rice)) == (first.pk, newer.pk)
    # Deleted (admin does not offer it; a fix could): the one before it, then none.
    Evaluation.objects.get(pk=newer.pk).delete()
    assert _latest(rice) is None
    Evaluation.objects.filter(pk=first.pk).delete()
    assert _latest(tea) == older.pk
    with connection.cursor() as cursor:  # a raw SQL fix
        cursor.execute(f"DELETE FROM {Evaluation._meta.db_table} WHERE product_id = %s", [tea.pk])
    assert _latest(tea) is None


def test_an_unchanged_pointer_leaves_the_product_row_alone(producer):
    from ocop import services
    from stats import freshness

    tea = services.create_product(producer=producer, name="Chè", group="drinks")
    latest = evaluate(tea, day(2024, 3, 1))
    evaluate(tea, day(2022, 3, 1))
    assert _latest(tea) == latest.pk

    def writes(change) -> int:  # the writes the statistics' triggers count
        before = freshness.version()
        change()
        return freshness.version() - before

    older = Evaluation.objects.filter(product=tea, decision_date=day(2022, 3, 1))
    assert writes(lambda: older.update(decision_date=day(2022, 3, 2))) == 1  # the evaluation
    assert _latest(tea) == latest.pk
    newest = Evaluation.objects.filter(product=tea, decision_date=day(2022, 3, 2))
    # Now it becomes the latest: the evaluation and the product are written.
    moved = {"decision_date": day(2025, 3, 2), "valid_until": day(2028, 3, 1)}
    assert writes(lambda: newest.update(**moved)) == 2
    assert _latest(tea) != latest.pk


def test_the_migration_points_the_products_recorded_before_it(histories):
    expected = dict(Product.objects.values_list("pk", "latest_evaluation_id"))
    assert sum(pk is not None for pk in expected.values()) == len(histories) - 1
    Product.objects.update(latest_evaluation=None)  # as the column was added
    migration = importlib.import_module("ocop.migrations.0004_latest_evaluation")
    migration.point_at_the_latest(apps, None)
    assert dict(Product.objects.values_list("pk", "latest_evaluation_id")) == expected


@pytest.mark.parametrize("days_on", [0, 1, 400])
def test_today_and_after_read_the_pointer_as_the_rules_do(histories, days_on):
    on = timezone.localdate() + datetime.timedelta(days=days_on)
    products = Product.objects.with_current(on)
    by_rules = {
        p.name: rating.current([e.as_rule_data() for e in p.evaluations.all()], on)
        for p in Product.objects.prefetch_related("evaluations")
    }
    assert {p.name: p.current_id for p in products} == {
        name: e and e.key for name, e in by_rules.items()
    }
    assert {p.name: (p.current_stars, p.current_valid_until) for p in products if p.current_id} == {
        name: (e.stars, e.valid_until) for name, e in by_rules.items() if e
    }
    in_force = {name for name, e in by_rules.items() if e and rating.in_force(e, on)}
    assert set(products.in_force_on(on).values_list("name", flat=True)) == in_force


def test_building_the_read_reads_nothing(histories, django_assert_num_queries):
    """A queryset is lazy: the views' querysets are built where no database is (the schema)."""
    with django_assert_num_queries(0):
        Product.objects.with_current(timezone.localdate()).certified_on(timezone.localdate())


def test_a_decision_after_the_day_is_never_read_as_current(histories, producer):
    """Today moved back (as a test can) or a decision stored in the future by a raw fix: the
    latest evaluation is not the current one, and the search answers."""
    from ocop import services

    late = services.create_product(producer=producer, name="Mật ong", group="food")
    evaluate(late, day(2024, 6, 1))
    future = _copy(
        Evaluation.objects.get(product=late),
        decision_number="99/QĐ",
        decision_date=timezone.localdate() + datetime.timedelta(days=30),
        valid_until=timezone.localdate() + datetime.timedelta(days=1000),
    )
    future.save()
    assert _latest(late) == future.pk
    today = Product.objects.with_current(timezone.localdate()).get(pk=late.pk)
    assert today.current_decision_date == day(2024, 6, 1)


def test_the_latest_is_current_from_the_last_decision_on(histories):
    from ocop import selectors

    last = max(Evaluation.objects.values_list("decision_date", flat=True))
    assert selectors.latest_is_current(timezone.localdate())
    assert selectors.latest_is_current(last)
    assert not selectors.latest_is_current(last - datetime.timedelta(days=1))
    # Where it holds, the join alone answers as the search does.
    for on in (last, timezone.localdate()):
        joined = Product.objects.with_current(on, latest_is_current=True).order_by("pk")
        searched = Product.objects.with_current(on).order_by("pk")
        fields = [f"current_{field}" for field in ("id", "stars", "valid_until", "revoked_date")]
        assert list(joined.values_list(*fields)) == list(searched.values_list(*fields))
        assert str(joined.query).count("SELECT") == 1
