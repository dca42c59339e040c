"""Illustrative OCOP data for the demo provinces: producers, products and their evaluations.

Each commune the criteria demo plans at advanced or model from a year gets a certified product
whose rating is in force on 31 December of that year and every later year to 2025 (a first
evaluation, then a re-evaluation before it expires). Around them: uncertified 2-star products,
a revoked certificate, re-evaluations that fall due soon. Decision numbers start with DEMO- so
that nobody mistakes them for real decisions. Deterministic: a seeded generator, fixed orders.
Written with bulk operations, each row with its history row as the services leave one; the
caller rescores afterwards. A product counts for its producer's own commune, so in its
producer's province (ocop.services.place_problem).
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from communes.models import Commune
from communes.text import fold
from criteria.services.bulk import copy_to_history
from ocop import rating
from ocop.models import Evaluation, Producer, Product

SEED = "ntm-portal-ocop-demo-1"
DECISION_PREFIX = "DEMO-"
DEMO_NOTE = "Dữ liệu minh họa (demo), không phải sản phẩm OCOP thật / Illustrative demo data."
LAST_YEAR = 2025

# (group, product name stem): generic local products, named after the commune.
PRODUCTS = (
    ("food", "Mật ong rừng"),
    ("food", "Gạo thơm"),
    ("food", "Miến dong"),
    ("drinks", "Trà hoa vàng"),
    ("drinks", "Rượu men lá"),
    ("herbs", "Tinh dầu hồi"),
    ("handicrafts", "Mây tre đan"),
    ("ornamentals", "Lan rừng"),
    ("tourism", "Du lịch cộng đồng"),
)
KINDS = (
    ("cooperative", "HTX Nông nghiệp"),
    ("cooperative_group", "Tổ hợp tác"),
    ("enterprise", "Công ty TNHH Nông sản"),
    ("household_business", "Hộ kinh doanh"),
)


@dataclass(frozen=True)
class Written:
    producers: int
    products: int
    evaluations: int


def clear(commune_ids) -> None:
    """Remove what an earlier run wrote for these communes, with its history, and nothing
    else. In single statements, without the signals with which history would record each
    deletion: an earlier run's demo is replaced, not edited by anyone."""
    products = Product.objects.filter(commune_id__in=commune_ids, description=DEMO_NOTE)
    product_ids = list(products.values_list("pk", flat=True))
    producer_ids = set(products.values_list("producer_id", flat=True))
    _delete_quietly(Evaluation.objects.filter(product_id__in=product_ids))
    _delete_quietly(Product.objects.filter(pk__in=product_ids))
    emptied = Producer.objects.filter(pk__in=producer_ids, products__isnull=True)
    emptied_ids = list(emptied.values_list("pk", flat=True))
    _delete_quietly(Producer.objects.filter(pk__in=emptied_ids))
    ever = Product.history.filter(commune_id__in=commune_ids, description=DEMO_NOTE)
    Evaluation.history.filter(product_id__in=ever.values("id")).delete()
    Producer.history.filter(id__in=emptied_ids).delete()
    ever.delete()


def _delete_quietly(queryset) -> None:
    queryset._raw_delete(queryset.db)


def seed(needs: dict[int, int]) -> Written:
    """Producers, products and evaluations for the communes in ``needs`` ({commune id: the
    first year a certified product must be in force})."""
    communes = Commune.objects.filter(pk__in=needs).order_by("code")
    clear(list(needs))
    producers, products, evaluations = [], [], []
    for index, commune in enumerate(communes):
        rng = random.Random(f"{SEED}-{commune.code}")
        producer = _producer(commune, index)
        producers.append(producer)
        for product, chain in _products(commune, producer, needs[commune.pk], index, rng):
            products.append(product)
            evaluations.append((product, chain))
    Producer.objects.bulk_create(producers)
    for product in products:
        product.producer_id = product.producer.pk
    Product.objects.bulk_create(products)
    rows = [_row(product, e) for product, chain in evaluations for e in chain]
    Evaluation.objects.bulk_create(rows)
    copy_to_history(Producer.objects.filter(pk__in=[p.pk for p in producers]))
    copy_to_history(Product.objects.filter(pk__in=[p.pk for p in products]))
    copy_to_history(Evaluation.objects.filter(pk__in=[e.pk for e in rows]))
    return Written(len(producers), len(products), len(rows))


def _short(commune: Commune) -> str:
    return commune.name.removeprefix("Xã ").strip()


def _producer(commune: Commune, index: int) -> Producer:
    kind, title = KINDS[index % len(KINDS)]
    name = f"{title} {_short(commune)}"
    return Producer(name=name, kind=kind, commune=commune, search_key=fold(name))


def _product(commune: Commune, producer: Producer, stem_index: int) -> Product:
    group, stem = PRODUCTS[stem_index % len(PRODUCTS)]
    name = f"{stem} {_short(commune)}"
    return Product(
        name=name,
        producer=producer,
        commune=commune,
        group=group,
        description=DEMO_NOTE,
        search_key=fold(name),
    )


@dataclass(frozen=True)
class Planned:
    decided: datetime.date
    score: Decimal
    level: str
    revoked: datetime.date | None = None


def _products(commune, producer, first_year: int, index: int, rng):
    """The commune's certified product, and for some communes a second one: uncertified
    (2 stars) or certified then revoked."""
    yield _product(commune, producer, index), _certified_chain(first_year, rng)
    if index % 3 == 1:
        yield _product(commune, producer, index + 4), [_planned(first_year, rng, 30, 49)]
    if index % 11 == 5:
        revoked = Planned(
            datetime.date(first_year, 4, 10),
            Decimal("61.50"),
            "district",
            revoked=datetime.date(min(first_year + 1, LAST_YEAR), 8, 20),
        )
        yield _product(commune, producer, index + 7), [revoked]


def _planned(year: int, rng, low: int, high: int, month_range=(2, 6)) -> Planned:
    decided = datetime.date(year, rng.randint(*month_range), rng.randint(1, 28))
    score = Decimal(rng.randint(low * 100, high * 100)) / 100
    # District councils rated 3 stars until Decision 1489 (6 July 2025); then the province.
    level = "district" if rating.withdrawal("district", decided) is None else "province"
    return Planned(decided, score, level)


def _certified_chain(first_year: int, rng) -> list[Planned]:
    """A first certificate from ``first_year``, renewed before it expires while the years to
    cover go on: in force on every 31 December from ``first_year`` to LAST_YEAR."""
    chain = [_planned(first_year, rng, 52, 88)]
    renew = first_year + 3  # a rating decided in Feb-Jun of Y runs into Feb-Jun of Y+3
    while renew <= LAST_YEAR:
        chain.append(_planned(renew, rng, 60, 89, month_range=(1, 1)))
        renew += 3
    return chain


def _row(product: Product, planned: Planned) -> Evaluation:
    stars = rating.stars_for(planned.score, planned.level)
    number = f"{DECISION_PREFIX}{product.pk:04d}-{planned.decided:%y%m%d}/QĐ-UBND"
    revoked = {}
    if planned.revoked:
        revoked = {
            "revoked_date": planned.revoked,
            "revoked_reason": "Vi phạm quy định an toàn thực phẩm (minh họa) / food-safety breach",
            "revoked_decision": f"{DECISION_PREFIX}{product.pk:04d}-TH/QĐ-UBND",
        }
    return Evaluation(
        product=product,
        score=planned.score,
        level=planned.level,
        stars=stars,
        decision_number=number,
        decision_date=planned.decided,
        valid_until=rating.valid_until(planned.decided),
        **revoked,
    )
