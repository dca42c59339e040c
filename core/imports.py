"""What every all-or-nothing import of a spreadsheet shares: an error names its row, column,
value and reason; a report counts every error but lists a bounded number of them (a hostile
file's millions of errors are counted, not all listed) and says them as lines; a refused file
is an exception carrying its report. What the rows mean is each import's own business
(criteria.services.imports, programme.imports).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_LISTED_ERRORS = 10_000


@dataclass(frozen=True)
class RowError:
    row: int  # the file's row, the header being row 1
    column: str
    value: str
    message: str


@dataclass
class ErrorReport:
    """The errors of an import: ``error_count`` of them, the first MAX_LISTED_ERRORS listed."""

    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    # The errors said of the row read now: rows come in order, so one row's are kept at once.
    _said: tuple[int, set] = field(default_factory=lambda: (0, set()), repr=False, compare=False)

    def add_error(self, row: int, column: str, value: object, message: str) -> None:
        """Count and list an error; the same error again in its row (a refused commune found
        again by each measure column, between the errors of the columns) is said once."""
        error = RowError(row, column, str(value)[:200], message)
        said_row, said = self._said
        if said_row != row:
            said_row, said = row, set()
            self._said = (row, said)
        if error in said:
            return
        said.add(error)
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(error)

    def error_lines(self) -> list[str]:
        lines = [
            _("Row %(row)d, %(column)s “%(value)s”: %(message)s") % error.__dict__
            for error in self.errors
        ]
        hidden = self.error_count - len(self.errors)
        if hidden:
            message = ngettext("… and %(n)d more error.", "… and %(n)d more errors.", hidden)
            lines.append(message % {"n": hidden})
        return lines


class ImportRefused(Exception):
    """The file has errors: nothing was written. ``report`` lists them all."""

    def __init__(self, report: ErrorReport):
        message = ngettext(
            "The file was refused (%(n)d error); nothing was imported.",
            "The file was refused (%(n)d errors); nothing was imported.",
            report.error_count,
        )
        super().__init__(message % {"n": report.error_count})
        self.report = report
