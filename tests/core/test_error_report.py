"""An import's report of errors (core.imports.ErrorReport), and the text it stores (core.text)."""

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


def test_stored_text_is_composed_as_the_portal_writes_it():
    """A note typed with decomposed letters (NFD: "e", a circumflex, an acute) was stored so,
    and then differed from the same words typed on the portal, for an import's comparison, a
    search and a sort."""
    import unicodedata

    from core.text import clean_text

    typed = unicodedata.normalize("NFD", " Không áp dụng: xã đã sáp nhập \r\n")
    assert typed != "Không áp dụng: xã đã sáp nhập"
    assert clean_text(typed) == "Không áp dụng: xã đã sáp nhập"
