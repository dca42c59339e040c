"""Statistics served from the cache, never stale: every write the statistics read bumps a
per-province counter in the same transaction, and a cached answer is keyed by the counters'
sum, so the next request after a commit misses the cache and counts again.

The counters (stats.models.DataVersion) are bumped by database triggers, not by the services,
so that no write path can forget them: the services' saves, the bulk paths (bulk_update,
queryset updates, COPY-fed imports), admin and a raw SQL fix alike. On PostgreSQL one
statement-level trigger per table and event bumps each province the statement touched once
(from its transition table); on SQLite, the embedded default, a row-level trigger bumps the
row's province. A write rolled back takes its bump with it; a reader never sees a bump before
the data it stands for (both commit together), and reads the counters before the data, so
what it caches under a sum is at least as new as that sum.

One counter per province, so that writers of different provinces never wait for one another;
row 0 stands for what every province's figures read (the ladder, the lineage). A reader adds
them all up: a write anywhere refreshes every cached figure (the national ones include it).

The triggers are (re)installed after every ``migrate`` (post_migrate), idempotently: SQLite
rebuilds a table on many schema changes and drops its triggers with it.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.utils import timezone, translation

from stats.models import DataVersion

# The tables the statistics read, the columns of a changed row the province is found from, and
# the query finding it ({rows}: the changed rows as "r"; the province as "p"; 0: every one).
_COMMUNE = "JOIN communes_commune c ON c.id = r.commune_id"
TABLES = {
    "criteria_assessment": (("commune_id",), f"SELECT c.province_id AS p FROM {{rows}} {_COMMUNE}"),
    "criteria_criterionresult": (
        ("assessment_id",),
        "SELECT c.province_id AS p FROM {rows} JOIN criteria_assessment a ON a.id = "
        "r.assessment_id JOIN communes_commune c ON c.id = a.commune_id",
    ),
    "criteria_recognition": (
        ("commune_id", "district_id"),
        "SELECT COALESCE(c.province_id, d.province_id) AS p FROM {rows} LEFT JOIN "
        "communes_commune c ON c.id = r.commune_id LEFT JOIN communes_district d ON d.id = "
        "r.district_id",
    ),
    "criteria_target": (("province_id",), "SELECT r.province_id AS p FROM {rows}"),
    "ocop_product": (("commune_id",), f"SELECT c.province_id AS p FROM {{rows}} {_COMMUNE}"),
    "ocop_evaluation": (
        ("product_id",),
        "SELECT c.province_id AS p FROM {rows} JOIN ocop_product o ON o.id = r.product_id "
        "JOIN communes_commune c ON c.id = o.commune_id",
    ),
    "communes_commune": (("province_id",), "SELECT r.province_id AS p FROM {rows}"),
    "communes_district": (("province_id",), "SELECT r.province_id AS p FROM {rows}"),
    # A commune turned ward (or back) on a date: the rural communes of its years change.
    "communes_kindchange": (("commune_id",), f"SELECT c.province_id AS p FROM {{rows}} {_COMMUNE}"),
    "communes_province": (("id",), "SELECT 0 AS p FROM {rows}"),
    "communes_lineage": (("id",), "SELECT 0 AS p FROM {rows}"),
    "criteria_criteriaset": (("id",), "SELECT 0 AS p FROM {rows}"),
    "criteria_level": (("id",), "SELECT 0 AS p FROM {rows}"),
    "criteria_criterion": (("id",), "SELECT 0 AS p FROM {rows}"),
}
EVENTS = {"ins": ("INSERT", "NEW"), "upd": ("UPDATE", "NEW"), "del": ("DELETE", "OLD")}
VERSIONS = DataVersion._meta.db_table
BUMP = (
    "INSERT INTO {versions} (province_id, n) SELECT DISTINCT s.p, 1 FROM ({select}) s "
    "WHERE s.p IS NOT NULL {order} ON CONFLICT (province_id) DO UPDATE SET n = {versions}.n + 1"
)


def _postgresql(table: str, select: str) -> list[str]:
    bump = BUMP.format(
        versions=VERSIONS, select=select.format(rows="changed r"), order="ORDER BY s.p"
    )
    statements = [
        f"CREATE OR REPLACE FUNCTION stats_bump_{table}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN {bump}; RETURN NULL; END $$"
    ]
    for suffix, (event, which) in EVENTS.items():
        statements.append(
            f"CREATE OR REPLACE TRIGGER stats_bump_{table}_{suffix} AFTER {event} ON {table} "
            f"REFERENCING {which} TABLE AS changed FOR EACH STATEMENT "
            f"EXECUTE FUNCTION stats_bump_{table}()"
        )
    return statements


def _sqlite(table: str, columns: tuple[str, ...], select: str) -> list[str]:
    statements = []
    for suffix, (event, which) in EVENTS.items():
        row = ", ".join(f"{which}.{column} AS {column}" for column in columns)
        # "WHERE" before ON CONFLICT: SQLite would read the conflict clause as a join's ON.
        bump = BUMP.format(
            versions=VERSIONS, select=select.format(rows=f"(SELECT {row}) r"), order=""
        )
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS stats_bump_{table}_{suffix} AFTER {event} ON {table} "
            f"FOR EACH ROW BEGIN {bump}; END"
        )
    return statements


def trigger_statements(vendor: str) -> list[str]:
    statements = []
    for table, (columns, select) in TABLES.items():
        if vendor == "postgresql":
            statements += _postgresql(table, select)
        elif vendor == "sqlite":
            statements += _sqlite(table, columns, select)
    return statements


def install_triggers(using: str = "default", **kwargs) -> None:
    """Create (or replace) the triggers on every table the statistics read."""
    with connections[using].cursor() as cursor:
        for statement in trigger_statements(connections[using].vendor):
            cursor.execute(statement)


def version() -> int:
    """The sum of the counters: it grows with every committed write the statistics read."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(SUM(n), 0) FROM {VERSIONS}")
        return cursor.fetchone()[0]


def cached(name: str, params: dict, build):
    """``build()``'s answer for these parameters, from the cache while no write the statistics
    read has committed since it was counted (and the day is the same: OCOP ratings expire)."""
    parts = [
        "stats",
        connection.settings_dict["NAME"],  # two databases on one cache never share a figure
        name,
        repr(sorted(params.items())),
        translation.get_language() or "",
        timezone.localdate().isoformat(),
        str(version()),
    ]
    key = "stats:" + hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, settings.NTM_STATS_CACHE_SECONDS)
    return found
