"""The products' API data is written in plain code for speed (product_data); it must be what
the declared fields give (ProductSerializer's generic serialisation), byte for byte as sent,
for every shape of product: never evaluated, two stars, certified, expired, revoked, on the
2025 map (no district)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework import serializers

from accounts.access import Access
from communes.models import Commune
from core.api import CountedRows
from core.renderers import written
from ocop import selectors, services
from ocop.api.serializers import PRODUCT_ROW_FIELDS, ProductSerializer, product_data, product_rows
from ocop.models import Product
from tests.ocop.builders import evaluate

pytestmark = pytest.mark.django_db


def _generic(product) -> dict:
    return serializers.ModelSerializer.to_representation(ProductSerializer(), product)


def test_the_plain_rows_are_what_the_declared_fields_give(histories):
    merged = Commune.objects.filter(structure="2025", district__isnull=True).first()
    producer = services.create_producer(name="HTX Mới", kind="cooperative", commune=merged)
    evaluate(
        services.create_product(producer=producer, name="Nấm", group="herbs"),
        timezone.localdate() - datetime.timedelta(days=10),
        score="72.15",  # no binary fraction: written as the number, never as its float error
    )
    day = timezone.localdate()
    loaded = selectors.visible_products(Access(role=None, province_id=None, superuser=True), day)
    products = selectors.attach_ratings(loaded.order_by("pk"), day)
    assert len(products) == Product.objects.count() == len(histories) + 1
    shapes = {
        (p.rating is None, p.rating and p.rating.status, p.commune.district is None)
        for p in products
    }
    assert len(shapes) >= 4  # none, expired, revoked, in force; with and without a district
    for product in products:
        generic = _generic(product)
        # What the client gets, byte for byte (a score a number either way).
        assert written(product_data(product)) == written(generic)
        assert list(product_data(product)) == list(generic)
        if product.rating:
            assert list(product_data(product)["rating"]) == list(generic["rating"])
    # The list's path: plain rows and their current evaluations, for each way of reading them.
    for latest_is_current in (False, True):
        visible = selectors.visible_products(
            Access(role=None, province_id=None, superuser=True), day, latest_is_current
        ).order_by("pk")
        rows = list(CountedRows(visible.values(*PRODUCT_ROW_FIELDS), visible)[0:100])
        ratings = selectors.ratings_on([r["current_id"] for r in rows if r["current_id"]], day)
        assert written(product_rows(rows, ratings)) == written([_generic(p) for p in products])
