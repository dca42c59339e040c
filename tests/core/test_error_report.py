"""An import's report of errors (core.imports.ErrorReport): every error listed once."""

from core.imports import ErrorReport


def test_an_error_repeated_in_its_row_is_said_once_even_between_others():
    """A refused commune is found again by each measure column of its row, between the
    errors of the columns themselves: before, only a repeat just after itself was dropped,
    and a row of 66 measures made 132 errors."""
    report = ErrorReport()
    for column in ("F", "G", "H"):
        report.add_error(3, "commune_code", "25930", "Not on the map of 2026.")
        report.add_error(3, column, "x", "Unknown measure.")
    report.add_error(4, "commune_code", "25930", "Not on the map of 2026.")  # another row
    report.add_error(3, "commune_code", "25930", "Not on the map of 2026.")  # row 3 again
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "commune_code"),
        (3, "F"),
        (3, "G"),
        (3, "H"),
        (4, "commune_code"),
        (3, "commune_code"),  # rows come in order: a row met again is a new one
    ]
    assert report.error_count == 6
