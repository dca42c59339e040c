"""Running the database triggers the apps keep (stats.freshness, ocop.latest,
criteria.rules_version): each app writes its statements per database vendor; they are run
after every ``migrate`` (post_migrate), idempotently, since SQLite drops a table's triggers
when a schema change rebuilds it."""

from collections.abc import Callable

from django.db import connections


def install(using: str, builders: dict[str, Callable[[], list[str]]]) -> str | None:
    """Run the statements the builder of this database's vendor writes, in order; the vendor,
    or None where no builder is given (no triggers there)."""
    vendor = connections[using].vendor
    build = builders.get(vendor)
    if build is None:
        return None
    with connections[using].cursor() as cursor:
        for statement in build():
            cursor.execute(statement)
    return vendor
