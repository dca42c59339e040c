"""Statistics, assessment details and the lists' pages served from the cache, never stale:
every write they read adds a row to a log in the same transaction, and a cached answer is
keyed by the count of writes (core.answers, to which the stats app gives ``version``), so the
next request after a commit misses the cache and builds its answer again.

The log (stats.models.DataChange) is written by database triggers, not by the services, so
that no write path can forget it: the services' saves, the bulk paths (bulk_update, queryset
updates, COPY-fed imports), admin and a raw SQL fix alike. On PostgreSQL one statement-level
trigger per table and event adds one row per statement that changed rows (read from its
transition table). A write rolled back takes its rows with it; a reader never sees them before
the data they stand for (both commit together), and reads the count before the data, so what
it caches under a count is at least as new as that count.

Insert-only, so a writer takes no lock another transaction waits for (a counter row would be
one more lock, taken in the middle of the services' own, and two writers could deadlock on
it). The log is compacted by readers once it passes COMPACT_AT rows: the rows deleted are added
to DataVersion in the same transaction, so the version (DataVersion.n plus the log's rows, read
in one statement) never goes down.

On SQLite, the embedded default, writers take the whole database one at a time, so no counter
lock can deadlock them: a row-level trigger adds 1 to DataVersion.n directly and the log stays
empty (a log there would grow for good: a fold is a write, and a write inside a read would lock
out the other threads' reads).

The triggers are (re)installed after every ``migrate`` (post_migrate), idempotently: SQLite
rebuilds a table on many schema changes and drops its triggers with it.
"""

from django.conf import settings
from django.db import connection, transaction

from core import answers, triggers
from stats.models import DataChange, DataVersion

# The tables the cached answers read (stats.selectors and what they call; an assessment's
# detail and the assessments', communes' and OCOP products' pages); a test for each reads
# their queries and fails on a table missing here.
TABLES = (
    "criteria_assessment",
    "criteria_criterionresult",
    "criteria_recognition",
    "criteria_target",
    "ocop_product",
    "ocop_evaluation",
    # The products' list shows their producer's name and kind.
    "ocop_producer",
    "communes_commune",
    # A commune turned ward (or back) on a date: the rural communes of its years change.
    "communes_kindchange",
    "communes_district",
    "communes_province",
    "communes_lineage",
    "criteria_criteriaset",
    "criteria_level",
    "criteria_criterion",
    # An assessment's detail: its values, steps and live breakdown under the rules in force.
    "criteria_assessmentvalue",
    "criteria_workflowstep",
    "criteria_edition",
    "criteria_indicator",
    "criteria_measure",
    "criteria_threshold",
    "criteria_communeclass",
)
# Tables of which the answers read some columns only, and whose other columns change often:
# only an update of these counts (a user's name shows in a detail's steps; the last login,
# written at every login, would empty the cache each time). Their rows are neither deleted
# (the steps protect them) nor read before they exist.
COLUMNS = {"auth_user": ("username",)}
EVENTS = {"ins": ("INSERT", "NEW"), "upd": ("UPDATE", "NEW"), "del": ("DELETE", "OLD")}
LOG = DataChange._meta.db_table
BASE = DataVersion._meta.db_table
COMPACT_AT = 1000


def _postgresql(table: str) -> list[str]:
    statements = [
        f"CREATE OR REPLACE FUNCTION stats_log_{table}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN IF EXISTS (SELECT 1 FROM changed) THEN INSERT INTO {LOG} DEFAULT VALUES; "
        f"END IF; RETURN NULL; END $$"
    ]
    for suffix, (event, which) in EVENTS.items():
        statements.append(
            f"CREATE OR REPLACE TRIGGER stats_log_{table}_{suffix} AFTER {event} ON {table} "
            f"REFERENCING {which} TABLE AS changed FOR EACH STATEMENT "
            f"EXECUTE FUNCTION stats_log_{table}()"
        )
    return statements


def _postgresql_columns(table: str, columns: tuple[str, ...]) -> list[str]:
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
    return [
        f"CREATE OR REPLACE FUNCTION stats_log_{table}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN INSERT INTO {LOG} DEFAULT VALUES; RETURN NULL; END $$",
        f"CREATE OR REPLACE TRIGGER stats_log_{table}_upd AFTER UPDATE OF {', '.join(columns)} "
        f"ON {table} FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION stats_log_{table}()",
    ]


def _sqlite_count() -> str:
    # An upsert, not a plain UPDATE: a test emptying every table (transactional tests) takes
    # the counter row with it.
    return f"INSERT INTO {BASE} (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1"


def _sqlite(table: str) -> list[str]:
    # DROP first: a database of the log's days has other bodies.
    return [
        statement
        for suffix, (event, _which) in EVENTS.items()
        for statement in (
            f"DROP TRIGGER IF EXISTS stats_log_{table}_{suffix}",
            f"CREATE TRIGGER stats_log_{table}_{suffix} AFTER {event} ON {table} "
            f"FOR EACH ROW BEGIN {_sqlite_count()}; END",
        )
    ]


def _sqlite_columns(table: str, columns: tuple[str, ...]) -> list[str]:
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
    return [
        f"DROP TRIGGER IF EXISTS stats_log_{table}_upd",
        f"CREATE TRIGGER stats_log_{table}_upd AFTER UPDATE OF {', '.join(columns)} ON {table} "
        f"FOR EACH ROW WHEN {changed} BEGIN {_sqlite_count()}; END",
    ]


def install_triggers(using: str = "default", **kwargs) -> None:
    """Create (or replace) the triggers on every table the cached answers read."""

    def on_every_table(build, build_columns):
        return lambda: [
            *(statement for table in TABLES for statement in build(table)),
            *(s for table, columns in COLUMNS.items() for s in build_columns(table, columns)),
        ]

    triggers.install(
        using,
        {
            "postgresql": on_every_table(_postgresql, _postgresql_columns),
            "sqlite": on_every_table(_sqlite, _sqlite_columns),
        },
    )


def _read() -> tuple[int, int]:
    """(the version, the log's rows), in one statement: one snapshot."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE((SELECT n FROM {BASE} WHERE id = 1), 0), (SELECT COUNT(*) FROM {LOG})"
        )
        base, logged = cursor.fetchone()
    return base + logged, logged


@transaction.atomic
def compact() -> None:
    """Move the log's rows into DataVersion: exactly the rows deleted are added (RETURNING), so
    a write committing meanwhile is counted once, in the log or in the sum."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {LOG} RETURNING id")
        moved = len(cursor.fetchall())
        cursor.execute(
            f"INSERT INTO {BASE} (id, n) VALUES (1, %s) "
            f"ON CONFLICT (id) DO UPDATE SET n = {BASE}.n + excluded.n",
            [moved],
        )


def version() -> int:
    """A number that grows with every committed write the statistics read. A reader folds a
    long log on PostgreSQL (MVCC: nobody waits for it); SQLite's writers count directly."""
    found, logged = _read()
    if logged > COMPACT_AT and connection.vendor == "postgresql":
        compact()
    return found


def cached(name: str, params: dict, build):
    """``build()``'s answer for these parameters, from the cache while no write the statistics
    read has committed since it was counted (core.answers keys it by this module's version)."""
    parts = ("stats", name, repr(sorted(params.items())))
    return answers.cached(parts, build, settings.NTM_STATS_CACHE_SECONDS)
