"""Storing scoring results: the rules are criteria.scoring's; this writes what they decide, in
bulk, and rescores what changed."""

import copy
import json
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping

from django.db import connection, connections, transaction
from django.utils import timezone

from core.memory import without_cyclic_gc
from criteria import scoring, selectors
from criteria.models import (
    Assessment,
    CriteriaSet,
    CriterionResult,
)
from criteria.services.bulk import insert_rows, update_rows
from criteria.services.locks import hold_sets_of


def apply_result(
    assessment: Assessment,
    class_value: str,
    result: scoring.AssessmentResult,
    scored_at=None,
    edition_id: int | None = None,
) -> None:
    """Set the stored result fields (RESULT_FIELDS) of ``assessment`` from ``result`` and the
    edition it was scored under, in memory: what rescoring writes and what verify_results
    compares."""
    first = min(result.levels, key=lambda level: level.rank) if result.levels else None
    assessment.class_value = class_value
    assessment.level = result.level
    assessment.criteria_met = first.criteria_met if first else 0
    assessment.criteria_met_by_level = {
        level.code: [level.criteria_met, level.criteria_total] for level in result.levels
    }
    assessment.complete = all(level.complete for level in result.levels)
    assessment.uses_unverified = result.uses_unverified
    assessment.scored_at = scored_at
    assessment.edition_id = edition_id


def scored_with(assessment: Assessment, in_force: Mapping, today: bool = False) -> int | None:
    """The edition an assessment's result is scored under (selectors.results_for's choice)."""
    if not today and selectors.frozen(assessment, in_force):
        return assessment.edition_id
    edition = in_force.get(assessment.year)
    return edition.pk if edition else None


RESULT_FIELDS = [
    "class_value",
    "level",
    "criteria_met",
    "criteria_met_by_level",
    "complete",
    "uses_unverified",
    "scored_at",
    "edition_id",
]
COMPARED_FIELDS = [name for name in RESULT_FIELDS if name != "scored_at"]


def _criterion_statuses(result: scoring.AssessmentResult, ids: dict) -> dict[int, str]:
    """{criterion id: status} of a result: what is stored of it criterion by criterion."""
    return {
        ids[(c.level, c.code)]: c.status.value for level in result.levels for c in level.criteria
    }


def _criterion_ids(criteria_set: CriteriaSet) -> dict[tuple[str, str], int]:
    rows = criteria_set.levels.values_list("code", "criteria__number", "criteria__id")
    return {(level, number): pk for level, number, pk in rows if pk is not None}


@transaction.atomic
def rescore_many(
    assessments: list[Assessment], *, today: bool = False
) -> dict[int, scoring.AssessmentResult]:
    """Score assessments (of any sets and years) and store their results with bulk writes;
    ``today``: approved ones too under today's rules (re-judging, services.editions)."""
    results = {}
    for group in _by_set(assessments):
        results |= _rescore_group(group[0].criteria_set, group, today)
    return results


def _by_set(assessments: list[Assessment]) -> list[list[Assessment]]:
    """The assessments grouped by criteria set: the engine scores one set's rules at a time."""
    groups: dict[int, list[Assessment]] = {}
    for assessment in assessments:
        groups.setdefault(assessment.criteria_set_id, []).append(assessment)
    return list(groups.values())


def _rescore_group(criteria_set: CriteriaSet, assessments: list[Assessment], today: bool) -> dict:
    """Score the group and write only what changed: the result fields of the assessments
    whose result differs from the stored one (or that were never scored), and the criterion
    results that differ, are missing or are no longer part of the set."""
    compiled = selectors.compiled_rules(criteria_set)
    in_force = compiled.in_force
    with without_cyclic_gc():
        scored = selectors.results_for(criteria_set, assessments, today=today, compiled=compiled)
    ids = _criterion_ids(criteria_set)
    scored_at = timezone.now()
    changed, wanted = [], {}
    for a in assessments:
        class_value, result = scored[a.pk]
        before = [getattr(a, name) for name in COMPARED_FIELDS]
        apply_result(a, class_value, result, a.scored_at, scored_with(a, in_force, today))
        if a.scored_at is None or before != [getattr(a, name) for name in COMPARED_FIELDS]:
            a.scored_at = scored_at
            changed.append(a)
        wanted[a.pk] = _criterion_statuses(result, ids)
    if changed:
        _store_results(changed)
    _store_criterion_results(wanted)
    return {pk: result for pk, (_, result) in scored.items()}


def _store_results(assessments: list[Assessment]) -> None:
    # Not bulk_update: its CASE over every row and field costs 2 ms an assessment.
    if connection.vendor == "postgresql":
        _store_results_at_once(assessments)
        return
    update_rows(
        Assessment,
        [{"pk": a.pk, **{name: getattr(a, name) for name in RESULT_FIELDS}} for a in assessments],
        RESULT_FIELDS,
    )


# The array type each result field travels in (the JSON as text, cast back by the statement).
_PG_ARRAYS = {
    "class_value": "text[]",
    "level": "text[]",
    "criteria_met": "integer[]",
    "criteria_met_by_level": "text[]",
    "complete": "boolean[]",
    "uses_unverified": "boolean[]",
    "scored_at": "timestamptz[]",
    "edition_id": "bigint[]",
}


def _store_results_at_once(assessments: list[Assessment]) -> None:
    """PostgreSQL: every changed result in one UPDATE from arrays, not one statement a row
    (each statement also runs the statistics' triggers: 305 of them cost seconds)."""
    meta, quote = Assessment._meta, connection.ops.quote_name
    columns = {name: quote(meta.get_field(name).column) for name in RESULT_FIELDS}
    assignments = ", ".join(
        f"{column} = v.{column}::jsonb"
        if name == "criteria_met_by_level"
        else f"{column} = v.{column}"
        for name, column in columns.items()
    )
    arrays = ", ".join(f"%s::{_PG_ARRAYS[name]}" for name in RESULT_FIELDS)
    names = ", ".join(columns.values())
    sql = (
        f"UPDATE {quote(meta.db_table)} AS a SET {assignments} "
        f"FROM unnest(%s::bigint[], {arrays}) AS v(id, {names}) WHERE a.id = v.id"
    )
    params = [[a.pk for a in assessments]]
    for name in RESULT_FIELDS:
        values = [getattr(a, name) for a in assessments]
        if name == "criteria_met_by_level":
            values = [json.dumps(value) for value in values]
        params.append(values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _store_criterion_results(wanted: dict[int, dict[int, str]]) -> None:
    """Make the stored criterion results of these assessments the ``wanted`` ones
    ({assessment id: {criterion id: status}}), touching only the rows that differ: 1 query
    to read them, then at most one statement per status to change, one to insert and one to
    delete; on PostgreSQL one line of statuses an assessment read and compared, then one
    statement for the assessments whose line differs."""
    if connection.vendor == "postgresql":
        _store_criterion_results_at_once(wanted)
        return
    stored = CriterionResult.objects.filter(assessment_id__in=list(wanted)).values_list(
        "pk", "assessment_id", "criterion_id", "status"
    )
    to_status: dict[str, list[int]] = defaultdict(list)
    gone = []
    for pk, assessment_id, criterion_id, status in stored:
        want = wanted[assessment_id].pop(criterion_id, None)
        if want is None:
            gone.append(pk)
        elif want != status:
            to_status[want].append(pk)
    for status, pks in to_status.items():
        CriterionResult.objects.filter(pk__in=pks).update(status=status)
    if gone:
        CriterionResult.objects.filter(pk__in=gone).delete()
    new = [
        {"assessment_id": assessment_id, "criterion_id": criterion_id, "status": status}
        for assessment_id, statuses in wanted.items()
        for criterion_id, status in statuses.items()
    ]
    if new:
        insert_rows(CriterionResult, new)


def _store_criterion_results_at_once(wanted: dict[int, dict[int, str]]) -> None:
    """PostgreSQL: the stored rows are never read into Python (a year's rescoring compared
    324,000 of them there, a fifth of its time). Each assessment's stored statuses come as one
    line, compared with the wanted one; those that differ are mended by one statement."""
    table = connection.ops.quote_name(CriterionResult._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT assessment_id, string_agg(criterion_id || ' ' || status, ',' "
            f"ORDER BY criterion_id) FROM {table} WHERE assessment_id = ANY(%s::bigint[]) "
            "GROUP BY assessment_id",
            [_array(wanted)],
        )
        stored = dict(cursor.fetchall())
    differ = {
        assessment_id: statuses
        for assessment_id, statuses in wanted.items()
        if stored.get(assessment_id, "")
        != ",".join(f"{pk} {status}" for pk, status in sorted(statuses.items()))
    }
    if differ:
        _mend_criterion_results(differ)


def _mend_criterion_results(wanted: dict[int, dict[int, str]]) -> None:
    """The wanted statuses sent as arrays, compared with the stored rows where they are, and
    the rows that differ changed, deleted or added by one statement. The arrays travel as one
    literal each ('{1,2}'), which the server reads at once (a list, sent as ARRAY[1, 2, ...],
    is parsed constant by constant: 30 ms a batch of 500 assessments)."""
    assessments, criteria, statuses = [], [], []
    for assessment_id, by_criterion in wanted.items():
        for criterion_id, status in by_criterion.items():
            assessments.append(assessment_id)
            criteria.append(criterion_id)
            statuses.append(status)
    if not set(statuses) <= _STATUS_WORDS:  # words an array literal holds unquoted
        raise ValueError(f"unknown criterion statuses: {set(statuses) - _STATUS_WORDS}")
    table = connection.ops.quote_name(CriterionResult._meta.db_table)
    sql = (
        "WITH wanted AS MATERIALIZED (SELECT * FROM unnest(%(a)s::bigint[], %(c)s::bigint[], "
        "%(s)s::text[]) AS w(assessment_id, criterion_id, status)), "
        "stored AS MATERIALIZED (SELECT id, assessment_id, criterion_id, status "
        f"FROM {table} WHERE assessment_id = ANY(%(ids)s::bigint[])), "
        "diff AS MATERIALIZED (SELECT s.id, w.assessment_id, w.criterion_id, "
        "w.status AS wanted, s.status AS had FROM wanted AS w FULL JOIN stored AS s "
        "ON s.assessment_id = w.assessment_id AND s.criterion_id = w.criterion_id "
        "WHERE w.status IS DISTINCT FROM s.status), "
        f"changed AS (UPDATE {table} AS r SET status = d.wanted FROM diff AS d "
        "WHERE r.id = d.id AND d.wanted IS NOT NULL), "
        f"gone AS (DELETE FROM {table} AS r USING diff AS d WHERE r.id = d.id "
        "AND d.wanted IS NULL) "
        f"INSERT INTO {table} (assessment_id, criterion_id, status) "
        "SELECT assessment_id, criterion_id, wanted FROM diff WHERE id IS NULL"
    )
    params = {
        "a": _array(assessments),
        "c": _array(criteria),
        "s": _array(statuses),
        "ids": _array(wanted),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


_STATUS_WORDS = {status.value for status in CriterionResult.Status}


def _array(values) -> str:
    """A PostgreSQL array literal of integers or plain words."""
    return "{" + ",".join(map(str, values)) + "}"


def rescore(assessment: Assessment) -> scoring.AssessmentResult:
    """Score one assessment, store the result, and return the full breakdown."""
    loaded = selectors.assessments_for_scoring([assessment.pk]).get()
    return rescore_many([loaded])[loaded.pk]


def _locked_for_scoring(ids) -> list[Assessment]:
    """The open assessments among ``ids``, row-locked in a fixed order (so that two rescorings
    never wait on each other in a circle) before their values are read: a value save or a
    workflow step of the same assessment then runs entirely before or after this rescoring,
    and the stored result always follows the values stored. Approved assessments keep the
    result they were approved with."""
    ids = list(ids)
    hold_sets_of(ids)
    locked = Assessment.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    locked = locked.exclude(status=Assessment.Status.APPROVED)
    return list(selectors.assessments_for_scoring(list(locked.values_list("pk", flat=True))))


@transaction.atomic
def rescore_open(ids) -> int:
    """Rescore those of these assessments that are open (approved ones keep the result they
    were approved with), locked in the sets' order; returns how many. The cyclic collector
    rests for the whole batch, not only its scoring: its full passes over the batch's
    objects, the rows read and the results stored, were a fifth of a year's rescoring."""
    with without_cyclic_gc():
        assessments = _locked_for_scoring(ids)
        if assessments:
            rescore_many(assessments)
        return len(assessments)


def recompute(
    *,
    year: int | None = None,
    province_code: str | None = None,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> int:
    """Rescore the open assessments (not approved) in batches, e.g. after thresholds changed;
    returns how many. Approved ones keep the result they were approved with. ``progress``
    hears (done, total) before the first batch and after each one. ``workers`` > 1: the
    batches are scored by that many processes at once where that is safe (parallel_workers),
    else here one after another."""
    ids = selectors.assessment_ids(year=year, province_code=province_code, open_only=True)
    batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    rescored = done = 0
    if progress:
        progress(0, len(ids))
    for batch, count in _rescored(batches, parallel_workers(workers, len(batches))):
        rescored += count
        done += len(batch)
        if progress:
            progress(done, len(ids))
    return rescored


def default_workers() -> int:
    """The processes a bulk rescoring at the terminal uses: one a core."""
    return os.cpu_count() or 1


def parallel_workers(asked: int, batches: int) -> int:
    """How many processes may score ``batches`` at once: 1 (here, one batch after another)
    unless the database is PostgreSQL (each process opens its own connection; SQLite's
    in-memory and single-writer databases cannot be shared so), no transaction is open here
    (the batches commit on their own, which a forked process could not join), and this
    process may have children (not a daemon, as a job queue's worker is)."""
    if asked <= 1 or batches <= 1 or os.name != "posix":
        return 1
    if any(c.vendor != "postgresql" or c.in_atomic_block for c in connections.all()):
        return 1
    if multiprocessing.current_process().daemon:
        return 1
    return min(asked, batches)


def _rescored(batches: list[list[int]], workers: int) -> Iterator[tuple[list[int], int]]:
    """Each batch rescored (rescore_open, a transaction each), with how many, in order: here,
    or by ``workers`` forked processes. Batches are disjoint and lock their rows in key order
    after the set's shared hold (services.locks), so processes never wait on each other."""
    if workers <= 1:
        for batch in batches:
            yield batch, rescore_open(batch)
        return
    connections.close_all()  # a forked process must never use this one's connection
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from zip(batches, pool.imap(_rescore_batch, batches), strict=True)


def _rescore_batch(ids: list[int]) -> int:
    """rescore_open in a forked process, its connection closed after each batch (the pool
    ends its processes without asking)."""
    try:
        return rescore_open(ids)
    finally:
        connections.close_all()


def rescore_for_derived_change(key: str, commune_ids) -> int:
    """Rescore the open assessments of these communes whose set derives a measure from ``key``.
    Approved assessments are locked: their result stays the one that was approved."""
    ids = Assessment.objects.filter(
        commune_id__in=list(commune_ids), criteria_set__measures__derived_from=key
    ).values_list("pk", flat=True)
    return rescore_open(set(ids))


def disagreements(assessments: list[Assessment]) -> list[tuple[Assessment, dict, dict]]:
    """The assessments whose stored result is not what their values score now, without writing
    anything: (assessment, stored fields, live fields) for each. Assessments need
    criteria_set and commune__province__region loaded (selectors.assessments_for_scoring)."""
    found = []
    for group in _by_set(assessments):
        compiled = selectors.compiled_rules(group[0].criteria_set)
        in_force = compiled.in_force
        scored = selectors.results_for(group[0].criteria_set, group, compiled=compiled)
        for assessment in group:
            live = copy.copy(assessment)
            edition_id = scored_with(assessment, in_force)
            apply_result(live, *scored[assessment.pk], edition_id=edition_id)
            stored = {name: getattr(assessment, name) for name in COMPARED_FIELDS}
            fresh = {name: getattr(live, name) for name in COMPARED_FIELDS}
            if stored != fresh:
                found.append((assessment, stored, fresh))
    return found
