"""The OCOP reads: the certified-products count behind NTM indicator 13.2, the product list with
its current rating, and the SQL filters, checked against the rules of ocop/rating.py."""

import datetime
from decimal import Decimal

import pytest

from communes.models import Commune
from ocop import rating, selectors, services
from ocop.models import Product
from tests.ocop.builders import evaluate

pytestmark = pytest.mark.django_db

day = datetime.date


DAYS = [
    day(2021, 12, 31),
    day(2022, 12, 31),
    day(2023, 9, 1),
    day(2023, 12, 31),
    day(2024, 2, 29),
    day(2024, 3, 1),
    day(2024, 8, 1),
    day(2024, 12, 31),
    day(2025, 10, 15),
    day(2025, 12, 30),
    day(2025, 12, 31),
]


def _by_rules(on: datetime.date) -> dict[str, rating.Evaluation | None]:
    """Each product's current evaluation on a day, by rating.py over every evaluation."""
    return {
        p.name: rating.current([e.as_rule_data() for e in p.evaluations.all()], on)
        for p in Product.objects.prefetch_related("evaluations")
    }


def _names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


@pytest.mark.parametrize("on", DAYS)
def test_sql_filters_agree_with_the_rules(histories, on):
    by_rules = _by_rules(on)
    products = Product.objects.with_current(on)

    def where(predicate) -> set[str]:
        return {name for name, e in by_rules.items() if e is not None and predicate(e)}

    assert {p.name: p.current_id for p in products} == {
        name: e and e.key for name, e in by_rules.items()
    }
    assert _names(products.in_force_on(on)) == where(lambda e: rating.in_force(e, on))
    assert _names(products.certified_on(on)) == where(
        lambda e: rating.in_force(e, on) and e.certified
    )
    for status, filtered in [
        (rating.Status.REVOKED, products.revoked_on(on)),
        (rating.Status.EXPIRED, products.expired_on(on)),
    ]:
        assert _names(filtered) == where(lambda e, s=status: rating.status_on(e, on) == s)
    assert _names(products.expiring_within(on, 90)) == where(
        lambda e: rating.expires_within(e, on, 90)
    )


@pytest.mark.parametrize(
    ("on", "certified"),
    [
        (day(2023, 12, 31), {"expires 2024-02-29", "superseded then revoked", "same day"}),
        (day(2024, 8, 1), {"valid through 2025-12-30", "same day"}),
        (day(2025, 12, 31), {"same day", "district 2024"}),
    ],
)
def test_histories_read_as_documented(histories, on, certified):
    certified = certified | ({"valid through 2025-12-30"} if on < day(2025, 12, 31) else set())
    assert _names(Product.objects.with_current(on).certified_on(on)) == certified


def test_certified_count_per_commune_in_one_query(
    histories, bach_dang, other_commune, django_assert_num_queries
):
    empty = Commune.objects.rural().filter(structure="2021", province__code="74").last()
    with django_assert_num_queries(1):
        counts = selectors.certified_products_count(
            [bach_dang.pk, other_commune.pk, empty.pk], 2023
        )
    assert counts == {bach_dang.pk: Decimal(4), other_commune.pk: Decimal(0), empty.pk: Decimal(0)}
    assert all(isinstance(value, Decimal) for value in counts.values())


@pytest.mark.parametrize(("year", "count"), [(2021, 2), (2022, 4), (2024, 3), (2025, 2)])
def test_certified_count_on_31_december_of_each_year(histories, bach_dang, year, count):
    assert selectors.certified_products_count([bach_dang.pk], year) == {bach_dang.pk: count}


def test_count_follows_the_product_commune_not_the_producer(producer, neighbour):
    moved = services.create_product(
        producer=producer, name="Chè", group="drinks", commune=neighbour
    )
    evaluate(moved, day(2024, 5, 1))
    counts = selectors.certified_products_count([producer.commune_id, neighbour.pk], 2024)
    assert counts == {producer.commune_id: 0, neighbour.pk: 1}


def test_registered_as_the_provider_of_the_derived_measure():
    from criteria import registry

    assert registry.provider_for("ocop.certified_products") is selectors.certified_products_count


def test_products_with_rating_costs_one_query(histories, django_assert_num_queries):
    on = day(2024, 1, 15)
    with django_assert_num_queries(1):
        rows = {
            p.name: (p.producer.name, p.commune.province.code, selectors.current_of(p))
            for p in selectors.products_with_rating(on)
        }
    assert len(rows) == len(histories)
    producer_name, province, current = rows["superseded then revoked"]
    assert (producer_name, province) == ("Hợp tác xã Nông nghiệp Bạch Đằng", "74")
    assert current.decision_date == day(2023, 5, 20)
    assert (current.stars, current.valid_until) == (5, day(2026, 5, 19))
    assert current.revoked_date == day(2024, 8, 1)
    assert rating.in_force(current, on)
    assert rows["never evaluated"][2] is None
