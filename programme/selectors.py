"""Reads of the programme records: what a user may see, and a province's figures for a year.

``province_report`` builds every figure of a province's annual report paragraph from approved
records, in a fixed number of queries (one per kind of record, plus the categories and the
districts): resources by source with shares and the change on the previous year, works by
kind, production models, hamlet titles per district, the plan of the year with its progress and
the plan of the next year, and the province figures with their change.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum

from accounts.access import Access, visible_work
from communes.models import District, Province
from communes.selectors import provinces_come_into
from programme.models import (
    Figure,
    Funding,
    FundingSource,
    HamletTitle,
    HistoricalFigure,
    ProductionModel,
    Status,
    Work,
    WorkKind,
    YearPlan,
)

ZERO = Decimal(0)
CENT = Decimal("0.01")


def visible(model, access: Access):
    """The records this user may read: approved ones, plus all of the provinces they are staff
    of (accounts.access.visible_work, as for assessments)."""
    return model.objects.filter(visible_work(access, "province"))


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to two decimals (None of nothing)."""
    return _round(part * 100 / whole) if whole else None


def change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    return None if now is None or before is None else now - before


@dataclass(frozen=True)
class Scope:
    province: Province
    year: int


def _approved(model, scope: Scope, years: tuple[int, ...]):
    return model.objects.filter(
        province=scope.province, year__in=years, status=Status.APPROVED
    ).order_by()


# --- resources ----------------------------------------------------------------------------------


def _source_row(source: FundingSource, amounts: dict, total: Decimal) -> dict:
    value = amounts.get(source.pk, ZERO)
    return {
        "code": source.code,
        "name": source.name_vi,
        "group": source.group,
        "amount": value,
        "share": share(value, total),
    }


def _resources_of(sources: list[FundingSource], amounts: dict, before: Decimal | None) -> dict:
    """One of planned/actual: ``amounts`` maps a source id to its sum (each amount counts once:
    services refuse overlapping entries)."""
    total = sum(amounts.values(), ZERO)
    by_source = []
    for source in (s for s in sources if s.parent_id is None):
        parts = [s for s in sources if s.parent_id == source.pk]
        own = amounts.get(source.pk, ZERO) + sum((amounts.get(p.pk, ZERO) for p in parts), ZERO)
        row = _source_row(source, {source.pk: own}, total)
        row["parts"] = [_source_row(part, amounts, total) for part in parts]
        by_source.append(row)
    groups = {}
    for group in FundingSource.Group:
        value = sum((r["amount"] for r in by_source if r["group"] == group), ZERO)
        groups[group.value] = {"amount": value, "share": share(value, total)}
    community = sum((amounts.get(s.pk, ZERO) for s in sources if s.community), ZERO)
    return {
        "total": total,
        "previous_total": before,
        "change": change(total, before) if before is not None else None,
        "change_percent": share(total - before, before) if before else None,
        "by_group": groups,
        "community": community,
        "community_share": share(community, total),
        "by_source": by_source,
    }


def resources(scope: Scope) -> dict:
    rows = (
        _approved(Funding, scope, (scope.year, scope.year - 1))
        .values("year", "kind", "source")
        .annotate(total=Sum("amount"))
    )
    amounts = defaultdict(dict)
    for row in rows:
        amounts[(row["year"], row["kind"])][row["source"]] = row["total"]
    sources = list(FundingSource.objects.all())
    result = {"unit": "million VND"}
    for kind in Funding.Kind:
        before = amounts.get((scope.year - 1, kind.value))
        before_total = sum(before.values(), ZERO) if before else None
        result[kind.value] = _resources_of(sources, amounts[(scope.year, kind.value)], before_total)
    return result


def resources_by_district(scope: Scope, districts: list[District]) -> dict:
    """The year's resources aggregated upward: each district's own entries with its communes'
    (a commune's entry carries its district), and the entries of the province as a whole;
    their sum is the province's total (no entry counts twice). One query."""
    rows = (
        _approved(Funding, scope, (scope.year,))
        .values("district", "kind")
        .annotate(total=Sum("amount"))
    )
    found = defaultdict(dict)
    for row in rows:
        found[row["district"]][row["kind"]] = row["total"]

    def amounts(key) -> dict:
        return {kind.value: found[key].get(kind.value, ZERO) for kind in Funding.Kind}

    per_district = [{"code": d.code, "name": d.name, **amounts(d.pk)} for d in districts]
    return {"province_level": amounts(None), "by_district": per_district}


def period_resources(province: Province, first_year: int, last_year: int) -> dict:
    """Resources over the years ``first_year`` to ``last_year`` (both included), planned and
    actual, by source with shares and the people's contribution, with each year's totals: a
    programme period ("2021-2025: budget 72%, other 28%") or the programme so far ("since
    2011, the people 8.1% of the total"). Approved records only; 4 queries. A province of the
    map since 1 July 2025 counts, for the years before it, the records of the provinces that
    went into it (communes lineage): before, a period running into 2026 counted 2021-2025 as
    nothing."""
    provinces = [province, *provinces_come_into(province)]
    found = Funding.objects.filter(
        province__in=provinces,
        year__gte=first_year,
        year__lte=last_year,
        status=Status.APPROVED,
    ).order_by()
    amounts = defaultdict(dict)
    for row in found.values("kind", "source").annotate(total=Sum("amount")):
        amounts[row["kind"]][row["source"]] = row["total"]
    years = defaultdict(dict)
    for row in found.values("year", "kind").annotate(total=Sum("amount")):
        years[row["year"]][row["kind"]] = row["total"]
    sources = list(FundingSource.objects.all())
    result = {"unit": "million VND", "first_year": first_year, "last_year": last_year}
    for kind in Funding.Kind:
        result[kind.value] = _resources_of(sources, amounts[kind.value], None)
    result["by_year"] = [
        {"year": year, **{kind.value: years[year].get(kind.value, ZERO) for kind in Funding.Kind}}
        for year in sorted(years)
    ]
    return result


# --- works, models, titles ----------------------------------------------------------------------


def works(scope: Scope) -> list[dict]:
    rows = (
        _approved(Work, scope, (scope.year,))
        .values("kind", "mode")
        .annotate(quantity=Sum("quantity"), cost=Sum("cost"), entries=Count("pk"))
    )
    by_kind = defaultdict(list)
    for row in rows:
        by_kind[row["kind"]].append(row)
    result = []
    for kind in WorkKind.objects.all():
        found = by_kind.get(kind.pk, [])
        modes = {mode.value: ZERO for mode in Work.Mode}
        for row in found:
            modes[row["mode"]] = row["quantity"]
        result.append(
            {
                "code": kind.code,
                "name": kind.name_vi,
                "unit": kind.unit,
                "quantity": sum(modes.values(), ZERO),
                **modes,
                "cost": sum((row["cost"] or ZERO for row in found), ZERO),
                "entries": sum(row["entries"] for row in found),
            }
        )
    return result


def production_models(scope: Scope) -> dict:
    found = _approved(ProductionModel, scope, (scope.year,)).aggregate(
        count=Count("pk"),
        area_ha=Sum("area_ha"),
        funding=Sum("funding"),
        **{
            stage.value: Count("pk", filter=Q(stage=stage.value)) for stage in ProductionModel.Stage
        },
    )
    stages = {stage.value: found.pop(stage.value) for stage in ProductionModel.Stage}
    return {
        "count": found["count"],
        "area_ha": found["area_ha"] or ZERO,
        "funding": found["funding"] or ZERO,
        "by_stage": stages,
    }


def _title_counts(scope: Scope) -> dict:
    """(kind, district id) -> count of approved titles of the year."""
    rows = (
        _approved(HamletTitle, scope, (scope.year,))
        .values("kind", "commune__district")
        .annotate(n=Count("pk"))
    )
    return {(row["kind"], row["commune__district"]): row["n"] for row in rows}


def hamlet_titles(counts: dict, districts: list[District]) -> dict:
    result = {}
    for kind in HamletTitle.Kind:
        per_district = [
            {"code": d.code, "name": d.name, "count": counts.get((kind.value, d.pk), 0)}
            for d in districts
        ]
        total = sum(n for (k, _), n in counts.items() if k == kind.value)
        result[kind.value] = {"total": total, "by_district": per_district}
    return result


# --- figures and plans --------------------------------------------------------------------------

TITLE_OF = {Figure.MODEL_AREAS: HamletTitle.Kind.MODEL_AREA}
TITLE_OF[Figure.MODEL_GARDENS] = HamletTitle.Kind.MODEL_GARDEN


def reported_figures(province: Province, years: tuple[int, ...]) -> list[HistoricalFigure]:
    """The province's approved figures of ``years``, as reported (the years before the
    portal's commune data, or the province's own count)."""
    scope = Scope(province, years[0])
    return list(_approved(HistoricalFigure, scope, years).order_by("year", "kind", "level"))


def figures(scope: Scope) -> tuple[list[dict], dict]:
    """The province figures of the year, each with the previous year's and the change; and a
    map (kind, level) -> the year's value, for the plan's progress."""
    rows = reported_figures(scope.province, (scope.year, scope.year - 1))
    values = {(f.year, f.kind, f.level): f.value for f in rows}
    result, now = [], {}
    for (year, kind, level), value in sorted(values.items()):
        if year != scope.year:
            continue
        before = values.get((year - 1, kind, level))
        now[(kind, level)] = value
        result.append(
            {
                "kind": kind,
                "level": level,
                "value": value,
                "previous": before,
                "change": change(value, before),
            }
        )
    return result, now


def _target(plan: YearPlan) -> dict:
    return {
        "kind": plan.kind,
        "level": plan.level,
        "district": {"code": plan.district.code, "name": plan.district.name}
        if plan.district
        else None,
        "per_district": plan.per_district,
        "value": plan.value,
        "value_max": plan.value_max,
    }


def _progress(plan: YearPlan, reached: dict, titles: dict, districts: list[District]) -> dict:
    """What the year achieved against one target: titles are counted from the records, other
    figures are the province figures of the year (None if not reported)."""
    title = TITLE_OF.get(plan.kind)
    if title is None:
        actual = reached.get((plan.kind, plan.level))
        return {"actual": actual, "met": None if actual is None else actual >= plan.value}
    if plan.per_district:
        counts = [titles.get((title.value, d.pk), 0) for d in districts]
        met = sum(1 for n in counts if n >= plan.value)
        return {"actual": sum(counts), "districts_met": met, "met": met == len(districts)}
    if plan.district_id:
        actual = titles.get((title.value, plan.district_id), 0)
    else:
        actual = sum(n for (k, _), n in titles.items() if k == title.value)
    return {"actual": actual, "met": actual >= plan.value}


def plans(scope: Scope, reached: dict, titles: dict, districts: list[District]):
    rows = (
        _approved(YearPlan, scope, (scope.year, scope.year + 1))
        .select_related("district")
        .order_by("kind", "level", "pk")
    )
    this_year, next_year = [], []
    for plan in rows:
        if plan.year == scope.year:
            this_year.append({**_target(plan), **_progress(plan, reached, titles, districts)})
        else:
            next_year.append(_target(plan))
    return this_year, next_year


def province_report(province: Province, year: int, *, reached: dict | None = None) -> dict:
    """Every figure of the province's year, from approved records (11 queries). ``reached``
    maps (figure kind, level) to a value the year's plan is measured against instead of the
    province's reported figure (the annual report's figures counted from the communes)."""
    scope = Scope(province, year)
    districts = list(District.objects.on_map(year, province.structure).filter(province=province))
    titles = _title_counts(scope)
    found, reported = figures(scope)
    reached = {**reported, **(reached or {})}
    plan, next_plan = plans(scope, reached, titles, districts)
    return {
        "province": {"code": province.code, "name": province.name},
        "structure": province.structure,
        "year": year,
        "resources": {**resources(scope), **resources_by_district(scope, districts)},
        "works": works(scope),
        "production_models": production_models(scope),
        "hamlet_titles": hamlet_titles(titles, districts),
        "figures": found,
        "plan": plan,
        "next_plan": next_plan,
    }
