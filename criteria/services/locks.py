"""The order in which writes that score take their locks, so that none waits on another in a
circle (PostgreSQL; SQLite lets one writer in at a time and needs none of this).

1. The criteria set's row: publishing an edition holds it exclusively (lock_set) for its whole
   transaction; every write that stores a result first holds it shared (hold_sets). So a value
   save, a new assessment or an OCOP rescoring runs wholly before a publication (which then
   rescores it) or wholly after (reading the rules it published). Without the shared hold, a
   save's deferred foreign-key check would take the set's row only at its COMMIT, after the
   assessment's row: a publication holding the set and waiting for that assessment would
   deadlock with it.
2. The assessments' rows, in key order (services.results._locked_for_scoring, values'
   locked_current).
"""

from django.db import connection

from criteria.models import Assessment, CriteriaSet


def lock_set(criteria_set: CriteriaSet) -> None:
    """Hold the set's row exclusively until the transaction ends (a publication)."""
    list(CriteriaSet.objects.select_for_update().filter(pk=criteria_set.pk).values_list("pk"))


def hold_sets(set_ids) -> None:
    """Hold the sets' rows shared until the transaction ends: writers of results do not wait
    for each other, only for a publication of their set. PostgreSQL's FOR KEY SHARE is the
    lock a foreign-key check takes. One query, on SQLite too (without the lock, which SQLite
    has no need of), so that a write costs the same queries on both."""
    ids = sorted(set(set_ids))
    _hold("id = ANY(%s)" if _postgres() else _in(ids), ids)


def hold_sets_of(assessment_ids) -> None:
    """hold_sets for the sets of these assessments, in the same one query."""
    table = connection.ops.quote_name(Assessment._meta.db_table)
    ids = sorted(set(assessment_ids))
    where = "id = ANY(%s)" if _postgres() else _in(ids)
    _hold(f"id IN (SELECT criteria_set_id FROM {table} WHERE {where})", ids)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _in(ids) -> str:
    return f"id IN ({', '.join(['%s'] * len(set(ids)))})" if ids else "1 = 0"


def _hold(where: str, ids: list) -> None:
    table = connection.ops.quote_name(CriteriaSet._meta.db_table)
    params = [ids] if _postgres() else ids
    lock = " FOR KEY SHARE" if _postgres() else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY id{lock}", params)
