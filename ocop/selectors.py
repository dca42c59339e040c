"""Reads of the OCOP registry that several places need, each in a fixed number of queries.

Which product is certified on a day is decided by ocop/rating.py over evaluations loaded here;
the queryset filters in ocop.models (in_force_on, certified_on...) are its SQL form for lists
that must filter and page in the database.
"""

import datetime
from collections.abc import Collection
from decimal import Decimal

from ocop import rating
from ocop.models import Evaluation, Product, ProductQuerySet

RULE_FIELDS = ("pk", "decision_date", "stars", "valid_until", "revoked_date")


def _evaluations_by_product(
    commune_ids: Collection[int], day: datetime.date
) -> dict[int, tuple[int, list[rating.Evaluation]]]:
    """{product id: (commune id, evaluations decided on or before day)}: one query."""
    rows = Evaluation.objects.filter(
        product__commune_id__in=commune_ids, decision_date__lte=day
    ).values_list("product_id", "product__commune_id", *RULE_FIELDS)
    result: dict[int, tuple[int, list[rating.Evaluation]]] = {}
    for product_id, commune_id, pk, decided, stars, until, revoked in rows:
        evaluation = rating.Evaluation(decided, stars, until, revoked, key=pk)
        result.setdefault(product_id, (commune_id, []))[1].append(evaluation)
    return result


def certified_products_count(commune_ids: Collection[int], year: int) -> dict[int, Decimal]:
    """Products of each commune holding a certified rating (3 stars or more) in force on
    31 December of the year: the derived measure "ocop.certified_products" behind advanced
    NTM indicator 13.2. A commune without any counts 0 (a value, not a missing one)."""
    day = datetime.date(year, 12, 31)
    counts = dict.fromkeys(commune_ids, 0)
    for commune_id, evaluations in _evaluations_by_product(list(counts), day).values():
        if rating.certified_on(evaluations, day):
            counts[commune_id] += 1
    return {commune_id: Decimal(count) for commune_id, count in counts.items()}


def products_with_rating(as_of: datetime.date) -> ProductQuerySet:
    """Products with their producer, commune and province joined and their current evaluation
    on ``as_of`` annotated (see ProductQuerySet.with_current): one query for any length.
    ``current_of(product)`` turns the annotation into the rules' data."""
    return Product.objects.with_current(as_of).select_related("producer", "commune__province")


def current_of(product: Product) -> rating.Evaluation | None:
    """The current evaluation of a product loaded by products_with_rating, as rating.py
    reads it; None if the product had no evaluation decided by then."""
    if product.current_id is None:
        return None
    return rating.Evaluation(
        decision_date=product.current_decision_date,
        stars=product.current_stars,
        valid_until=product.current_valid_until,
        revoked_date=product.current_revoked_date,
        key=product.current_id,
    )
