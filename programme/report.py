"""The programme part of a province's annual report, in Vietnamese: the paragraphs a provincial
report writes (resources by source with shares, works built, models, hamlet titles, the
figures and their change, this year's plan with its progress and next year's plan) and the
same figures as an XLSX workbook, with an appendix of the hamlet titles' decisions.

Built from programme.selectors.province_report (approved records only), so that the text, the
workbook and GET /api/v1/programme/stats/provinces/<code>/ give the same numbers. The whole
annual report (communes by level, OCOP...) is stats'; it can take these sections from here.
The document is Vietnamese whatever the reader's language, as the reports it reproduces.
"""

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from communes.models import Province
from criteria.services.exports import neutralise
from programme import selectors
from programme.models import Figure, HamletTitle, Status

BILLION = Decimal(1000)  # amounts are stored in million VND; reports speak of billions
FIGURE_NAMES = {
    Figure.MORE_COMMUNES: "số xã được công nhận thêm",
    Figure.COMMUNES_AT_LEVEL: "tổng số xã đạt",
    Figure.AVERAGE_CRITERIA: "bình quân tiêu chí đạt/xã",
    Figure.MODEL_AREAS: "khu dân cư kiểu mẫu",
    Figure.MODEL_GARDENS: "vườn mẫu",
}
LEVEL_NAMES = {"standard": "chuẩn nông thôn mới", "advanced": "nông thôn mới nâng cao"}
LEVEL_NAMES["model"] = "nông thôn mới kiểu mẫu"


def number(value, places: int = 2) -> str:
    """A number as Vietnamese write it: "." between thousands, "," for decimals, no trailing
    zeros (2.974; 14,03; 6,9)."""
    value = Decimal(str(value)).quantize(Decimal(1).scaleb(-places)).normalize()
    if value == value.to_integral():
        value = value.quantize(Decimal(1))
    whole, _, decimals = f"{value:f}".partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    text = sign + ".".join(groups or ["0"])
    return f"{text},{decimals}" if decimals else text


def billions(million) -> str:
    return f"{number(Decimal(str(million)) / BILLION)} tỷ đồng"


def change_words(value, unit: str = "") -> str:
    if value is None:
        return ""
    value = Decimal(str(value))
    word = "tăng" if value >= 0 else "giảm"
    return f"{word} {number(abs(value))}{unit}"


def figure_name(kind: str, level: str) -> str:
    name = FIGURE_NAMES.get(kind, kind)
    return f"{name} {LEVEL_NAMES.get(level, level)}".strip()


# --- the paragraphs -----------------------------------------------------------------------------


def resources_text(report: dict) -> list[str]:
    actual, year = report["resources"]["actual"], report["year"]
    if not actual["total"]:
        return [f"Chưa có số liệu nguồn vốn huy động năm {year} được phê duyệt."]
    groups = actual["by_group"]
    text = f"Tổng nguồn vốn huy động thực hiện Chương trình năm {year}: {billions(actual['total'])}"
    if actual["previous_total"] is not None:
        difference = change_words(Decimal(actual["change"]) / BILLION, " tỷ đồng")
        text += f" ({difference} so với năm {year - 1})"
    text += (
        f"; trong đó vốn ngân sách nhà nước {billions(groups['budget']['amount'])} "
        f"({number(groups['budget']['share'] or 0)}%), vốn huy động khác "
        f"{billions(groups['other']['amount'])} ({number(groups['other']['share'] or 0)}%)"
    )
    if actual["community"]:
        text += (
            f"; nhân dân hiến đất, đóng góp tiền mặt và ngày công lao động quy thành tiền "
            f"{billions(actual['community'])}"
        )
    lines = [text + "."]
    for source in actual["by_source"]:
        if source["amount"]:
            lines.append(
                f"- {source['name']}: {billions(source['amount'])} ({number(source['share'])}%)."
            )
    return lines


def works_text(report: dict) -> list[str]:
    done = [w for w in report["works"] if w["quantity"]]
    if not done:
        return []
    parts = [f"{number(w['quantity'])} {_counted(w)}" for w in done]
    return ["Kết quả xây dựng công trình: " + "; ".join(parts) + "."]


def _counted(work: dict) -> str:
    """ "km đường giao thông mở mới", but "công trình trường học", not "công trình công trình"."""
    name, unit = work["name"].lower(), work["unit"]
    return name if name.startswith(unit.lower()) else f"{unit} {name}"


def models_text(report: dict) -> list[str]:
    models = report["production_models"]
    if not models["count"]:
        return []
    return [
        f"Hỗ trợ {billions(models['funding'])} cho {models['count']} mô hình phát triển sản xuất."
    ]


def titles_text(report: dict) -> list[str]:
    lines = []
    for kind in HamletTitle.Kind:
        found = report["hamlet_titles"][kind.value]
        if not found["total"]:
            continue
        name = FIGURE_NAMES[Figure.MODEL_AREAS if kind == "model_area" else Figure.MODEL_GARDENS]
        districts = [f"{d['name']} {d['count']}" for d in found["by_district"] if d["count"]]
        text = f"Công nhận {found['total']} {name}"
        lines.append(text + (f" ({'; '.join(districts)})" if districts else "") + ".")
    return lines


def figures_text(report: dict) -> list[str]:
    lines = []
    for figure in report["figures"]:
        name = figure_name(figure["kind"], figure["level"]).capitalize()
        text = f"{name}: {number(figure['value'])}"
        if figure["change"] is not None:
            text += f" ({change_words(figure['change'])} so với năm {report['year'] - 1})"
        lines.append(text + ".")
    return lines


def _target_text(target: dict) -> str:
    bound = number(target["value"])
    if target["value_max"] is not None:
        bound = f"{bound} đến {number(target['value_max'])}"
    elif target["kind"] == Figure.AVERAGE_CRITERIA or target["per_district"]:
        bound = f"ít nhất {bound}"
    where = " mỗi huyện" if target["per_district"] else ""
    if target["district"]:
        where = f" tại {target['district']['name']}"
    return f"{figure_name(target['kind'], target['level'])}{where}: {bound}"


def plan_text(report: dict) -> list[str]:
    lines = []
    for target in report["plan"]:
        reached = "chưa có số liệu" if target["actual"] is None else number(target["actual"])
        verdict = {True: "đạt", False: "chưa đạt", None: ""}[target["met"]]
        lines.append(
            f"- {_target_text(target)}; thực hiện {reached} ({verdict}).".replace(" ()", "")
        )
    if lines:
        lines.insert(0, f"Thực hiện kế hoạch năm {report['year']}:")
    if report["next_plan"]:
        lines.append(f"Kế hoạch năm {report['year'] + 1}:")
        lines += [f"- {_target_text(target)}." for target in report["next_plan"]]
    return lines


SECTIONS = [
    ("Nguồn lực huy động", resources_text),
    ("Công trình hạ tầng", works_text),
    ("Mô hình phát triển sản xuất", models_text),
    ("Khu dân cư kiểu mẫu, vườn mẫu", titles_text),
    ("Kết quả xây dựng nông thôn mới", figures_text),
    ("Kế hoạch", plan_text),
]


def text(report: dict) -> str:
    """The sections as plain text (headings, then their sentences)."""
    province = report["province"]["name"]
    lines = [f"BÁO CÁO KẾT QUẢ THỰC HIỆN CHƯƠNG TRÌNH NÔNG THÔN MỚI NĂM {report['year']}"]
    lines.append(province.upper())
    sections = [(heading, build(report)) for heading, build in SECTIONS]
    sections = [(heading, body) for heading, body in sections if body]
    for index, (heading, body) in enumerate(sections, start=1):
        lines += ["", f"{index}. {heading}", *body]
    return "\n".join(lines) + "\n"


# --- the workbook -------------------------------------------------------------------------------


def _sheet(book: Workbook, title: str, header: list[str], rows) -> None:
    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralise(v) if isinstance(v, str) else v for v in row])


def title_decisions(province: Province, year: int):
    """The appendix: each approved hamlet title of the year, with its decision."""
    titles = (
        HamletTitle.objects.filter(province=province, year=year, status=Status.APPROVED)
        .select_related("commune__district")
        .order_by("kind", "commune__code", "pk")
    )
    for title in titles:
        district = title.commune.district.name if title.commune.district else ""
        yield [
            title.get_kind_display(),
            district,
            title.commune.name,
            title.holder,
            title.decision_number,
            title.decision_date,
            title.pk,
        ]


def workbook(province: Province, year: int) -> bytes:
    report = selectors.province_report(province, year)
    book = Workbook()
    summary = book.active
    summary.title = "Báo cáo"
    for line in text(report).splitlines():
        summary.append([neutralise(line)])
    add_sheets(book, report, province, year)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def add_sheets(book: Workbook, report: dict, province: Province, year: int) -> None:
    """The programme's sheets of ``report`` (selectors.province_report) added to ``book``:
    resources by source, works by kind, hamlet titles per district, and the titles' decisions."""
    actual = report["resources"]["actual"]
    planned = report["resources"]["planned"]
    rows = []
    for source in actual["by_source"]:
        plan = next(s for s in planned["by_source"] if s["code"] == source["code"])
        rows.append([source["name"], plan["amount"], source["amount"], source["share"]])
        for part, plan_part in zip(source["parts"], plan["parts"], strict=True):
            rows.append([f"  {part['name']}", plan_part["amount"], part["amount"], part["share"]])
    rows.append(["Tổng cộng", planned["total"], actual["total"], 100 if actual["total"] else None])
    header = ["Nguồn vốn", "Kế hoạch (triệu đồng)", "Thực hiện (triệu đồng)", "Tỷ lệ (%)"]
    _sheet(book, "Nguồn vốn", header, rows)
    _sheet(
        book,
        "Công trình",
        ["Loại công trình", "Đơn vị", "Tổng", "Mới", "Nâng cấp", "Kinh phí (triệu đồng)"],
        (
            [w["name"], w["unit"], w["quantity"], w["new"], w["upgraded"], w["cost"]]
            for w in report["works"]
        ),
    )
    titles = report["hamlet_titles"]
    _sheet(
        book,
        "Kiểu mẫu theo huyện",
        ["Huyện", "Khu dân cư kiểu mẫu", "Vườn mẫu"],
        (
            [area["name"], area["count"], garden["count"]]
            for area, garden in zip(
                titles["model_area"]["by_district"],
                titles["model_garden"]["by_district"],
                strict=True,
            )
        ),
    )
    _sheet(
        book,
        "Phụ lục quyết định",
        ["Danh hiệu", "Huyện", "Xã", "Thôn / hộ", "Số quyết định", "Ngày", "Mã hồ sơ"],
        title_decisions(province, year),
    )
