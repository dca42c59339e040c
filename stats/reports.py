"""The report workbook of a province's year: what a province sends up the line at the end of a
year, in one .xlsx that the command, the page button and the API all write from here.

Three sheets:

- "Tổng hợp": the province's statistics as /api/v1/stats/provinces/<code>/ gives them
  (stats.selectors.province_stats: approved assessments only, whoever asks), with when the
  workbook was made, the criteria set and the map;
- "Xã": one row per rural commune on the year's map, with its assessment as the reader may see
  it (the public: approved ones only; a province's staff and the national office: their work in
  progress too), its computed level, criteria met per level, the level it holds on 31 December,
  then one column per criterion of the set with its stored result;
- "Công nhận": the province's recognition decisions that bear on the year.

Queries: those of province_stats, then seven whatever the number of communes (the ladder, the
criteria, the communes, the assessments, their criterion results, the titles held, the
decisions).

Formula injection: every text cell goes through criteria.services.exports.neutralise, the one
rule, so that a decision number, an issuer or a name beginning with =, +, - or @ is shown as
text and never run.
"""

import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.access import Access, visible_work
from communes.models import Commune, Province
from core.formatting import localized
from criteria.models import Assessment, Criterion, CriterionResult, Level, Recognition
from criteria.selectors import Ladder
from criteria.services.exports import neutralise
from ocop.models import Product
from stats.selectors import NONE, UnitNotFound, UnitStats, ladder_for, province_stats

SUMMARY_SHEET, COMMUNES_SHEET, RECOGNITIONS_SHEET = "Tổng hợp", "Xã", "Công nhận"
BOLD = Font(bold=True)


def report_province(code: str, year: int) -> Province:
    """The province a report is asked for, on the year's map. A year without a criteria set
    is a ValidationError (checked first: it is a bad request whatever the province); a code
    naming no province then is UnitNotFound."""
    ladder_for(year)
    province = None
    if code.isascii() and code.isdigit():
        province = Province.objects.on_map(year).filter(code=code).first()
    if province is None:
        raise UnitNotFound(_("No province with code %(code)s.") % {"code": code})
    return province


def province_workbook(province: Province, year: int, access: Access, *, language="vi") -> bytes:
    """The report workbook of ``province`` (a province on the year's map) for ``year``, as
    ``access`` may see it, its labels in ``language``."""
    out = io.BytesIO()
    write_province_workbook(out, province=province, year=year, access=access, language=language)
    return out.getvalue()


def write_province_workbook(
    out, *, province: Province, year: int, access: Access, language: str = "vi"
) -> int:
    """province_workbook written to the binary stream ``out``; returns the communes' count."""
    with translation.override(language):
        book = Workbook()
        count = add_sheets(book, province=province, year=year, access=access)
        book.remove(book.worksheets[0])
        book.save(out)
    return count


def add_sheets(
    book: Workbook,
    *,
    province: Province,
    year: int,
    access: Access,
    report: UnitStats | None = None,
) -> int:
    """The report's three sheets added to ``book``, in the active language; ``report`` is the
    province's statistics if the caller has them already. Returns the communes' count."""
    report = report or province_stats(province.code, year, province.structure)
    data = _load(province, year, access)
    _summary_sheet(book.create_sheet(SUMMARY_SHEET), report, data)
    _communes_sheet(book.create_sheet(COMMUNES_SHEET), data)
    _recognitions_sheet(book.create_sheet(RECOGNITIONS_SHEET), data)
    return len(data.communes)


# --- What the workbook reads ------------------------------------------------------------------


@dataclass
class Row:
    """One commune's line: its assessment (if the reader may see one), results by criterion
    id, and the level it holds on 31 December."""

    commune: Commune
    assessment: dict | None = None
    results: dict[int, str] = field(default_factory=dict)
    held: Level | None = None


@dataclass
class ReportData:
    province: Province
    year: int
    ladder: Ladder
    criteria: list[Criterion]
    communes: list[Row]
    recognitions: list[Recognition]

    @property
    def has_districts(self) -> bool:
        """Whether the map has districts (none since 1 July 2025): else no district column."""
        return any(row.commune.district_id for row in self.communes)


def _load(province: Province, year: int, access: Access) -> ReportData:
    ladder = ladder_for(year)
    criteria_set = ladder.criteria_set
    criteria = list(
        Criterion.objects.filter(level__criteria_set=criteria_set)
        .select_related("level")
        .order_by("level__rank", "order", "number")
    )
    communes = (
        Commune.objects.on_map(year, province.structure)
        .rural(year)
        .filter(province=province)
        .select_related("district")
        .order_by("code")
    )
    rows = {commune.pk: Row(commune) for commune in communes}
    _attach_assessments(rows, province, year, access, criteria_set)
    _attach_titles(rows, province, year, ladder)
    decisions = recognitions(province, year, ladder)
    return ReportData(province, year, ladder, criteria, list(rows.values()), decisions)


def _attach_assessments(rows: dict[int, Row], province, year, access, criteria_set) -> None:
    """Each commune's assessment of the year that ``access`` may see, and its stored criterion
    results: 2 queries."""
    assessments = Assessment.objects.filter(
        visible_work(access), commune__province=province, year=year, criteria_set=criteria_set
    )
    fields = ("pk", "commune_id", "status", "level", "criteria_met_by_level")
    by_id = {}
    for assessment in assessments.values(*fields):
        if assessment["commune_id"] in rows:
            rows[assessment["commune_id"]].assessment = assessment
            by_id[assessment["pk"]] = rows[assessment["commune_id"]]
    results = CriterionResult.objects.filter(assessment__in=assessments).values_list(
        "assessment_id", "criterion_id", "status"
    )
    for assessment_id, criterion_id, status in results:
        if assessment_id in by_id:
            by_id[assessment_id].results[criterion_id] = status


def _attach_titles(rows: dict[int, Row], province, year, ladder: Ladder) -> None:
    """Each commune's title held on 31 December (Recognition.objects.held, highest level
    first: the first title seen is the one held): 1 query."""
    levels = {level.pk: level for level in ladder.levels}
    held = Recognition.objects.held(year, ladder.criteria_set).filter(commune__province=province)
    for commune_id, level_id in held.values_list("commune_id", "level_id"):
        if commune_id in rows and rows[commune_id].held is None:
            rows[commune_id].held = levels.get(level_id)


def recognitions(province: Province, year: int, ladder: Ladder) -> list[Recognition]:
    """The province's decisions (on its communes or districts) on the year's ladder that bear
    on the year: in force on 31 December, or for the year, or decided or revoked in it."""
    year_end = datetime.date(year, 12, 31)
    in_force = Recognition.objects.in_force(year).values("pk")
    relevant = (
        Q(pk__in=in_force)
        | Q(title_year=year)
        | Q(decision_date__year=year)
        | Q(revoked_date__year=year)
    )
    decisions = Recognition.objects.filter(
        Q(commune__province=province) | Q(district__province=province),
        relevant,
        level__criteria_set=ladder.criteria_set,
        decision_date__lte=year_end,
    )
    decisions = decisions.select_related("commune", "district", "level")
    return list(decisions.order_by("decision_date", "decision_number", "pk"))


# --- Writing ----------------------------------------------------------------------------------


def _cell(value):
    """Text neutralised (never a formula); numbers, dates and empty cells as they are."""
    return neutralise(value) if isinstance(value, str) else value


def _append(sheet, values: Iterable, *, bold: bool = False) -> None:
    sheet.append([_cell(value) for value in values])
    if bold:
        for cell in sheet[sheet.max_row]:
            cell.font = BOLD


def _widths(sheet, widths: dict[int, int]) -> None:
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = width


def _level_name(ladder: Ladder, code: str | None) -> str:
    if code is None:
        return ""
    if code == NONE:
        return _("No level")
    return localized(ladder.level(code)) or code


# "Tổng hợp" -----------------------------------------------------------------------------------


def _summary_sheet(sheet, report: UnitStats, data: ReportData) -> None:
    ladder = data.ladder
    criteria_set = ladder.criteria_set
    _append(sheet, [_("New rural development report")], bold=True)
    _append(sheet, [_("Province"), f"{data.province.code} {data.province.name}"])
    _append(sheet, [_("Year"), data.year])
    _append(sheet, [_("Criteria set"), f"{criteria_set.code}: {localized(criteria_set)}"])
    _append(sheet, [_("Administrative map"), report.structure])
    _append(sheet, [_("Generated on"), timezone.localtime().replace(tzinfo=None, microsecond=0)])
    sheet.cell(row=sheet.max_row, column=2).number_format = "dd/mm/yyyy hh:mm"
    _append(sheet, [_("Counted"), _("Approved assessments only, as the statistics API counts.")])
    _append(sheet, [])
    _append(sheet, [_("Rural communes"), report.communes_total])
    _append(sheet, [_("Communes assessed (approved)"), report.assessed])
    first = ladder.first
    _append(sheet, [_("Average criteria met"), report.avg_criteria_met])
    _append(sheet, [_("Average over (communes assessed)"), report.assessed])
    _append(sheet, [_("Criteria at the first level"), getattr(first, "criteria_count", None)])
    _append(sheet, [])
    _levels_table(sheet, report, ladder)
    _districts_block(sheet, report, ladder)
    _targets_block(sheet, report, ladder)
    _ocop_block(sheet, report)
    _difficulty_block(sheet, report, ladder)
    _widths(sheet, {1: 44, 2: 22, 3: 18, 4: 18, 5: 18, 6: 18, 7: 18})


def _levels_table(sheet, report: UnitStats, ladder: Ladder) -> None:
    header = [
        _("Level"),
        _("Computed level"),
        _("Computed: at least this level"),
        _("Computed: share of communes (%)"),
        _("Recognised level"),
        _("Recognised: at least this level"),
        _("Recognised: share of communes (%)"),
    ]
    _append(sheet, header, bold=True)
    _append(
        sheet,
        [_level_name(ladder, NONE), report.computed.get(NONE), None, None]
        + [report.recognized.get(NONE), None, None],
    )
    for code in ladder.codes:
        computed = [report.at_least["computed"][code], report.shares["computed"][code]]
        recognized = [report.at_least["recognized"][code], report.shares["recognized"][code]]
        row = [_level_name(ladder, code), report.computed[code], *computed]
        _append(sheet, row + [report.recognized[code], *recognized])
    _append(sheet, [])


def _districts_block(sheet, report: UnitStats, ladder: Ladder) -> None:
    if not report.districts_total:  # the map since 1 July 2025 has no districts
        return
    _append(sheet, [_("Districts"), report.districts_total], bold=True)
    for code, count in (report.districts_recognized or {}).items():
        _append(sheet, [_("Districts recognised: %(level)s") % _named(ladder, code), count])
    if report.districts:
        header = [_("District"), _("Rural communes"), _("Communes assessed (approved)")]
        header += [_("Computed: at least %(level)s") % _named(ladder, c) for c in ladder.codes]
        header += [_("Recognised: at least %(level)s") % _named(ladder, c) for c in ladder.codes]
        _append(sheet, header, bold=True)
        for row in report.districts:
            at_least = [row.at_least["computed"][c] for c in ladder.codes]
            at_least += [row.at_least["recognized"][c] for c in ladder.codes]
            _append(sheet, [row.unit.name, row.communes_total, row.assessed, *at_least])
    _append(sheet, [])


def _named(ladder: Ladder, code: str) -> dict:
    return {"level": _level_name(ladder, code)}


def _targets_block(sheet, report: UnitStats, ladder: Ladder) -> None:
    header = [
        _("Targets"),
        _("Level"),
        _("Target (communes)"),
        _("Target (%)"),
        _("Recognised on 31 December"),
        _("Progress (%)"),
    ]
    _append(sheet, header, bold=True)
    for target in report.targets:
        progress = round(100 * target.actual / target.target, 1) if target.target else None
        percent = float(target.target_percent) if target.target_percent is not None else None
        level = _level_name(ladder, target.level)
        _append(sheet, [target.year, level, target.target, percent, target.actual, progress])
    _append(sheet, [])


def _ocop_block(sheet, report: UnitStats) -> None:
    ocop = report.ocop
    _append(sheet, [_("OCOP products (3 stars or more)"), ocop.products], bold=True)
    for stars, count in ocop.by_stars.items():
        _append(sheet, [_("%(stars)s stars") % {"stars": stars}, count])
    groups = dict(Product.Group.choices)
    for group, count in ocop.by_group.items():
        _append(sheet, [str(groups.get(group, group)), count])
    _append(sheet, [_("OCOP producers"), ocop.producers])
    _append(sheet, [_("Ratings expiring within 90 days"), ocop.expiring_90_days])
    _append(sheet, [])


def _difficulty_block(sheet, report: UnitStats, ladder: Ladder) -> None:
    header = [_("Criterion"), _("Met"), _("Not met"), _("Incomplete"), _("Not met (%)")]
    _append(sheet, header, bold=True)
    english = (translation.get_language() or "").startswith("en")
    for row in report.criteria_difficulty or []:
        name = (row.name_en if english else row.name_vi) or row.name_vi
        title = f"{_level_name(ladder, row.level)} {row.number}. {name}"
        _append(sheet, [title, row.met, row.not_met, row.incomplete, row.not_met_share])


# "Xã" -----------------------------------------------------------------------------------------

RESULT_LABELS = dict(CriterionResult.Status.choices)
STATUS_LABELS = dict(Assessment.Status.choices)


def _communes_sheet(sheet, data: ReportData) -> None:
    ladder = data.ladder
    header = [_("Code"), _("Commune")] + ([_("District")] if data.has_districts else [])
    header += [_("Status"), _("Computed level")]
    header += [_("Criteria met: %(level)s") % _named(ladder, c) for c in ladder.codes]
    header += [_("Recognised level")]
    header += [_criterion_title(criterion) for criterion in data.criteria]
    _append(sheet, header, bold=True)
    for row in data.communes:
        _append(sheet, _commune_line(row, data))
    for cell in sheet["A"][1:]:
        cell.data_type = "s"  # a code keeps its leading zeros
        cell.number_format = "@"
    sheet.freeze_panes = "C2"
    _widths(sheet, {1: 9, 2: 24, 3: 24, 4: 18, 5: 18})


def _criterion_title(criterion: Criterion) -> str:
    return f"{localized(criterion.level)} {criterion.number}. {localized(criterion)}"


def _commune_line(row: Row, data: ReportData) -> list:
    commune, assessment = row.commune, row.assessment
    line = [commune.code, commune.name]
    if data.has_districts:
        line.append(commune.district.name if commune.district else "")
    if assessment is None:
        line += [_("Not assessed"), None] + [None] * len(data.ladder.levels)
    else:
        line += [str(STATUS_LABELS[assessment["status"]])]
        line += [_level_name(data.ladder, assessment["level"])]
        line += [_met(assessment["criteria_met_by_level"], code) for code in data.ladder.codes]
    line += [localized(row.held) if row.held else ""]
    for criterion in data.criteria:
        status = row.results.get(criterion.pk)
        line.append(str(RESULT_LABELS[status]) if status else None)
    return line


def _met(by_level: dict, code: str) -> str | None:
    """ "17/19": criteria met of the level's criteria, as the assessment was last scored."""
    counts = (by_level or {}).get(code)
    return f"{counts[0]}/{counts[1]}" if counts else None


# "Công nhận" ----------------------------------------------------------------------------------


def _recognitions_sheet(sheet, data: ReportData) -> None:
    fields = Recognition._meta.get_field
    header = [_("Commune or district"), _("Code"), _("Name"), _("Level")]
    header += [str(fields(name).verbose_name).capitalize() for name in RECOGNITION_FIELDS]
    _append(sheet, header, bold=True)
    for recognition in data.recognitions:
        _append(sheet, _recognition_line(recognition))
    for row in sheet.iter_rows(min_row=2):
        row[1].data_type = "s"
        for index in (6, 8):  # the decision's and the revocation's dates
            row[index].number_format = "dd/mm/yyyy"
    _widths(sheet, {1: 10, 3: 24, 4: 16, 6: 18, 7: 12, 8: 30, 9: 12, 10: 18, 11: 30})


RECOGNITION_FIELDS = (
    "title_year",
    "decision_number",
    "decision_date",
    "issuer",
    "revoked_date",
    "revoked_decision",
    "revoked_reason",
)


def _recognition_line(recognition: Recognition) -> list:
    unit = recognition.commune or recognition.district
    kind = _("Commune") if recognition.commune_id else _("District")
    line = [str(kind), unit.code, unit.name, localized(recognition.level)]
    return line + [getattr(recognition, name) for name in RECOGNITION_FIELDS]
