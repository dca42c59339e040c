"""The version of the rules, kept by the database: a token (RulesVersion, one row) that changes
whenever a row of the rule tables is written, so that the rules compiled per process
(selectors.compiled_rules) are checked with one read of one row, whatever the number of rules.
Digesting the rule rows on every read, as before, grew with them: 1 ms for the national sets
alone, 10-16 ms once 63 provinces have set a hundred thresholds each.

Triggers write it, not the services, so that no write path can forget it: editions published,
thresholds edited in admin, criteria loaded, a queryset update, raw SQL. Each change draws a
new random token, never an incremented number: a token written inside a transaction that is
rolled back is never seen again, so a copy compiled under it is never served to anyone else.
A reader sees the token its transaction sees, its own uncommitted writes included, as it sees
the rule rows themselves.

PostgreSQL: one trigger per table, run once per statement and BEFORE it, so that a transaction
takes the token's row lock before it touches any rule row: two transactions editing rules
queue on the token and never deadlock over the rule rows. Rule writes are the national
office's, rare; the assessments and their values, written all day, are not rule tables.
SQLite: a row trigger per table and event (SQLite has no statement triggers; its writers take
the whole database one at a time).

The row is written with an upsert, as a database emptied by a test's flush has lost it; while it
is missing, the reader falls back to digesting the rule rows. Installed after every
``migrate`` (post_migrate), idempotently, as the statistics' triggers are, and the token is
drawn anew then, as a migration may have changed rule rows while SQLite had dropped the
triggers of a rebuilt table.
"""

from django.db import connection, connections

from core import triggers
from criteria.models import (
    Criterion,
    Edition,
    Indicator,
    Level,
    Measure,
    RulesVersion,
    Threshold,
)

# Editions are rule rows: which one is in force for a year is read with the compiled rules.
RULE_MODELS = (Level, Criterion, Indicator, Measure, Threshold, Edition)
VERSION = RulesVersion._meta.db_table
NAME = "criteria_rules_version"
_NEW_TOKEN = {
    "postgresql": "replace(gen_random_uuid()::text, '-', '')",
    "sqlite": "lower(hex(randomblob(16)))",
}


def _draw(vendor: str) -> str:
    """The statement giving the version a new token (creating its row where it is missing)."""
    token = _NEW_TOKEN[vendor]
    if vendor == "postgresql":
        return (
            f"INSERT INTO {VERSION} (id, token) VALUES (1, {token}) "
            "ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token"
        )
    return f"INSERT OR REPLACE INTO {VERSION} (id, token) VALUES (1, {token})"


def _tables() -> list[str]:
    return [model._meta.db_table for model in RULE_MODELS]


def _postgresql() -> list[str]:
    statements = [
        f"CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{_draw('postgresql')}; RETURN NULL; END $$"
    ]
    for table in _tables():
        statements.append(
            f"CREATE OR REPLACE TRIGGER {NAME} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {NAME}()"
        )
    return statements


def _sqlite() -> list[str]:
    statements = []
    for table in _tables():
        for event in ("INSERT", "UPDATE", "DELETE"):
            trigger = f"{NAME}_{table}_{event.lower()}"
            statements.append(f"DROP TRIGGER IF EXISTS {trigger}")
            statements.append(
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW "
                f"BEGIN {_draw('sqlite')}; END"
            )
    return statements


def install_triggers(using: str = "default", **kwargs) -> None:
    """Create (or replace) the triggers, and draw a new token."""
    vendor = triggers.install(using, {"postgresql": _postgresql, "sqlite": _sqlite})
    if vendor is not None:
        with connections[using].cursor() as cursor:
            cursor.execute(_draw(vendor))


def current_token() -> str | None:
    """The rules' version as this transaction sees it (1 query); None where its row is missing
    (a database emptied by a flush, or one without the triggers)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {VERSION} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None
