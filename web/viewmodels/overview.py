"""The province overview: a province's rural communes on the map of a year, each with its
assessment and recognised level, totals by level, and the work waiting (4 queries)."""

from dataclasses import dataclass

from django.utils import timezone

from accounts.access import Access
from communes.models import Commune, Province, rural_on_q, rural_q, structure_for_year
from criteria import scoring, selectors
from criteria.filters import CommuneYearFilterSet
from criteria.models import Assessment, Level
from criteria.selectors import Ladder

UNASSESSED = "unassessed"  # the overview's extra status choice: no assessment this year


def default_year(access: Access, province: Province | None, offered: list[int]) -> int:
    """The latest year with an assessment of the province this user can see; else the latest
    year a criteria set covers; else this year."""
    latest = selectors.latest_year_of_work(access, province)
    return latest or (offered[0] if offered else timezone.localdate().year)


@dataclass
class CommuneRow:
    commune: Commune  # annotated by selectors.communes_for_year
    ladder: Ladder
    # Values missing where the climb stopped (_mark_unconfirmed): recognised above the computed
    # level is then unconfirmed, not lapsed.
    unconfirmed: bool = False

    @property
    def computed(self) -> Level | None:
        return self.ladder.level(self.commune.computed_level)

    @property
    def recognised(self) -> Level | None:
        return self.ladder.level(self.commune.recognized_level)

    @property
    def criteria_total(self) -> int | None:
        return self.ladder.first.criteria_count if self.ladder.first else None

    @property
    def mismatch(self) -> str | None:
        commune = self.commune
        decided = not self.unconfirmed
        return self.ladder.mismatch(commune.computed_level, commune.recognized_level, decided)


@dataclass
class ProvinceYear:
    province: Province
    year: int
    ladder: Ladder
    rows: list[CommuneRow]
    totals: list[tuple[str, Level | None, int]]
    communes_total: int
    returned: list[Assessment]
    submitted: list[Assessment]
    unassessed: list[Commune]


def rural_communes(province: Province, year: int):
    """The province's rural communes on the map of ``year`` (communes.models.on_map_q)."""
    communes = Commune.objects.rural(year).in_province(province).on_map(year, province.structure)
    return communes.select_related("district").order_by("district__code", "sort_key", "code")


def province_year(
    *, request, access: Access, province: Province, year: int, ladder: Ladder, filters: dict
) -> ProvinceYear:
    """The province's rural communes for the year with their assessment and recognised level
    (filtered), totals by level, and the work waiting: 4 queries (5 when a commune is
    recognised above an incomplete result: _mark_unconfirmed)."""
    data = {**filters, "structure": province.structure, "province": province.code, "year": year}
    status = data.pop("status", "")
    if status and status != UNASSESSED:
        data["status"] = status
    communes = rural_communes(province, year)
    rows = CommuneYearFilterSet(data, queryset=communes, request=request).qs
    if status == UNASSESSED:
        rows = rows.filter(assessment_id__isnull=True)
    everyone = list(selectors.communes_for_year(communes, access, year))
    counts = selectors.levels_by_unit(access, year, "commune__province", [province.pk])
    counts = counts.get(province.pk, {})
    waiting = selectors.open_work(province)
    unassessed = [c for c in everyone if c.assessment_id is None]
    return ProvinceYear(
        province=province,
        year=year,
        ladder=ladder,
        rows=_mark_unconfirmed([CommuneRow(c, ladder) for c in rows], ladder),
        totals=_totals(ladder, counts, len(unassessed)),
        communes_total=len(everyone),
        returned=[a for a in waiting if a.status == Assessment.Status.RETURNED],
        submitted=[a for a in waiting if a.status == Assessment.Status.SUBMITTED],
        unassessed=unassessed,
    )


def _mark_unconfirmed(rows: list[CommuneRow], ladder: Ladder) -> list[CommuneRow]:
    """Mark the rows recognised above their computed level whose climb stopped for want of
    values (selectors.stopped_for_missing_values): 1 query, only when such rows exist."""
    candidates = {
        row.commune.assessment_id: row
        for row in rows
        if row.commune.assessment_complete is False
        and ladder.rank(row.commune.recognized_level) > ladder.rank(row.commune.computed_level)
    }
    computed = {pk: row.commune.computed_level for pk, row in candidates.items()}
    for pk in selectors.stopped_for_missing_values(ladder, computed):
        candidates[pk].unconfirmed = True
    return rows


def _totals(ladder: Ladder, counts: dict, unassessed: int) -> list:
    """(code, level, communes) from the highest level down, then no level, then unassessed."""
    no_level = scoring.NO_LEVEL
    totals = [(level.code, level, counts.get(level.code, 0)) for level in reversed(ladder.levels)]
    return [*totals, (no_level, None, counts.get(no_level, 0)), (UNASSESSED, None, unassessed)]


def rural_districts(province: Province, year: int | None = None):
    """The province's districts with a rural commune in ``year`` (communes.models.rural_q;
    without a year, today)."""
    rural = rural_q(year, "communes__") if year else rural_on_q(timezone.localdate(), "communes__")
    return province.districts.filter(rural).distinct().order_by("code")


def provinces_for_year(year: int):
    return Province.objects.filter(structure=structure_for_year(year)).order_by("sort_key", "code")
