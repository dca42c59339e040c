"""Writing many rows at once, for the services' bulk paths (values.create_assessments,
workflow.move_many, results.rescore_many): the rows the one-at-a-time services write, with a
few statements per table instead of a few per assessment.

For the tables that grow by tens of thousands of rows in one go (values, their history, stored
results) no model instance is built: bulk_create spends seconds preparing each field of each
instance there (6 s for the demo's 100,000 values, against 1 s with insert_rows; 3 s for
bulk_update of 1,500 results, against 0.02 s with update_rows), and a history row can be
copied by the database from the row it records (copy_to_history). Smaller tables keep
bulk_create and simple_history's own bulk functions."""

import datetime
import io
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import groupby

from django.db import connections, models, router
from django.utils import timezone

from communes.models import Commune
from criteria.models import YearClosure
from criteria.services.closures import refuse_if_closed

ROWS_PER_STATEMENT = 1000
AUTO_FIELDS = (models.AutoField, models.BigAutoField, models.SmallAutoField)
PLAIN_FIELDS = (models.IntegerField, models.CharField, models.TextField, models.BooleanField)


def _as_is(field: models.Field) -> bool:
    """Whether the database driver takes the field's Python value as it is: Django's own
    integer, text and boolean fields, and keys to them."""
    if isinstance(field, models.ForeignKey):
        return _as_is(field.target_field)
    return isinstance(field, PLAIN_FIELDS)


def _unchanged(value):
    return value


def _preparer(field: models.Field, connection):
    """How a value of the field goes to the database: as it is, or through
    field.get_db_prep_save once per distinct value (a column's values repeat: one timestamp
    for all the rows, numbers rounded to a tenth)."""
    if _as_is(field):
        return _unchanged
    prepared = {}

    def prepare(value):
        try:
            return prepared[value]
        except KeyError:
            prepared[value] = field.get_db_prep_save(value, connection)
            return prepared[value]
        except TypeError:  # unhashable (a JSON value): prepared each time
            return field.get_db_prep_save(value, connection)

    return prepare


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, object]]) -> None:
    """Insert rows given as {field attname: value}. Values are of the Python types the model's
    fields hold (no lazy strings, no expressions); a field a row leaves out takes its default
    (so auto_now fields must be given); the auto-incremented key is the database's. Nothing is
    read back.

    On PostgreSQL by COPY (copy_into), where every field's value has a text form here (a
    year's 324,000 criterion results, their keys checked at once: 4.5-4.9 s copied, 5.5 s by
    multi-row INSERTs; the rest is the database's own work on the table's indexes and keys).
    Elsewhere, many rows per INSERT statement."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AUTO_FIELDS)]
    defaults = {f.attname: f.get_default() for f in fields}
    if connection.vendor == "postgresql":
        writers = [(f.attname, _copy_writer(f, connection)) for f in fields]
        if all(writer for _name, writer in writers):
            lines = (
                "\t".join([write(row.get(name, defaults[name])) for name, write in writers]) + "\n"
                for row in rows
            )
            copy_into(model, [f.attname for f in fields], lines)
            return
    prepares = [(f.attname, _preparer(f, connection)) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "

    def statement(count: int) -> str:
        return head + connection.ops.bulk_insert_sql(fields, [["%s"] * len(fields)] * count)

    def params(batch) -> list:
        return [prepare(row.get(f, defaults[f])) for row in batch for f, prepare in prepares]

    size = max(1, min(ROWS_PER_STATEMENT, connection.ops.bulk_batch_size(fields, rows)))
    batches = [rows[start : start + size] for start in range(0, len(rows), size)]
    with connection.cursor() as cursor:
        # executemany: one statement prepared for all the full batches, then one for the rest;
        # and in debug mode the query log does not quote every parameter of every batch.
        for count, same_size in groupby(batches, key=len):
            cursor.executemany(statement(count), [params(batch) for batch in same_size])


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
LINES_PER_COPY = 20_000  # what one COPY holds in memory as text: a few megabytes


def copy_text(value) -> str:
    """A value in COPY's text format: \\N for NULL, t/f, text with its specials escaped,
    numbers, dates and times as PostgreSQL reads them."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    if isinstance(value, datetime.date):  # a datetime too (with its offset)
        return value.isoformat()
    return str(value)


COPY_TYPES = (str, int, Decimal, datetime.date)  # what copy_text writes (bool is an int)


def _copy_writer(field: models.Field, connection) -> Callable[[object], str] | None:
    """How a value of the field is written for COPY; None for a field whose value this does
    not know how to write (insert_rows then inserts by statements)."""
    if _as_is(field):
        return copy_text  # integers, text and booleans as they are
    prepare = _preparer(field, connection)

    def write(value) -> str:
        prepared = prepare(value)
        if prepared is not None and not isinstance(prepared, COPY_TYPES):
            raise TypeError(f"{field} has no COPY text form for {type(prepared).__name__}")
        return copy_text(prepared)

    if isinstance(field, models.DecimalField | models.DateField | models.DateTimeField):
        return write
    return None


def copy_into(model: type[models.Model], attnames: Sequence[str], lines: Iterable[str]) -> None:
    """PostgreSQL: the rows given as lines of COPY's text format (copy_text's values, tab
    separated, each line ending with a newline), for the model's fields ``attnames``, copied
    into its table LINES_PER_COPY at a time."""
    connection = connections[router.db_for_write(model)]
    meta, quote = model._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in attnames)
    statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    batch: list[str] = []
    with connection.cursor() as cursor:
        for line in lines:
            batch.append(line)
            if len(batch) == LINES_PER_COPY:
                cursor.copy_expert(statement, io.StringIO("".join(batch)))
                batch = []
        if batch:
            cursor.copy_expert(statement, io.StringIO("".join(batch)))


def update_rows(model: type[models.Model], rows: Sequence[Mapping[str, object]], fields) -> None:
    """Set ``fields`` (attnames) of each row given as {"pk": key, field: value}. Unlike
    bulk_update, nothing is built per row and field but the value, and no row is touched but
    those given.

    On SQLite, one statement per ROWS_PER_STATEMENT rows, joining the table to the rows' values
    (UPDATE ... FROM): a statement that fires the statistics' triggers opens a statement
    journal, and under an open savepoint each one cost 35 ms (the demo's 1,510 results took
    53 s a row at a time, 0.1 s this way). On PostgreSQL, one prepared statement executed once a
    row: its untyped parameters cannot travel in a VALUES list (results.py writes its many rows
    from typed arrays instead)."""
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    targets = [meta.get_field(name) for name in fields]
    prepares = [(f.attname, _preparer(f, connection)) for f in targets]
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)

    def values(row) -> list:
        return [prepare(row[f]) for f, prepare in prepares]

    with connection.cursor() as cursor:
        if connection.vendor != "sqlite":
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in targets)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk} = %s",
                [values(row) + [row["pk"]] for row in rows],
            )
            return
        names = [f"v{index}" for index in range(len(targets))]
        assignments = ", ".join(
            f"{quote(f.column)} = given.{name}" for f, name in zip(targets, names, strict=True)
        )
        row_marks = "(" + ", ".join(["%s"] * (len(targets) + 1)) + ")"
        size = max(1, min(ROWS_PER_STATEMENT, _sqlite_parameters(connection) // (len(targets) + 1)))
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            given = ", ".join([row_marks] * len(batch))
            cursor.execute(
                f"WITH given(key, {', '.join(names)}) AS (VALUES {given}) "
                f"UPDATE {table} SET {assignments} FROM given WHERE {table}.{pk} = given.key",
                [param for row in batch for param in [row["pk"], *values(row)]],
            )


def _sqlite_parameters(connection) -> int:
    """How many parameters one SQLite statement takes: the library's own limit (32,766 by
    default since SQLite 3.32), where Python can ask it; else Django's conservative 999."""
    connection.ensure_connection()
    try:
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python before 3.11
        return connection.features.max_query_params


def copy_to_history(
    queryset: models.QuerySet, *, user=None, change: str = "+", reason: str | None = None
) -> None:
    """Record the queryset's rows in their django-simple-history table, as bulk_history_create
    records them ("+" created, "~" changed): one INSERT ... SELECT, the rows never leaving the
    database."""
    historical = queryset.model.history.model
    connection = connections[router.db_for_write(historical)]
    tracked = [f.attname for f in historical.tracked_fields]
    select, params = queryset.order_by().values_list(*tracked).query.sql_with_params()
    extra = {
        "history_date": timezone.now(),
        "history_type": change,
        "history_change_reason": reason,
        "history_user_id": user.pk if user else None,
    }
    meta, quote = historical._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in [*tracked, *extra])
    constants = [
        meta.get_field(name).get_db_prep_save(value, connection) for name, value in extra.items()
    ]
    placeholders = ", ".join(["%s"] * len(constants))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "
            f"SELECT tracked.*, {placeholders} FROM ({select}) AS tracked",
            [*constants, *params],
        )


def refuse_if_any_closed(commune_years: Iterable[tuple[Commune, int]]) -> None:
    """refuse_if_closed for many (commune, year) pairs: one query when no year of their
    provinces is closed, as is usual; else each pair of a closed province-year is asked."""
    pairs = {(commune.pk, commune.province_id, year) for commune, year in commune_years}
    closed = set(
        YearClosure.objects.filter(
            province__in={province for _c, province, _y in pairs},
            year__in={year for _c, _p, year in pairs},
        ).values_list("province_id", "year")
    )
    for commune_id, province_id, year in sorted(pairs):
        if (province_id, year) in closed:
            refuse_if_closed(commune_id, year)
