"""Exporting assessments' values as the long CSV that services.imports reads back
(``commune_code,year,measure_code,value,note``): export then import changes nothing.

Formula injection: a spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@``.
Only the note is free text, so only a note is neutralised (an apostrophe in front, which
spreadsheets show as text and the import removes again: restore). The other cells are written
by the portal: codes, a year, and values from stored decimals, where ``-5`` is a number (a
change measure may be negative) and must stay one to round-trip; "1"/"0" for yes/no and
"n/a" for not applicable.
"""

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

from accounts.access import Access, visible_work
from communes.models import Province
from criteria.models import Assessment, AssessmentValue, Measure

COLUMNS = ("commune_code", "year", "measure_code", "value", "note")
FORMULA_STARTS = ("=", "+", "-", "@")
NOT_APPLICABLE = "n/a"


def _runs(text: str) -> bool:
    """Whether a spreadsheet would run the cell, or it looks like a neutralised one (whose
    apostrophe must then be kept apart from the one neutralise adds)."""
    return text.startswith(FORMULA_STARTS) or (text.startswith("'") and _runs(text[1:]))


def neutralise(text: str) -> str:
    """Free text as a spreadsheet will not run it."""
    return "'" + text if _runs(text) else text


def restore(text: str) -> str:
    """A cell as it was before neutralise() (other text is left as it is). A note typed as
    "'=x" by hand is read as "=x", which is what a spreadsheet shows for it."""
    return text[1:] if text.startswith("'") and _runs(text[1:]) else text


def value_text(number: Decimal | None, flag: bool | None, not_applicable: bool) -> str:
    """A stored value as the import reads it: plain digits with a point, 1/0, n/a, or empty."""
    if not_applicable:
        return NOT_APPLICABLE
    if flag is not None:
        return "1" if flag else "0"
    if number is None:
        return ""
    return format(number.normalize(), "f")  # 55.0000 -> 55, 0.5000 -> 0.5, 1E+2 -> 100


def value_rows(
    *, province: Province, year: int, access: Access, commune_codes: Iterable[str] | None = None
) -> Iterator[list[str]]:
    """The header, then the province's stored values of ``year`` that ``access`` may see (the
    public: approved assessments only), by commune and measure; read in chunks from one
    query. Derived measures are left out: they are computed, not entered."""
    yield list(COLUMNS)
    assessments = Assessment.objects.filter(
        visible_work(access), commune__province=province, year=year
    )
    values = AssessmentValue.objects.filter(assessment__in=assessments).exclude(
        measure__source=Measure.Source.DERIVED
    )
    if commune_codes is not None:
        values = values.filter(assessment__commune__code__in=list(commune_codes))
    rows = values.order_by("assessment__commune__code", "measure__code")
    fields = ("assessment__commune__code", "measure__code", "number", "flag", "not_applicable")
    for code, measure, number, flag, na, note in rows.values_list(*fields, "note").iterator(2000):
        yield [code, str(year), measure, value_text(number, flag, na), neutralise(note)]


def write_values_csv(out, **filters) -> int:
    """value_rows written to the text stream ``out``; returns how many values."""
    writer = csv.writer(out, lineterminator="\n")
    count = -1
    for count, row in enumerate(value_rows(**filters)):  # noqa: B007 (the count is used after)
        writer.writerow(row)
    return count


class Echo:
    """A file-like object whose write() returns what it was given: csv.writer then yields
    lines for a streaming response."""

    def write(self, text: str) -> str:
        return text


def csv_lines(**filters) -> Iterator[str]:
    """value_rows as CSV lines, for a streaming response."""
    writer = csv.writer(Echo(), lineterminator="\n")
    return (writer.writerow(row) for row in value_rows(**filters))
