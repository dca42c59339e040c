"""What the programme page shows: a province's records of a year, kind by kind, with the
workflow steps each user may take on each (programme.services.available_steps), and the
province's figures of the year as programme.selectors.province_report computes them (the same
numbers as the API). The rules are the services' and the selectors'; this only shapes."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Access
from communes.models import Commune, Province
from core.formatting import format_day, format_number
from programme import selectors, services
from programme.models import (
    FIRST_YEAR,
    Figure,
    Funding,
    HamletTitle,
    HistoricalFigure,
    ProductionModel,
    Status,
    Step,
    Work,
    YearPlan,
)
from web.viewmodels.ocop import chooses_province

STEP_LABELS = {
    "submit": gettext_lazy("Submit"),
    "approve": gettext_lazy("Approve"),
    "return": gettext_lazy("Return"),
    "reopen": gettext_lazy("Reopen"),
}


def number(value) -> str:
    return "—" if value is None else format_number(value)


def _district_of(commune: Commune | None) -> str:
    return commune.district.name if commune is not None and commune.district_id else ""


# --- the kinds of record --------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One kind of record as the page lists it: its URL slug (the import's too), its model, the
    joins its rows need, its column headings and how a record fills them."""

    slug: str
    model: type
    title: str
    add_label: str
    headers: tuple
    related: tuple = ("province",)

    def records(self, province: Province, year: int, access: Access):
        """The province's records of the year this user may read: one query (two for the
        production models and their communes)."""
        found = selectors.visible(self.model, access).filter(province=province, year=year)
        found = found.select_related(*self.related)
        if self.model is ProductionModel:
            found = found.prefetch_related(
                Prefetch("communes", Commune.objects.order_by("sort_key", "code"))
            )
        return found.order_by(*self.model._meta.ordering)

    def place(self, record) -> str:
        return PLACES[self.model](record)

    def cells(self, record) -> list[str]:
        return CELLS[self.model](record)


def _funding_place(record: Funding) -> str:
    unit = record.commune or record.district
    return unit.name if unit else _("Whole province")


def _funding_cells(record: Funding) -> list[str]:
    source = record.source.name_vi
    if record.source.parent_id:
        source = f"↳ {source}"
    return [source, record.get_kind_display(), number(record.amount)]


def _work_place(record: Work) -> str:
    district = _district_of(record.commune)
    return f"{record.commune.name}, {district}" if district else record.commune.name


def _work_cells(record: Work) -> list[str]:
    quantity = f"{number(record.quantity)} {record.kind.unit}"
    return [record.kind.name_vi, record.get_mode_display(), quantity, number(record.cost)]


def _model_place(record: ProductionModel) -> str:
    return ", ".join(c.name for c in record.communes.all()) or _("Whole province")


def _model_cells(record: ProductionModel) -> list[str]:
    stage = record.get_stage_display()
    return [record.name, number(record.area_ha), number(record.funding), stage]


def _title_cells(record: HamletTitle) -> list[str]:
    decision = f"{record.decision_number} · {format_day(record.decision_date)}"
    return [record.get_kind_display(), record.holder, decision]


def _plan_place(record: YearPlan) -> str:
    if record.per_district:
        return _("In each district")
    return record.district.name if record.district_id else _("Whole province")


def _bounds(record: YearPlan) -> str:
    if record.value_max is None:
        return number(record.value)
    return f"{number(record.value)} – {number(record.value_max)}"


def _figure_cells(record) -> list[str]:
    value = _bounds(record) if isinstance(record, YearPlan) else number(record.value)
    return [record.get_kind_display(), level_label(record.level), value]


def level_label(code: str) -> str:
    return str(LEVELS.get(code, code)) if code else "—"


LEVELS = {
    "standard": gettext_lazy("Standard"),
    "advanced": gettext_lazy("Advanced"),
    "model": gettext_lazy("Model"),
    "modern": gettext_lazy("Modern"),
}
PLACES = {
    Funding: _funding_place,
    Work: _work_place,
    ProductionModel: _model_place,
    HamletTitle: _work_place,
    YearPlan: _plan_place,
    HistoricalFigure: lambda record: _("Whole province"),
}
CELLS = {
    Funding: _funding_cells,
    Work: _work_cells,
    ProductionModel: _model_cells,
    HamletTitle: _title_cells,
    YearPlan: _figure_cells,
    HistoricalFigure: _figure_cells,
}

KINDS = {
    kind.slug: kind
    for kind in (
        Kind(
            "fundings",
            Funding,
            gettext_lazy("Resources mobilised"),
            gettext_lazy("Add a funding entry"),
            (
                gettext_lazy("Source"),
                gettext_lazy("Planned or actual"),
                gettext_lazy("Amount (million VND)"),
            ),
            ("province", "district", "commune", "source"),
        ),
        Kind(
            "works",
            Work,
            gettext_lazy("Works built"),
            gettext_lazy("Add a work"),
            (
                gettext_lazy("Kind of work"),
                gettext_lazy("New or upgraded"),
                gettext_lazy("Quantity"),
                gettext_lazy("Cost (million VND)"),
            ),
            ("province", "commune__district", "kind"),
        ),
        Kind(
            "production-models",
            ProductionModel,
            gettext_lazy("Production development models"),
            gettext_lazy("Add a production model"),
            (
                gettext_lazy("Name"),
                gettext_lazy("Area (ha)"),
                gettext_lazy("Funding (million VND)"),
                gettext_lazy("Stage"),
            ),
        ),
        Kind(
            "hamlet-titles",
            HamletTitle,
            gettext_lazy("Model residential areas and model gardens"),
            gettext_lazy("Add a hamlet title"),
            (
                gettext_lazy("Kind of title"),
                gettext_lazy("Hamlet or household"),
                gettext_lazy("Decision"),
            ),
            ("province", "commune__district"),
        ),
        Kind(
            "plans",
            YearPlan,
            gettext_lazy("Plan of the year"),
            gettext_lazy("Add a plan target"),
            (gettext_lazy("Target"), gettext_lazy("Level"), gettext_lazy("Value")),
            ("province", "district"),
        ),
        Kind(
            "figures",
            HistoricalFigure,
            gettext_lazy("Province figures as reported"),
            gettext_lazy("Add a province figure"),
            (gettext_lazy("Figure"), gettext_lazy("Level"), gettext_lazy("Value")),
        ),
    )
}


def kind_of(model) -> Kind:
    return next(kind for kind in KINDS.values() if kind.model is model)


# --- the province and year shown ------------------------------------------------------------------


def default_year(province: Province | None, today: datetime.date) -> int:
    """The current year; for a province of an older map, the last year it was on it."""
    if province is not None and province.valid_to and province.valid_to.year < today.year:
        return province.valid_to.year
    return today.year


def year_choices(today: datetime.date) -> list[int]:
    """The years the chooser offers, newest first: up to next year's plan."""
    return list(range(today.year + 1, FIRST_YEAR - 1, -1))


def page_query(province: Province, year: int, access: Access) -> str:
    """What links carry so that the page comes back to the same province and year."""
    query = {"year": year}
    if chooses_province(access):
        query = {"province": province.code, "structure": province.structure, **query}
    return urlencode(query)


def page_url(province: Province, year: int, access: Access, anchor: str = "") -> str:
    url = f"{reverse('programme:records')}?{page_query(province, year, access)}"
    return f"{url}#{anchor}" if anchor else url


def anchor(kind: Kind, record) -> str:
    return f"{kind.slug}-{record.pk}"


# --- the sections ---------------------------------------------------------------------------------


@dataclass
class Row:
    kind: Kind
    record: object
    steps: list[str]
    can_change: bool
    returned: Step | None = None  # why it was returned (or reopened), for a returned record

    @property
    def anchor(self) -> str:
        return anchor(self.kind, self.record)

    @property
    def place(self) -> str:
        return self.kind.place(self.record)

    @property
    def cells(self) -> list[str]:
        return self.kind.cells(self.record)

    @property
    def step_buttons(self) -> list[tuple[str, str]]:
        return [(step, str(STEP_LABELS[step])) for step in self.steps]


@dataclass
class Section:
    kind: Kind
    rows: list[Row]

    @property
    def columns(self) -> int:
        return len(self.kind.headers) + 3  # status, place, the figures, the actions


def sections(province: Province, year: int, access: Access) -> list[Section]:
    """Every kind's records of the province's year: one query a kind (two for the models)."""
    closed = services.year_closed(province.pk, year)
    editable = access.can_edit(province.pk) and not closed
    found = []
    for kind in KINDS.values():
        rows = [
            Row(
                kind,
                record,
                services.available_steps(record, access, closed=closed),
                editable and not record.is_locked,
            )
            for record in kind.records(province, year, access)
        ]
        found.append(Section(kind, rows))
    _add_return_reasons([row for section in found for row in section.rows])
    return found


def _add_return_reasons(rows: list[Row]) -> None:
    """The step that sent each returned record back, with its comment: one query."""
    returned = [row for row in rows if row.record.status == Status.RETURNED]
    if not returned:
        return
    wanted = Q()
    for row in returned:
        wanted |= Q(record_type=row.record._meta.model_name, record_id=row.record.pk)
    steps = Step.objects.filter(wanted, to_status=Status.RETURNED).select_related("user")
    latest = {(step.record_type, step.record_id): step for step in steps.order_by("at", "pk")}
    for row in returned:
        row.returned = latest.get((row.record._meta.model_name, row.record.pk))


@dataclass
class Bulk:
    """A step for all records of the year waiting for it: which, with the version read."""

    action: str
    label: str
    records: list[str] = field(default_factory=list)  # "slug:pk:version"

    @property
    def count(self) -> int:
        return len(self.records)


BULK = {
    "submit": (Status.DRAFT, gettext_lazy("Submit all drafts of this year (%(n)d)")),
    "approve": (Status.SUBMITTED, gettext_lazy("Approve all submitted records (%(n)d)")),
}


def bulk_steps(found: list[Section]) -> list[Bulk]:
    """The bulk steps the user may take now, each listing the records it would move."""
    result = []
    for action, (status, label) in BULK.items():
        chosen = [
            f"{row.kind.slug}:{row.record.pk}:{row.record.version}"
            for section in found
            for row in section.rows
            if row.record.status == status and action in row.steps
        ]
        if chosen:
            result.append(Bulk(action, str(label) % {"n": len(chosen)}, chosen))
    return result


# --- the summary box ------------------------------------------------------------------------------


@dataclass
class Money:
    label: str
    total: str
    budget: str
    budget_share: str
    other: str
    other_share: str
    community: str


def _share(value: Decimal | None) -> str:
    return "—" if value is None else f"{format_number(value)} %"


def _money(label: str, found: dict) -> Money:
    budget, other = found["by_group"]["budget"], found["by_group"]["other"]
    return Money(
        label=label,
        total=number(found["total"]),
        budget=number(budget["amount"]),
        budget_share=_share(budget["share"]),
        other=number(other["amount"]),
        other_share=_share(other["share"]),
        community=number(found["community"]),
    )


@dataclass
class Summary:
    report: dict
    money: list[Money]
    works: list[dict]
    titles: list[dict]
    title_totals: dict
    has_districts: bool
    plan: list[dict]
    models: dict


def _title_rows(found: dict) -> list[dict]:
    areas = found[HamletTitle.Kind.MODEL_AREA]["by_district"]
    gardens = found[HamletTitle.Kind.MODEL_GARDEN]["by_district"]
    return [
        {"name": area["name"], "areas": area["count"], "gardens": garden["count"]}
        for area, garden in zip(areas, gardens, strict=True)
    ]


def _plan_row(target: dict) -> dict:
    place = _("In each district") if target["per_district"] else ""
    if target["district"]:
        place = target["district"]["name"]
    value = number(target["value"])
    if target["value_max"] is not None:
        value = f"{value} – {number(target['value_max'])}"
    met = target["met"]
    return {
        "label": str(Figure(target["kind"]).label),
        "level": level_label(target["level"]),
        "place": place,
        "target": value,
        "actual": number(target["actual"]),
        "met": met,
        "met_label": "—" if met is None else (_("Met") if met else _("Not met yet")),
    }


def summary(province: Province, year: int) -> Summary:
    """The province's figures of the year (approved records): province_report, shaped."""
    report = selectors.province_report(province, year)
    resources = report["resources"]
    titles = report["hamlet_titles"]
    return Summary(
        report=report,
        money=[
            _money(_("Actual"), resources[Funding.Kind.ACTUAL]),
            _money(_("Planned"), resources[Funding.Kind.PLANNED]),
        ],
        works=[
            {
                "name": w["name"],
                "unit": w["unit"],
                "new": number(w[Work.Mode.NEW]),
                "upgraded": number(w[Work.Mode.UPGRADED]),
                "quantity": number(w["quantity"]),
                "cost": number(w["cost"]),
            }
            for w in report["works"]
            if w["entries"]
        ],
        titles=_title_rows(titles),
        title_totals={
            "areas": titles[HamletTitle.Kind.MODEL_AREA]["total"],
            "gardens": titles[HamletTitle.Kind.MODEL_GARDEN]["total"],
        },
        has_districts=bool(titles[HamletTitle.Kind.MODEL_AREA]["by_district"]),
        plan=[_plan_row(target) for target in report["plan"]],
        models={
            "count": report["production_models"]["count"],
            "area_ha": number(report["production_models"]["area_ha"]),
            "funding": number(report["production_models"]["funding"]),
        },
    )
