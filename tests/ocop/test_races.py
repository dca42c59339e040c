"""Two requests at once on PostgreSQL (each in its own connection): no module-wide database
mark here, so that the units the flush of transactional_db empties are loaded again after it
(reloads_units_after)."""

import pytest

from communes.models import Commune
from core.errors import AlreadyExistsError
from ocop import services
from ocop.models import Producer
from tests.concurrency import race


@pytest.mark.postgres
def test_two_creations_racing_give_one_producer_and_one_conflict(
    reloads_units_after, transactional_db
):
    commune = Commune.objects.get(structure="2021", code="25930")
    for round_ in range(10):
        code, refused = f"37020000{round_:02d}", []

        def create(code=code, refused=refused):
            try:
                services.create_producer(
                    name=f"HTX {code}", kind="cooperative", commune=commune, tax_code=code
                )
            except AlreadyExistsError as error:
                refused.append(error.existing_id)

        assert race(create, create) == []
        assert refused == [Producer.objects.get(tax_code=code).pk]
