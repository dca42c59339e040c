"""What the import page shows of an import's report: the changes commune by commune with
the totals, or every error; and, once applied, the counts and where the levels show."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.access import Access
from communes.models import Province
from criteria.models import Measure
from criteria.services.imports import UNCHANGED, CommuneChange, ImportReport, RowError


@dataclass(frozen=True)
class ValueLine:
    """A stored value the file changes, as the preview shows it: before and after."""

    commune: str
    year: int
    measure: Measure
    row: int
    before: dict  # as web/_value.html shows a value
    after: dict | None  # None: cleared


@dataclass(frozen=True)
class Preview:
    status: str
    changing: list[CommuneChange]  # the communes the import writes to
    unchanged: list[CommuneChange]
    totals: list[tuple[str, int]]  # (what, how many), in reading order
    value_lines: list[ValueLine]  # the stored values changed or cleared (the first ones)
    more_values: int  # those changed or cleared beyond the lines


@dataclass(frozen=True)
class Refusal:
    message: str
    errors: list[RowError]
    hidden: int  # errors counted but not listed (a hostile file's millions)


def preview(report: ImportReport) -> Preview:
    lines = [
        ValueLine(
            f"{c.commune_name} ({c.commune_code})",
            c.year,
            c.measure,
            c.row,
            _shown(*c.before),
            None if c.after is None else _shown(*_astuple(c.after)),
        )
        for c in report.value_changes
    ]
    overwritten = report.values_changed + report.values_cleared
    return Preview(
        status=report.status,
        changing=[c for c in report.communes if c.assessment != UNCHANGED],
        unchanged=[c for c in report.communes if c.assessment == UNCHANGED],
        totals=totals(report),
        value_lines=lines,
        more_values=overwritten - len(lines),
    )


def _astuple(value) -> tuple:
    return value.number, value.flag, value.not_applicable, value.note


def _shown(number, flag, not_applicable: bool, note: str) -> dict:
    """A value as the pages' one way of showing it takes it (web/_value.html, as the history
    of changes and a conflict show theirs)."""
    return {
        "value": flag if flag is not None else number,
        "not_applicable": not_applicable,
        "note": note,
    }


def totals(report: ImportReport) -> list[tuple[str, int]]:
    rows = [
        (_("Rows read"), report.rows),
        (_("Assessments created"), report.assessments_created),
        (_("Assessments changed"), report.assessments_changed),
        (_("Assessments unchanged"), report.assessments_unchanged),
        (_("Values created"), report.values_created),
        (_("Values changed"), report.values_changed),
        (_("Values cleared"), report.values_cleared),
        (_("Values unchanged"), report.values_unchanged),
    ]
    if report.status == "approved":
        rows.append((_("Assessments approved"), report.assessments_approved))
        left = _("Assessments not approved: the file does not change them")
        rows.append((left, report.assessments_left_open))
    return rows


MAX_SHOWN_ERRORS = 1000  # a page of a person's reading; the rest are counted


def refusal(message: str, report: ImportReport) -> Refusal:
    shown = report.errors[:MAX_SHOWN_ERRORS]
    return Refusal(message, shown, report.error_count - len(shown))


def done_message(report: ImportReport, access: Access) -> str:
    """The counts of an applied import and a link to each province-year's overview."""
    counts = _(
        "Imported: %(created)d assessment(s) created and %(changed)d changed; %(values_created)d "
        "value(s) created, %(values_changed)d changed and %(values_cleared)d cleared."
    ) % {
        "created": report.assessments_created,
        "changed": report.assessments_changed,
        "values_created": report.values_created,
        "values_changed": report.values_changed,
        "values_cleared": report.values_cleared,
    }
    if report.status == "approved":
        counts += " " + _("%(n)d assessment(s) approved.") % {"n": report.assessments_approved}
    if report.status == "approved" and report.assessments_left_open:
        counts += " " + _(
            "%(n)d assessment(s) the file does not change left as they were, not approved: "
            "approve them from the approvals queue."
        ) % {"n": report.assessments_left_open}
    links = format_html_join(
        " ", '<a href="{}">{}</a>', (_overview_link(access, *pair) for pair in _places(report))
    )
    if not links:
        return counts
    return format_html("{} {} {}", counts, _("See the levels:"), links)


def _places(report: ImportReport) -> list[tuple[str, int]]:
    """The (province code, year) pairs the file touched, in order."""
    return sorted({(c.province_code, c.year) for c in report.communes})


def _overview_link(access: Access, province_code: str, year: int) -> tuple[str, str]:
    query = {"province": province_code, "year": year} if access.country_wide else {"year": year}
    url = f"{reverse('pages:overview')}?{urlencode(query)}"
    if not access.country_wide:
        return url, _("overview of %(year)d") % {"year": year}
    name = (
        Province.objects.on_map(year)
        .filter(code=province_code)
        .values_list("name", flat=True)
        .first()
    )
    return url, f"{name or province_code} · {year}"


def province_choices() -> list[tuple[str, str]]:
    """Both maps' provinces by code, for national users to choose a template's (a code may
    name a province on each map: both names show)."""
    names: dict[str, list[str]] = {}
    for code, name in Province.objects.order_by("code", "structure").values_list("code", "name"):
        if name not in names.setdefault(code, []):
            names[code].append(name)
    return [(code, f"{' / '.join(both)} ({code})") for code, both in names.items()]
