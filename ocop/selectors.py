"""Reads of the OCOP registry that several places need, each in a fixed number of queries.

Which product is certified on a day is decided by ocop/rating.py over evaluations loaded here;
the queryset filters in ocop.models (in_force_on, certified_on...) are its SQL form for lists
that must filter and page in the database.
"""

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet

from accounts.access import Access
from communes.models import Province
from communes.selectors import gone_into
from ocop import rating
from ocop.models import Evaluation, Producer, Product, ProductQuerySet, rating_in_force

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


def in_registry_of(province: Province) -> Q:
    """The products of a province's registry: registered to its communes and, for a province
    of the map since 1 July 2025, to the old communes that went into it (communes lineage),
    whose certificates outlived the map: before, Hồ Chí Minh City's registry showed none of
    Bình Dương's products, nor Quảng Ninh's its own 91. Each product once (a subquery, not a
    join through a split commune's links)."""
    return Q(commune__province=province) | gone_into("commune_id", pk=province.pk)


def latest_is_current(day: datetime.date) -> bool:
    """Whether no evaluation is decided after ``day`` (1 query on an index): then each
    product's latest evaluation is its current one (ProductQuerySet.with_current). So it is
    from today on: the services refuse a decision in the future."""
    return not Evaluation.objects.filter(decision_date__gt=day).exists()


def products_with_rating(as_of: datetime.date, latest_is_current: bool = False) -> ProductQuerySet:
    """Products with their producer, commune and province joined and their current evaluation
    on ``as_of`` annotated (see ProductQuerySet.with_current): one query for any length.
    ``current_of(product)`` turns the annotation into the rules' data."""
    products = Product.objects.with_current(as_of, latest_is_current=latest_is_current)
    return products.select_related("producer", "commune__province")


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


# --- What a user may read ---------------------------------------------------------------------
# Certified products (a rating of 3 stars or more in force on the day) are public, with the
# evaluation behind their certificate and their producer. Everything else (products never
# certified, expired, revoked; superseded evaluations; producers with no public product) is
# read by the staff of its province and at national scope only (accounts.access).


def visible_products(
    access: Access, day: datetime.date, latest_is_current: bool = False
) -> ProductQuerySet:
    """products_with_rating(day) (district joined too), limited to what this user may read."""
    products = products_with_rating(day, latest_is_current).select_related("commune__district")
    if access.country_wide:
        return products
    public = products.certified_on(day)
    if access.role is None:
        return public
    return public | products.filter(commune__province_id__in=access.province_ids)


def visible_evaluations(access: Access, day: datetime.date) -> QuerySet:
    """Evaluations with their product and province joined: the certificates in force on the
    day for everyone, every evaluation of the user's province for its staff."""
    evaluations = Evaluation.objects.select_related("product__commune__province")
    if access.country_wide:
        return evaluations
    certificates = Product.objects.with_current(day).certified_on(day).values("current_id")
    visible = Q(pk__in=certificates)
    if access.role is not None:
        visible |= Q(product__commune__province_id__in=access.province_ids)
    return evaluations.filter(visible)


def visible_producers(access: Access, day: datetime.date) -> QuerySet:
    """Producers with their commune joined: those owning a product this user may read, and
    for the staff of a province every producer located in it."""
    producers = Producer.objects.select_related("commune__district", "commune__province")
    if access.country_wide:
        return producers
    visible = Q(pk__in=visible_products(access, day).values("producer_id"))
    if access.role is not None:
        visible |= Q(commune__province_id__in=access.province_ids)
    return producers.filter(visible)


# --- A product's rating on a day --------------------------------------------------------------


class RatedEvaluation(NamedTuple):
    """What a product's rating shows of its evaluation (the API's rating), read as a row."""

    pk: int
    stars: int
    score: Decimal
    level: str
    decision_number: str
    decision_date: datetime.date
    valid_until: datetime.date
    revoked_date: datetime.date | None


@dataclass(frozen=True)
class Standing:
    """A product's current evaluation on a day, where it stands by the rules of
    ocop/rating.py, and whether it certifies (in force, 3 stars or more)."""

    evaluation: RatedEvaluation
    status: rating.Status
    certified: bool


def ratings_on(evaluation_ids: Collection[int], day: datetime.date) -> dict[int, Standing]:
    """{evaluation id: its Standing on ``day``} for a page of products' current evaluations
    (their current_id): one query, no model instances."""
    rows = Evaluation.objects.filter(pk__in=evaluation_ids).values_list(*RatedEvaluation._fields)
    found = {}
    for evaluation in map(RatedEvaluation._make, rows):
        rule_data = rating.Evaluation(
            evaluation.decision_date,
            evaluation.stars,
            evaluation.valid_until,
            evaluation.revoked_date,
            evaluation.pk,
        )
        status = rating.status_on(rule_data, day)
        found[evaluation.pk] = Standing(evaluation, status, rating.certifies(rule_data, day))
    return found


def attach_ratings(products: Iterable[Product], day: datetime.date) -> list[Product]:
    """Set ``product.rating``: the Standing of its current evaluation on ``day``, or None,
    for products loaded by products_with_rating(day) (ratings_on: one query for them all)."""
    products = list(products)
    current = ratings_on([p.current_id for p in products if p.current_id], day)
    for product in products:
        product.rating = current.get(product.current_id)
    return products


# --- Statistics -------------------------------------------------------------------------------


def certified_counts(
    products: ProductQuerySet, day: datetime.date, by: str, expiring_days: int
) -> list[dict]:
    """The products of ``products`` certified on ``day``, counted in one grouped query: rows of
    ``by`` (a field path, e.g. commune__province_id), producer_id, group, stars, products,
    and expiring (those of them whose rating expires within ``expiring_days`` days). Each
    product counts once in a unit, even where ``by`` follows links that multiply its row (an
    old commune's links to the new communes it went into).

    Counted over the products' current evaluations, each found once (its id: the kept latest
    one, or the search on a day before it) and judged on its own columns by the rules of the
    lists (rating_in_force): five searches a product made a past year's count slow."""
    current = products.with_current(day, fields=("id",)).values("current_id")
    horizon = day + datetime.timedelta(days=expiring_days)
    rows = (
        Evaluation.objects.filter(
            rating_in_force(day), pk__in=current, stars__gte=rating.CERTIFIED_MIN_STARS
        )
        .values(f"product__{by}", "product__producer_id", "product__group", "stars")
        .annotate(
            products=Count("pk", distinct=True),
            expiring=Count("pk", distinct=True, filter=Q(valid_until__lt=horizon)),
        )
        .order_by()
    )
    return [
        {
            by: row[f"product__{by}"],
            "producer_id": row["product__producer_id"],
            "group": row["product__group"],
            "stars": row["stars"],
            "products": row["products"],
            "expiring": row["expiring"],
        }
        for row in rows
    ]
