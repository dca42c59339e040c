"""A small cast for the OCOP tests: communes of the real unit list, a producer, its product."""

import pytest

from communes.models import Commune
from ocop import services


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
