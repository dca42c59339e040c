"""A small cast for the OCOP tests: communes of the real unit list, a producer, its product."""

import datetime

import pytest

from communes.models import Commune
from ocop import services
from ocop.models import Product
from tests.ocop.builders import evaluate

day = datetime.date


@pytest.fixture
def bach_dang(db):
    """Xã Bạch Đằng, Bình Dương (a rural commune with diacritics in its name)."""
    return Commune.objects.get(structure="2021", code="25930")


@pytest.fixture
def other_commune(db):
    """A rural commune of Lạng Sơn (20): another province than Bạch Đằng's."""
    return Commune.objects.rural().filter(structure="2021", province__code="20").first()


@pytest.fixture
def neighbour(db):
    """Xã Minh Hoà, Dầu Tiếng: another rural commune of Bạch Đằng's province (Bình Dương, 74),
    where a product of a Bạch Đằng producer may come from."""
    return Commune.objects.get(structure="2021", code="25780")


@pytest.fixture
def producer(bach_dang):
    return services.create_producer(
        name="Hợp tác xã Nông nghiệp Bạch Đằng",
        kind="cooperative",
        commune=bach_dang,
        tax_code="3702123456",
    )


@pytest.fixture
def product(producer):
    return services.create_product(producer=producer, name="Bưởi da xanh", group="food")


def _revoke(evaluation, on: datetime.date) -> None:
    services.revoke_evaluation(
        evaluation=evaluation, revoked_date=on, reason="vi phạm", decision=f"R-{evaluation.pk}"
    )


@pytest.fixture
def histories(producer):
    """Products with varied histories, by name."""
    made = {}

    def product(name: str) -> Product:
        made[name] = services.create_product(producer=producer, name=name, group="food")
        return made[name]

    evaluate(product("expires 2024-02-29"), day(2021, 3, 1), score="55")
    _revoke(evaluate(product("revoked 2023-09-01"), day(2022, 6, 15)), day(2023, 9, 1))
    evaluate(product("two stars"), day(2023, 1, 10), score="40")
    superseded = product("superseded then revoked")
    evaluate(superseded, day(2021, 1, 5), score="60")
    newer = evaluate(superseded, day(2023, 5, 20), score="95", level="central")
    _revoke(newer, day(2024, 8, 1))
    evaluate(product("valid through 2025-12-30"), day(2022, 12, 31))
    product("never evaluated")
    same_day = product("same day")
    evaluate(same_day, day(2023, 7, 1), score="60", decision_number="1/QĐ")
    evaluate(same_day, day(2023, 7, 1), score="80", decision_number="2/QĐ")
    evaluate(product("district 2024"), day(2024, 12, 1), score="92", level="district")
    return made
