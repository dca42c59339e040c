"""The province's annual report on the programme, in Vietnamese: the document a province sends
up the line at the end of a year, built here once and written three ways (plain text, a Word
document, a workbook) by the command ``annual_report``, the page button and
GET /api/v1/stats/provinces/<code>/annual-report.<docx|xlsx|txt>?year=.

Its sections, as the provinces' own reports run:

1. communes by level on 31 December, the communes recognised in the year, the share of the
   province's rural communes, the change on the previous year, and the average criteria met;
2. districts (on the maps that have them);
3. OCOP products by stars;
4. resources mobilised by source with shares, works built, production models, hamlet titles
   (programme.report's paragraphs);
5. this year's plan with its progress and next year's plan.

Every figure is one the statistics API gives and is traceable: the communes' figures are
counted from the portal's records (stats.selectors.province_stats: approved assessments and
the recognitions held) where the portal holds the province's communes for the year, and taken
from the province's reported figures (programme's HistoricalFigure) otherwise, e.g. the years
before the portal's data; each says which. The appendix lists the recognition decisions of
the year, the hamlet titles' decisions and the reported figures used, with their record ids.

Public like the statistics: approved records only, whoever asks, so that the same document
comes out for everyone. The document is Vietnamese whatever the reader's language.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import translation
from docx import Document
from docx.shared import Pt
from openpyxl import Workbook

from accounts.access import ANONYMOUS
from communes.models import Province
from criteria.models import Recognition
from criteria.selectors import Ladder
from criteria.services.exports import neutralise
from ocop.models import Product
from programme import report as programme_report
from programme import selectors as programme_selectors
from programme.models import FIRST_YEAR
from programme.models import Figure as FigureKind
from stats import reports
from stats.selectors import UnitNotFound, UnitStats, province_stats

PORTAL, REPORTED = "portal", "reported"
SOURCES = [PORTAL, REPORTED]  # where a figure of the report comes from
SOURCE_WORDS = {PORTAL: "số liệu các xã trên Cổng", REPORTED: "số liệu tỉnh báo cáo"}
REPORT_SHEET = "Báo cáo năm"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- the figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure of the report: its value and the previous year's, each with its source
    (PORTAL or REPORTED; None where neither knows it)."""

    value: Decimal | None = None
    source: str | None = None
    previous: Decimal | None = None
    previous_source: str | None = None

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class LevelFigures:
    code: str
    phrase: str  # "đạt chuẩn nông thôn mới", as it follows "xã"
    held: Figure  # communes holding the level or a higher one on 31 December
    recognised: Figure  # communes recognised at the level in the year
    share: float | None  # held, as a percentage of the rural communes (portal only)


@dataclass
class AnnualReport:
    province: Province
    year: int
    ladder: Ladder
    stats: UnitStats
    previous: UnitStats | None
    levels: list[LevelFigures]
    average: Figure
    programme: dict
    decisions: list[Recognition]
    figures_used: list = field(default_factory=list)  # programme.models.HistoricalFigure

    @property
    def counted(self) -> bool:
        """Whether the portal holds the province's communes for the year."""
        return counted(self.stats)


def counted(stats: UnitStats | None) -> bool:
    """Whether a year's statistics rest on the portal's records of the communes: an approved
    assessment or a recognition held. Otherwise the province's reported figures stand."""
    if stats is None:
        return False
    held = sum(count for level, count in stats.at_least["recognized"].items())
    return bool(stats.assessed or held)


def phrase(level) -> str:
    """A level's Vietnamese name as it follows "xã": "Xã đạt chuẩn nông thôn mới" gives
    "đạt chuẩn nông thôn mới"."""
    name = level.name_vi.strip()
    if name.lower().startswith("xã "):
        name = name[3:]
    return name[:1].lower() + name[1:]


def _previous_stats(province: Province, year: int) -> UnitStats | None:
    try:
        return province_stats(province.code, year - 1, province.structure, details=False)
    except (UnitNotFound, ValidationError):  # no criteria set, or not on the map, that year
        return None


def _decided(province: Province, year: int, ladder: Ladder) -> list[Recognition]:
    """The communes' recognitions decided in the year and not revoked within it."""
    return [
        decision
        for decision in reports.recognitions(province, year, ladder)
        if decision.commune_id
        and decision.decision_date.year == year
        and not (decision.revoked_date and decision.revoked_date.year <= year)
    ]


def _figure(portal: dict, reported: dict, key: tuple, previous_portal: dict) -> Figure:
    """The year's value of ``key`` = (kind, level) and the previous year's: the portal's where
    it counted the year, else the province's reported figure."""
    value, source = _pick(portal, reported, key, 0)
    before, before_source = _pick(previous_portal, reported, key, -1)
    return Figure(value, source, before, before_source)


def _pick(portal: dict, reported: dict, key, offset: int):
    if key in portal:
        return portal[key], PORTAL
    found = reported.get((offset, *key))
    return (found.value, REPORTED) if found is not None else (None, None)


def _portal_values(stats: UnitStats | None) -> dict:
    if not counted(stats):
        return {}
    values = {
        (FigureKind.COMMUNES_AT_LEVEL, code): Decimal(count)
        for code, count in stats.at_least["recognized"].items()
    }
    if stats.avg_criteria_met is not None:
        values[(FigureKind.AVERAGE_CRITERIA, "")] = Decimal(str(stats.avg_criteria_met))
    return values


def annual_report(province: Province, year: int) -> AnnualReport:
    """Every figure of the province's annual report for ``year`` (a province on the year's
    map). A year no criteria set covers is a ValidationError."""
    stats = province_stats(province.code, year, province.structure)
    ladder = reports.ladder_for(year)
    previous = _previous_stats(province, year)
    found = programme_selectors.reported_figures(province, (year, year - 1))
    reported = {(f.year - year, f.kind, f.level): f for f in found}
    portal, portal_before = _portal_values(stats), _portal_values(previous)
    decisions = _decided(province, year, ladder)
    levels = []
    for level in ladder.levels:
        held = _figure(portal, reported, (FigureKind.COMMUNES_AT_LEVEL, level.code), portal_before)
        if portal:
            count = sum(1 for d in decisions if d.level_id == level.pk)
            recognised = Figure(Decimal(count), PORTAL)
        else:
            more = reported.get((0, FigureKind.MORE_COMMUNES, level.code))
            recognised = Figure(more.value, REPORTED) if more else Figure()
        share = stats.shares["recognized"][level.code] if portal else None
        levels.append(LevelFigures(level.code, phrase(level), held, recognised, share))
    average = _figure(portal, reported, (FigureKind.AVERAGE_CRITERIA, ""), portal_before)
    reached = {(FigureKind.AVERAGE_CRITERIA, ""): average.value} if average.value else {}
    for line in levels:
        if line.held.value is not None:
            reached[(FigureKind.COMMUNES_AT_LEVEL, line.code)] = line.held.value
        if line.recognised.value is not None:
            reached[(FigureKind.MORE_COMMUNES, line.code)] = line.recognised.value
    programme = programme_selectors.province_report(province, year, reached=reached)
    used = [f for f in found if _used(f, year, portal, portal_before)]
    return AnnualReport(
        province, year, ladder, stats, previous, levels, average, programme, decisions, used
    )


def _used(figure, year: int, portal: dict, portal_before: dict) -> bool:
    """Whether a reported figure stands in the report (the portal did not count it)."""
    counted_by = portal if figure.year == year else portal_before
    if figure.kind == FigureKind.MORE_COMMUNES:
        return figure.year == year and not portal
    if figure.kind in (FigureKind.COMMUNES_AT_LEVEL, FigureKind.AVERAGE_CRITERIA):
        return (figure.kind, figure.level) not in counted_by
    return False


# --- the document, as blocks every format writes -------------------------------------------------

number = programme_report.number


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list]


def _change(figure: Figure, year: int) -> str:
    if figure.change is None:
        return ""
    if not figure.change:
        return f" (không đổi so với năm {year - 1})"
    return f" ({programme_report.change_words(figure.change)} so với năm {year - 1})"


def _source(figure: Figure) -> str:
    return SOURCE_WORDS.get(figure.source, "")


def communes_section(report: AnnualReport) -> list:
    stats, year, blocks = report.stats, report.year, []
    if report.counted:
        blocks.append(
            f"Toàn tỉnh có {stats.communes_total} xã; {stats.assessed} xã có kết quả đánh giá "
            f"năm {year} được phê duyệt (theo {report.ladder.criteria_set.code})."
        )
    for line in report.levels:
        if line.recognised.value is not None:
            blocks.append(
                f"Số xã được công nhận {line.phrase} trong năm: {number(line.recognised.value)}."
            )
        if line.held.value is not None:
            share = f" ({number(line.share, 1)}% số xã)" if line.share is not None else ""
            held = number(line.held.value)
            blocks.append(f"Tổng số xã {line.phrase}: {held}{share}{_change(line.held, year)}.")
    if report.average.value is not None:
        average = number(report.average.value)
        blocks.append(f"Bình quân tiêu chí đạt/xã: {average}{_change(report.average, year)}.")
    if len(blocks) == 0:
        return [f"Chưa có số liệu kết quả xây dựng nông thôn mới năm {year} được phê duyệt."]
    rows = [
        [
            f"Xã {line.phrase}",
            _cell(line.recognised.value),
            _cell(line.held.value),
            line.share,
            _cell(line.held.previous),
            _cell(line.held.change),
            _source(line.held),
        ]
        for line in report.levels
    ]
    average = report.average
    rows.append(
        [
            "Bình quân tiêu chí đạt/xã",
            None,
            _cell(average.value),
            None,
            _cell(average.previous),
            _cell(average.change),
            _source(average),
        ]
    )
    header = [
        "Chỉ tiêu",
        "Công nhận trong năm",
        f"Đến 31/12/{year}",
        "Tỷ lệ (%)",
        f"Năm {year - 1}",
        "Tăng/giảm",
        "Nguồn số liệu",
    ]
    return [*blocks, Table(header, rows)]


def _cell(value):
    """A Decimal as a number a spreadsheet keeps (whole numbers as int)."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral() else float(value)


def districts_section(report: AnnualReport) -> list:
    stats = report.stats
    if not stats.districts_total:  # the map since 1 July 2025 has no districts
        return []
    first = report.ladder.first
    recognised = (stats.districts_recognized or {}).get(first.code, 0) if first else 0
    blocks = [
        f"Toàn tỉnh có {stats.districts_total} đơn vị cấp huyện; {recognised} đơn vị được công "
        f"nhận đạt chuẩn/hoàn thành nhiệm vụ xây dựng nông thôn mới."
    ]
    codes = report.ladder.codes
    capital = {
        row["code"]: _cell(row["actual"])
        for row in report.programme["resources"].get("by_district", [])
    }
    header = ["Huyện", "Số xã", "Đã đánh giá"]
    header += [f"Xã {line.phrase}" for line in report.levels]
    header.append("Vốn huy động thực hiện (triệu đồng)")
    rows = [
        [row.unit.name, row.communes_total, row.assessed]
        + [row.at_least["recognized"][code] for code in codes]
        + [capital.get(row.unit.code)]
        for row in stats.districts or []
        if row.communes_total  # an urban district has no commune to report
    ]
    return [*blocks, Table(header, rows)]


def ocop_section(report: AnnualReport) -> list:
    ocop = report.stats.ocop
    if not ocop.products:
        return []
    stars = "; ".join(f"{n} sản phẩm {s} sao" for s, n in ocop.by_stars.items() if n)
    text = (
        f"Toàn tỉnh có {ocop.products} sản phẩm OCOP còn hiệu lực ({stars}) của "
        f"{ocop.producers} chủ thể"
    )
    before = report.previous.ocop.products if report.previous else None
    if before is not None:
        words = programme_report.change_words(ocop.products - before)
        text += f" ({words} sản phẩm so với năm {report.year - 1})"
    groups = dict(Product.Group.choices)
    with translation.override("vi"):
        rows = [[str(groups.get(g, g)), n] for g, n in ocop.by_group.items()]
    rows = [[f"{s} sao", n] for s, n in ocop.by_stars.items()] + rows
    return [text + ".", Table(["Hạng sao / nhóm sản phẩm", "Số sản phẩm"], rows)]


def _programme(build):
    return lambda report: build(report.programme)


def _groups(resources: dict) -> str:
    groups = resources["by_group"]
    return (
        f"vốn ngân sách nhà nước {number(groups['budget']['share'] or 0)}%, vốn huy động khác "
        f"{number(groups['other']['share'] or 0)}%"
    )


def periods_section(report: AnnualReport) -> list:
    """The programme period so far, its planned capital, and the programme since 2011."""
    billions, lines = programme_report.billions, []
    first, year = report.ladder.criteria_set.first_year, report.year
    period = programme_selectors.period_resources(report.province, first, year)
    if period["actual"]["total"] and year > first:
        lines.append(
            f"Lũy kế giai đoạn {first}-{year}: tổng vốn huy động thực hiện "
            f"{billions(period['actual']['total'])}; {_groups(period['actual'])}."
        )
    last = report.ladder.criteria_set.last_year
    planned = programme_selectors.period_resources(report.province, first, last)["planned"]
    if planned["total"]:
        lines.append(
            f"Kế hoạch vốn giai đoạn {first}-{last}: {billions(planned['total'])}; "
            f"{_groups(planned)}."
        )
    since = programme_selectors.period_resources(report.province, FIRST_YEAR, year)["actual"]
    if since["total"] and year > FIRST_YEAR:
        lines.append(
            f"Lũy kế từ năm {FIRST_YEAR} đến năm {year}: tổng vốn huy động thực hiện "
            f"{billions(since['total'])}; nhân dân đóng góp {billions(since['community'])} "
            f"({number(since['community_share'] or 0, 1)}% tổng vốn)."
        )
    return lines


def _resources_table(report: AnnualReport) -> list:
    resources = report.programme["resources"]
    actual, planned = resources["actual"], resources["planned"]
    if not actual["total"] and not planned["total"]:
        return []
    rows = []
    for source, plan in zip(actual["by_source"], planned["by_source"], strict=True):
        rows.append(
            [source["name"], _cell(plan["amount"]), _cell(source["amount"]), source["share"]]
        )
    rows.append(["Tổng cộng", _cell(planned["total"]), _cell(actual["total"]), None])
    header = ["Nguồn vốn", "Kế hoạch (triệu đồng)", "Thực hiện (triệu đồng)", "Tỷ lệ (%)"]
    return [Table(header, rows)]


def _works_table(report: AnnualReport) -> list:
    works = [w for w in report.programme["works"] if w["quantity"]]
    if not works:
        return []
    header = ["Loại công trình", "Đơn vị", "Tổng", "Làm mới", "Nâng cấp", "Kinh phí (triệu đồng)"]
    rows = [
        [
            w["name"],
            w["unit"],
            _cell(w["quantity"]),
            _cell(w["new"]),
            _cell(w["upgraded"]),
            _cell(w["cost"]),
        ]
        for w in works
    ]
    return [Table(header, rows)]


def _join(*builders):
    return lambda report: [block for build in builders for block in build(report)]


SECTIONS = [
    ("Kết quả xây dựng nông thôn mới", communes_section),
    ("Kết quả theo đơn vị cấp huyện", districts_section),
    ("Sản phẩm OCOP", ocop_section),
    (
        "Nguồn lực huy động",
        _join(_programme(programme_report.resources_text), periods_section, _resources_table),
    ),
    ("Công trình hạ tầng", _join(_programme(programme_report.works_text), _works_table)),
    ("Mô hình phát triển sản xuất", _programme(programme_report.models_text)),
    ("Khu dân cư kiểu mẫu, vườn mẫu", _programme(programme_report.titles_text)),
    ("Kế hoạch", _programme(programme_report.plan_text)),
]


def _appendix(report: AnnualReport) -> list[tuple[str, Table]]:
    """The records behind the figures: the recognitions of the year, the hamlet titles'
    decisions and the reported figures used."""
    levels = {level.pk: f"Xã {phrase(level)}" for level in report.ladder.levels}
    decisions = Table(
        ["Xã", "Mã xã", "Cấp độ", "Số quyết định", "Ngày", "Cơ quan ban hành"],
        [
            [
                d.commune.name,
                d.commune.code,
                levels.get(d.level_id, ""),
                d.decision_number,
                d.decision_date.strftime("%d/%m/%Y"),
                d.issuer,
            ]
            for d in report.decisions
        ],
    )
    titles = Table(
        ["Danh hiệu", "Huyện", "Xã", "Thôn / hộ", "Số quyết định", "Ngày", "Mã hồ sơ"],
        [
            [*row[:5], row[5].strftime("%d/%m/%Y"), str(row[6])]
            for row in programme_report.title_decisions(report.province, report.year)
        ],
    )
    names = programme_report.figure_name
    figures = Table(
        ["Chỉ tiêu", "Năm", "Giá trị", "Mã hồ sơ"],
        [
            [names(f.kind, f.level).capitalize(), str(f.year), _cell(f.value), str(f.pk)]
            for f in report.figures_used
        ],
    )
    return [
        (f"Phụ lục 1. Các xã được công nhận trong năm {report.year}", decisions),
        ("Phụ lục 2. Quyết định công nhận khu dân cư kiểu mẫu, vườn mẫu", titles),
        ("Phụ lục 3. Số liệu do tỉnh báo cáo được sử dụng", figures),
    ]


def title(report: AnnualReport) -> list[str]:
    return [
        f"BÁO CÁO KẾT QUẢ THỰC HIỆN CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA XÂY DỰNG NÔNG THÔN MỚI "
        f"NĂM {report.year}",
        report.province.name.upper(),
    ]


def sections(report: AnnualReport) -> list[tuple[str, list]]:
    """The numbered sections with their blocks (sentences and tables), empty ones left out."""
    found = [(heading, build(report)) for heading, build in SECTIONS]
    return [
        (f"{n}. {heading}", body)
        for n, (heading, body) in enumerate([(h, b) for h, b in found if b], start=1)
    ]


# --- plain text ---------------------------------------------------------------------------------


def _text_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return number(value)
    return str(value)


def _table_lines(table: Table) -> list[str]:
    lines = [" | ".join(table.header)]
    lines += [" | ".join(_text_cell(cell) for cell in row) for row in table.rows]
    return lines


def text(report: AnnualReport) -> str:
    lines = title(report)
    for heading, body in sections(report):
        lines += ["", heading]
        for block in body:
            lines += _table_lines(block) if isinstance(block, Table) else [block]
    for heading, table in _appendix(report):
        lines += ["", heading]
        lines += _table_lines(table) if table.rows else ["(không có)"]
    return "\n".join(lines) + "\n"


# --- Word -----------------------------------------------------------------------------------------


def _docx_table(document, table: Table) -> None:
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    for cell, heading in zip(grid.rows[0].cells, table.header, strict=True):
        cell.text = heading
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = _text_cell(value)


def docx(report: AnnualReport) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    heading, province = title(report)
    document.add_heading(heading, level=0)
    document.add_paragraph(province).runs[0].bold = True
    for name, body in sections(report):
        document.add_heading(name, level=1)
        for block in body:
            if isinstance(block, Table):
                _docx_table(document, block)
            else:
                document.add_paragraph(block)
    for name, table in _appendix(report):
        document.add_heading(name, level=1)
        if table.rows:
            _docx_table(document, table)
        else:
            document.add_paragraph("(không có)")
    document.core_properties.title = f"{heading} - {report.province.name}"
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


# --- the workbook ---------------------------------------------------------------------------------


def xlsx(report: AnnualReport) -> bytes:
    """The report's text on the first sheet, then the statistics workbook's sheets
    (stats.reports, approved records only) and the programme's (programme.report), so that
    every figure of the text has its rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = REPORT_SHEET
    for line in text(report).splitlines():
        sheet.append([neutralise(line)])
    sheet.column_dimensions["A"].width = 120
    with translation.override("vi"):
        reports.add_sheets(
            book,
            province=report.province,
            year=report.year,
            access=ANONYMOUS,
            report=report.stats,
        )
    programme_report.add_sheets(book, report.programme, report.province, report.year)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


FORMATS = {
    "docx": (docx, DOCX),
    "xlsx": (xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "txt": (lambda report: text(report).encode(), "text/plain; charset=utf-8"),
}


def write(province: Province, year: int, fmt: str) -> tuple[bytes, str, str]:
    """The report in ``fmt`` (docx, xlsx, txt): its bytes, content type and file name."""
    build, content_type = FORMATS[fmt]
    content = build(annual_report(province, year))
    return content, content_type, f"bao-cao-ntm-{province.code}-{year}.{fmt}"
