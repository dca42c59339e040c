"""Each product's latest evaluation (Product.latest_evaluation), kept by the database.

A row trigger on the evaluations points the product at its latest one (the latest decision
date, then the latest recorded) whenever an evaluation is added, removed, moved to another
product or given another decision date: the service, the demo's bulk inserts, admin and a raw
SQL fix alike, so that no write path can forget it. The product row is written only when the
pointer changes.

Since no evaluation is decided after today (ocop.services refuses it), the latest evaluation is
the current one on any day from today on: the lists and statistics of today join it
(ProductQuerySet.with_current) instead of searching each product's evaluations.

Installed after every ``migrate`` (post_migrate), idempotently, as the statistics' triggers
are: SQLite drops a table's triggers when a schema change rebuilds it.
"""

from core import triggers
from ocop.models import Evaluation, Product

PRODUCTS = Product._meta.db_table
EVALUATIONS = Evaluation._meta.db_table
NAME = "ocop_latest_evaluation"


def _point(product: str, differs: str = "IS DISTINCT FROM") -> str:
    """The statement pointing ``product`` (an expression: NEW.product_id, OLD.product_id) at
    its latest evaluation, where it points elsewhere (``differs``: the null-safe inequality,
    IS NOT on SQLite)."""
    latest = (
        f"(SELECT e.id FROM {EVALUATIONS} e WHERE e.product_id = {product} "
        "ORDER BY e.decision_date DESC, e.id DESC LIMIT 1)"
    )
    return (
        f"UPDATE {PRODUCTS} SET latest_evaluation_id = {latest} "
        f"WHERE id = {product} AND latest_evaluation_id {differs} {latest}"
    )


def _postgresql() -> list[str]:
    return [
        f"CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_point('OLD.product_id')}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_point('NEW.product_id')}; END IF; "
        "RETURN NULL; END $$",
        f"CREATE OR REPLACE TRIGGER {NAME} AFTER INSERT OR DELETE "
        f"OR UPDATE OF product_id, decision_date ON {EVALUATIONS} "
        f"FOR EACH ROW EXECUTE FUNCTION {NAME}()",
    ]


def _sqlite() -> list[str]:
    # One trigger per event; IS NOT is SQLite's null-safe inequality.
    def point(product: str) -> str:
        return _point(product, "IS NOT")

    bodies = {
        "ins": ("INSERT", [point("NEW.product_id")]),
        "upd": (
            "UPDATE OF product_id, decision_date",
            [point("OLD.product_id"), point("NEW.product_id")],
        ),
        "del": ("DELETE", [point("OLD.product_id")]),
    }
    statements = []
    for suffix, (event, body) in bodies.items():
        statements.append(f"DROP TRIGGER IF EXISTS {NAME}_{suffix}")
        statements.append(
            f"CREATE TRIGGER {NAME}_{suffix} AFTER {event} ON {EVALUATIONS} FOR EACH ROW "
            f"BEGIN {'; '.join(body)}; END"
        )
    return statements


def install_triggers(using: str = "default", **kwargs) -> None:
    """Create (or replace) the trigger keeping each product's latest evaluation."""
    triggers.install(using, {"postgresql": _postgresql, "sqlite": _sqlite})
