"""Statistics of the programme by unit and year: the reads behind /api/v1/stats/.

The figures are public, so only approved assessments count and a draft never shows. Every
report costs a fixed number of queries whatever the number of units: each count is grouped in
the database by province (or, for a district's report, by district), and the country is the
sum of its provinces. Reading the queries:

1. the levels of the criteria set in force that year (`ladder_for`);
2. the structure in force on 1 January, unless one was asked for (`structure_for`);
3. the unit (or, for the country, its provinces);
4. rural communes with their highest recognition in force, grouped by unit and level;
5. approved assessments grouped by unit and computed level, with the sum of criteria met;
6. districts with their highest recognition in force, grouped by province and level
   (not for a district's report);
7. the targets, with their levels;
8. OCOP products certified on the report's day, grouped by unit, producer, group and stars
   (ocop.selectors.certified_counts);
9. for the report's own unit (not the national report's province rows): the criteria of the
   set in force, and the approved assessments' criterion results grouped by criterion and
   status (which criteria the most communes fail).

A unit counts in a year when it is on that year's map (communes.models.on_map_q). A year asked
on a later map than its own (2024 on the map since 1 July 2025) is counted on its own map and
carried to the later one by lineage (``basis`` "predecessors"): a new province's figures are
those of the old communes that went into it, each old commune counted once (once in each new
province it went into, once in the country), read as they were then; the later map has no
districts. Recognitions
count when their level belongs to the set governing the year (Recognition.objects.held): each
programme period has its own ladder, and a title of an earlier period is not a level of the
current one.

OCOP products count where they are counted for NTM: in their commune, of any kind (wards and
townships make OCOP products too), on the report's map. Their day is 31 December of the year,
or today while that is still to come: a rating in force on a future day is not yet a fact.
"""

import dataclasses
import datetime
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import (
    Commune,
    District,
    Lineage,
    Province,
    Structure,
    on_map_q,
    rural_q,
    structure_for_year,
)
from communes.selectors import gone_into
from criteria.models import (
    Assessment,
    Criterion,
    CriterionResult,
    Recognition,
    Target,
    YearClosure,
    no_set_message,
)
from criteria.selectors import Ladder, ladder_for_year
from ocop import rating, selectors
from ocop.models import Product

NONE = "none"
# "3", "4", "5": the certified star counts, from the rules.
OCOP_STARS = tuple(
    str(n) for n in range(rating.CERTIFIED_MIN_STARS, max(rating.MAX_STARS.values()) + 1)
)


class UnitNotFound(LookupError):
    """No unit with that code exists in that structure and year; the message says which."""


@dataclass(frozen=True)
class Unit:
    code: str
    name: str


COUNTRY = Unit(code="VN", name="Việt Nam")


UNITS = "units"
PREDECESSORS = "predecessors"


@dataclass(frozen=True)
class Frame:
    """What every figure of a report is read against: the year, the map reported on, the map
    the year's data is on, and the ladder."""

    year: int
    structure: str
    ladder: Ladder
    data_structure: str = ""

    @property
    def basis(self) -> str:
        """ "units" when the units reported are those the year was assessed on; else
        "predecessors": the reported units' predecessors on the year's own map."""
        if not self.data_structure or self.data_structure == self.structure:
            return UNITS
        return PREDECESSORS

    @property
    def of_data(self) -> "Frame":
        return dataclasses.replace(self, structure=self.data_structure or self.structure)

    @property
    def last_day(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)

    @property
    def ocop_day(self) -> datetime.date:
        return min(self.last_day, timezone.localdate())


@dataclass(frozen=True)
class TargetProgress:
    year: int
    level: str
    target: int
    target_percent: Decimal | None
    actual: int


@dataclass(frozen=True)
class OcopStats:
    products: int
    by_stars: dict[str, int]
    by_group: dict[str, int]
    producers: int
    expiring_90_days: int


@dataclass(frozen=True)
class CriterionDifficulty:
    """How the approved assessments of a unit fared on one criterion."""

    level: str
    number: str
    name_vi: str
    name_en: str
    met: int
    not_met: int
    incomplete: int
    not_met_share: float | None  # percent of the assessed communes


@dataclass(frozen=True)
class UnitStats:
    year: int
    criteria_set: str
    structure: str
    unit: Unit | Province | District
    communes_total: int
    assessed: int
    computed: dict[str, int]
    recognized: dict[str, int]
    at_least: dict[str, dict[str, int]]
    avg_criteria_met: float | None
    shares: dict[str, dict[str, float | None]]
    criteria_met_histogram: dict[str, int]
    districts_total: int | None
    districts_recognized: dict[str, int] | None
    targets: list[TargetProgress]
    ocop: OcopStats
    provinces: list["UnitStats"] | None = None
    districts: list["UnitStats"] | None = None  # a province's, on a map with districts
    basis: str = UNITS
    # The report's own unit only (not the national report's province rows):
    criteria_difficulty: list[CriterionDifficulty] | None = None


@dataclass
class Tally:
    """The raw counts of one unit, as the grouped queries return them."""

    communes: int = 0
    assessed: int = 0
    criteria_met: int = 0
    # Approved assessments by the number of criteria they meet at the first level.
    criteria_met_counts: Counter = field(default_factory=Counter)
    computed: Counter = field(default_factory=Counter)
    recognized: Counter = field(default_factory=Counter)
    districts: int = 0
    districts_recognized: Counter = field(default_factory=Counter)
    ocop_stars: Counter = field(default_factory=Counter)
    ocop_groups: Counter = field(default_factory=Counter)
    # Certified products by producer id: a producer with products in two units counts once.
    ocop_producers: Counter = field(default_factory=Counter)
    ocop_expiring: int = 0

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))


def _values(tally: Tally) -> list:
    return [getattr(tally, f.name) for f in dataclasses.fields(tally)]


# --- The reports -------------------------------------------------------------------------


def national_stats(year: int, structure: str | None = None, *, details: bool = True) -> UnitStats:
    frame = _frame(year, structure)
    provinces = list(Province.objects.filter(_reported(frame)).order_by("code"))
    if not provinces:
        raise UnitNotFound(_no_map_message(frame))
    districts = frame.basis == UNITS
    if districts:
        tallies = _tallies(frame, {}, with_districts=True)
        country_tally = sum((tallies[p.pk] for p in provinces), Tally())
    else:
        tallies, country_tally = _tallies_by_predecessors(frame, provinces)
    targets = _targets_by_province(frame)
    rows = [
        _unit_stats(frame, p, tallies[p.pk], targets[p.pk], districts=districts) for p in provinces
    ]
    country = _unit_stats(frame, COUNTRY, country_tally, [], districts=districts)
    country = dataclasses.replace(country, provinces=rows)
    if details:
        criteria = _difficulty(frame, _communes_reported(frame, provinces))
        country = dataclasses.replace(country, criteria_difficulty=criteria)
    return country


def province_stats(
    code: str, year: int, structure: str | None = None, *, details: bool = True
) -> UnitStats:
    frame = _frame(year, structure)
    province = _find(Province, code, frame, _("province"))
    targets = _targets(frame, province=province, district__isnull=True)
    if frame.basis == PREDECESSORS:
        tallies, _country = _tallies_by_predecessors(frame, [province])
        report = _unit_stats(frame, province, tallies[province.pk], targets, districts=False)
    else:
        place = {"province_id": province.pk}
        tally = _tallies(frame, place, with_districts=True)[province.pk]
        report = _unit_stats(frame, province, tally, targets, districts=True)
        if details:
            report = dataclasses.replace(report, districts=_district_rows(frame, province))
    if not details:
        return report
    criteria = _difficulty(frame, _communes_reported(frame, [province]))
    return dataclasses.replace(report, criteria_difficulty=criteria)


def _district_rows(frame: Frame, province: Province) -> list[UnitStats]:
    """One row per district of the province on the frame's map, with its own targets: the
    counts grouped by district (communes, assessments, OCOP products), the districts and
    their targets; five queries whatever the number of districts."""
    tallies = _tallies(
        frame, {"province_id": province.pk}, with_districts=False, group="district_id"
    )
    targets: dict[int, list[Target]] = defaultdict(list)
    for target in _targets(frame, province=province, district__isnull=False):
        targets[target.district_id].append(target)
    districts = District.objects.filter(_in_frame(frame), province=province).order_by("code")
    return [_unit_stats(frame, d, tallies[d.pk], targets[d.pk], districts=False) for d in districts]


def district_stats(code: str, year: int, structure: str | None = None) -> UnitStats:
    frame = _frame(year, structure)
    district = _find(District, code, frame, _("district"))
    tally = _tallies(frame, {"district_id": district.pk}, with_districts=False)[district.pk]
    targets = _targets(frame, district=district)
    report = _unit_stats(frame, district, tally, targets, districts=False)
    difficulty = _difficulty(frame, _rural_communes(frame, {"district_id": district.pk}))
    return dataclasses.replace(report, criteria_difficulty=difficulty)


@dataclass(frozen=True)
class EntryProgress:
    """How far a province's data entry of a year has got (drafts included: for its staff
    and the national office, never the public)."""

    unit: Province
    communes_total: int
    by_status: dict[str, int]  # draft, submitted, returned, approved
    closed_at: datetime.datetime | None

    @property
    def entered(self) -> int:
        return sum(self.by_status.values())

    @property
    def not_started(self) -> int:
        return max(self.communes_total - self.entered, 0)


def entry_progress(year: int, province_ids: set[int] | None = None) -> tuple[Frame, list]:
    """Every province's (or those of ``province_ids``) assessments of the year by status,
    against its rural communes, and whether its year is closed: on the map the year's data
    is entered on. Five queries whatever the number of provinces."""
    frame = _frame(year, None)
    provinces = Province.objects.filter(_in_frame(frame)).order_by("code")
    if province_ids is not None:
        provinces = provinces.filter(pk__in=province_ids)
    provinces = list(provinces)
    communes = Counter(
        dict(
            Commune.objects.filter(_rural_communes(frame, {}))
            .values_list("province_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    statuses: dict[int, Counter] = defaultdict(Counter)
    rows = (
        Assessment.objects.filter(
            _rural_communes(frame, {}, "commune__"),
            year=year,
            criteria_set_id=frame.ladder.criteria_set.pk,
        )
        .values_list("commune__province_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for province_id, status, n in rows:
        statuses[province_id][status] = n
    closed = dict(
        YearClosure.objects.filter(year=year, province__in=provinces).values_list(
            "province_id", "closed_at"
        )
    )
    return frame, [
        EntryProgress(
            unit=p,
            communes_total=communes[p.pk],
            by_status={status: statuses[p.pk][status] for status in Assessment.Status.values},
            closed_at=closed.get(p.pk),
        )
        for p in provinces
    ]


MAX_TREND_YEARS = 15


def trend(first_year: int, last_year: int, province_code: str | None = None) -> list[UnitStats]:
    """The country's (or a province's) figures year by year, each with its year's ladder,
    without the province rows and criteria: a dashboard's trend in one call. The country is
    counted on each year's own map; a province on the map of the last year (its earlier years
    through its predecessors, as a province of today reads its history). Costs the queries
    of one report per year, whatever the number of units."""
    if last_year < first_year or last_year - first_year + 1 > MAX_TREND_YEARS:
        message = _("Ask for 1 to %(n)d years, the first not after the last.")
        raise ValidationError({"last_year": [message % {"n": MAX_TREND_YEARS}]})
    reports = []
    structure = structure_for(last_year)
    for year in range(first_year, last_year + 1):
        if province_code is None:
            report = national_stats(year, details=False)
            report = dataclasses.replace(report, provinces=None)
        else:
            report = province_stats(province_code, year, structure, details=False)
        reports.append(report)
    return reports


# --- Year, map and unit ------------------------------------------------------------------


def ladder_for(year: int) -> Ladder:
    """The ladder of the set governing the year (criteria.selectors.ladder_for_year); a year
    no set covers is a bad request."""
    ladder = ladder_for_year(year)
    if ladder.criteria_set is None:
        raise ValidationError({"year": [no_set_message(year)]})
    return ladder


def structure_for(year: int, structure: str | None = None) -> str | None:
    """The map a year is read on: the one asked for, else the one that year's assessments
    were entered on (communes.models.structure_for_year)."""
    return structure or structure_for_year(year)


def _frame(year: int, structure: str | None) -> Frame:
    # The ladder first: a year without a criteria set is a bad request whatever the unit.
    ladder = ladder_for(year)
    data = structure_for_year(year) or ""
    asked = structure or data
    if asked < data:
        data = asked  # an earlier map than the year's own: read it as it was (no lineage back)
    return Frame(year=year, structure=asked, ladder=ladder, data_structure=data)


def _reported(frame: Frame, prefix: str = "") -> Q:
    """The units reported on: those of the year's map, or, read by predecessors, the units of
    the later map as they stand (they did not exist yet in that year)."""
    if frame.basis == PREDECESSORS:
        return Q(**{f"{prefix}structure": frame.structure})
    return _in_frame(frame, prefix)


def _find(model, code: str, frame: Frame, label: str):
    # A code is digits; anything else names no unit and never reaches the database.
    unit = None
    if frame.structure and code.isascii() and code.isdigit():
        unit = model.objects.filter(_reported(frame), code=code).first()
    if unit is None:
        raise UnitNotFound(_unit_message(label, code, frame))
    return unit


def _unit_message(label: str, code: str, frame: Frame) -> str:
    values = {"unit": label, "code": code, "year": frame.year, "structure": frame.structure}
    if not frame.structure:
        return (
            _(
                "No %(unit)s with code %(code)s: no administrative map valid on "
                "1 January %(year)s is loaded."
            )
            % values
        )
    return _("No %(unit)s with code %(code)s exists in %(year)s in structure %(structure)s.") % (
        values
    )


def _no_map_message(frame: Frame) -> str:
    values = {"year": frame.year, "structure": frame.structure}
    if not frame.structure:
        return _("No administrative map valid on 1 January %(year)s is loaded.") % values
    return _("No provinces of structure %(structure)s exist in %(year)s.") % values


# --- Filters -----------------------------------------------------------------------------


def _in_frame(frame: Frame, prefix: str = "") -> Q:
    """Units on the frame's map in its year (communes.models.on_map_q: the one rule)."""
    return on_map_q(frame.year, frame.structure, prefix)


def _rural_communes(frame: Frame, place: dict, prefix: str = "") -> Q:
    where = {f"{prefix}{key}": value for key, value in place.items()}
    return _in_frame(frame, prefix) & rural_q(frame.year, prefix) & Q(**where)


def _top_recognized_rank(frame: Frame, unit_field: str) -> Subquery:
    """Rank of the unit's highest title held on 31 December, on the ladder in force."""
    held = Recognition.objects.held(frame.year, frame.ladder.criteria_set)
    return Subquery(held.filter(**{unit_field: OuterRef("pk")}).values("level__rank")[:1])


# --- Grouped counts ----------------------------------------------------------------------


def _tallies(
    frame: Frame, place: dict, *, with_districts: bool, group: str | None = None
) -> dict[int, Tally]:
    """One Tally per unit of `place`'s grouping: its district if given, else its province
    (or per commune, ``group="pk"``)."""
    group = group or ("district_id" if "district_id" in place else "province_id")
    tallies: dict[int, Tally] = defaultdict(Tally)
    _count_communes(tallies, frame, place, group)
    _count_assessments(tallies, frame, place, group)
    if with_districts:
        _count_districts(tallies, frame, place)
    _count_ocop(tallies, frame, place, group)
    return tallies


def _tallies_by_predecessors(frame: Frame, provinces: list[Province]):
    """({new province id: Tally}, the country's Tally) for a year read on a later map: each
    old commune's own tally on the year's map (grouped by commune, 4 queries), summed over the
    old communes that went into each new province (1 query for the lineage), each old commune
    once per province, and once in the country."""
    per_old = _tallies(frame.of_data, {}, with_districts=False, group="pk")
    links = Lineage.objects.filter(new__province__in=provinces).values_list(
        "new__province_id", "old_id"
    )
    olds: dict[int, set[int]] = defaultdict(set)
    for province_id, old_id in links:
        olds[province_id].add(old_id)
    empty = Tally()
    tallies = {
        p.pk: sum((per_old.get(old, empty) for old in olds[p.pk]), Tally()) for p in provinces
    }
    counted = set().union(*olds.values()) if olds else set()
    country = sum((per_old.get(old, empty) for old in counted), Tally())
    return tallies, country


def _count_communes(tallies, frame: Frame, place: dict, group: str) -> None:
    rows = (
        Commune.objects.filter(_rural_communes(frame, place))
        .annotate(top=_top_recognized_rank(frame, "commune"))
        .values("top", unit=F(group))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        tally = tallies[row["unit"]]
        tally.communes += row["n"]
        if row["top"] is not None:
            tally.recognized[frame.ladder.by_rank[row["top"]]] += row["n"]


def _count_assessments(tallies, frame: Frame, place: dict, group: str) -> None:
    # One assessment per commune, year and set (a constraint), so each commune counts once.
    rows = (
        Assessment.objects.approved()
        .filter(
            _rural_communes(frame, place, "commune__"),
            year=frame.year,
            criteria_set_id=frame.ladder.criteria_set.pk,
        )
        .values("level", "criteria_met", unit=F(f"commune__{group}"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        tally = tallies[row["unit"]]
        tally.assessed += row["n"]
        tally.criteria_met += row["criteria_met"] * row["n"]
        tally.criteria_met_counts[row["criteria_met"]] += row["n"]
        level = row["level"] if row["level"] in frame.ladder.codes else NONE
        tally.computed[level] += row["n"]


def _count_districts(tallies, frame: Frame, place: dict) -> None:
    rows = (
        District.objects.filter(_in_frame(frame), **place)
        .annotate(top=_top_recognized_rank(frame, "district"))
        .values("top", unit=F("province_id"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        tally = tallies[row["unit"]]
        tally.districts += row["n"]
        if row["top"] is not None:
            tally.districts_recognized[frame.ladder.by_rank[row["top"]]] += row["n"]


def _count_ocop(tallies, frame: Frame, place: dict, group: str) -> None:
    """The products certified on the frame's OCOP day, by unit. On the map since 1 July 2025,
    by province, a product still registered to a commune of the old map counts in the new
    province its commune went into (communes.models.Lineage): its certificate outlived the
    map. The government's table sends each old commune into one province (no old unit has
    links to two), so each is counted once; by commune or district it is not carried, as an
    old commune split between new ones has no one place."""
    _add_ocop(tallies, frame, _products_in(frame, place, "commune__"), f"commune__{group}")
    if frame.structure == Structure.Y2025 and group == "province_id":
        old = "commune__successor_links__new__"
        _add_ocop(tallies, frame, _products_in(frame, place, old), f"{old}{group}")


def _products_in(frame: Frame, place: dict, path: str):
    """Products whose unit at ``path`` (a commune) is on the frame's map within ``place``."""
    where = {f"{path}{key}": value for key, value in place.items()}
    return Product.objects.filter(_in_frame(frame, path), **where)


def _add_ocop(tallies, frame: Frame, products, unit: str) -> None:
    rows = selectors.certified_counts(
        products, frame.ocop_day, unit, settings.NTM_OCOP_EXPIRING_DAYS
    )
    for row in rows:
        tally = tallies[row[unit]]
        tally.ocop_stars[str(row["stars"])] += row["products"]
        tally.ocop_groups[row["group"]] += row["products"]
        tally.ocop_producers[row["producer_id"]] += row["products"]
        tally.ocop_expiring += row["expiring"]


def _communes_reported(frame: Frame, provinces: list[Province]) -> Q:
    """The communes whose assessments a report of these provinces counts, on the year's own
    map: the provinces' rural communes, or, read by predecessors, the old communes that went
    into them (each once, however many of its parts went where)."""
    if frame.basis == UNITS:
        return _rural_communes(frame, {"province__in": provinces})
    return _rural_communes(frame.of_data, {}) & gone_into("pk", pk__in=[p.pk for p in provinces])


def _difficulty(frame: Frame, communes: Q) -> list[CriterionDifficulty]:
    """Every criterion of the set in force, with how many of the approved assessments of
    ``communes`` (a Commune filter) met it, did not, or could not say (missing values); the
    most failed first. Two queries."""
    assessments = Assessment.objects.approved().filter(
        commune__in=Commune.objects.filter(communes),
        year=frame.year,
        criteria_set_id=frame.ladder.criteria_set.pk,
    )
    counts = Counter()
    rows = (
        CriterionResult.objects.filter(assessment__in=assessments)
        .values("criterion_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row["criterion_id"], row["status"]] = row["n"]
    criteria = Criterion.objects.filter(level__criteria_set_id=frame.ladder.criteria_set.pk)
    result = []
    for criterion in criteria.select_related("level").order_by("level__rank", "order", "pk"):
        met, not_met, incomplete = (
            counts[criterion.pk, status]
            for status in (
                CriterionResult.Status.MET,
                CriterionResult.Status.NOT_MET,
                CriterionResult.Status.INCOMPLETE,
            )
        )
        result.append(
            CriterionDifficulty(
                level=criterion.level.code,
                number=criterion.number,
                name_vi=criterion.name_vi,
                name_en=criterion.name_en,
                met=met,
                not_met=not_met,
                incomplete=incomplete,
                not_met_share=share(not_met, met + not_met + incomplete),
            )
        )
    return sorted(result, key=lambda c: -c.not_met)


def _targets(frame: Frame, **where) -> list[Target]:
    """Targets on the ladder in force: a target of another period has other levels."""
    targets = Target.objects.filter(level__criteria_set_id=frame.ladder.criteria_set.pk, **where)
    return list(targets.select_related("level").order_by("year", "level__rank"))


def _targets_by_province(frame: Frame) -> dict[int, list[Target]]:
    grouped: dict[int, list[Target]] = defaultdict(list)
    for target in _targets(frame, province__structure=frame.structure, district__isnull=True):
        grouped[target.province_id].append(target)
    return grouped


# --- From counts to figures (no queries) -------------------------------------------------


def _unit_stats(frame: Frame, unit, tally: Tally, targets: Iterable[Target], *, districts: bool):
    recognized_at_least = at_least(frame.ladder.codes, tally.recognized)
    not_recognized = tally.communes - sum(tally.recognized.values())
    return UnitStats(
        year=frame.year,
        criteria_set=frame.ladder.criteria_set.code,
        structure=frame.structure,
        unit=unit,
        communes_total=tally.communes,
        assessed=tally.assessed,
        computed=per_level(frame.ladder.codes, tally.computed, none=tally.computed[NONE]),
        recognized=per_level(frame.ladder.codes, tally.recognized, none=not_recognized),
        at_least={
            "computed": at_least(frame.ladder.codes, tally.computed),
            "recognized": recognized_at_least,
        },
        avg_criteria_met=average(tally.criteria_met, tally.assessed),
        shares={
            "computed": shares(tally.communes, at_least(frame.ladder.codes, tally.computed)),
            "recognized": shares(tally.communes, recognized_at_least),
        },
        criteria_met_histogram={
            str(n): tally.criteria_met_counts[n] for n in sorted(tally.criteria_met_counts)
        },
        districts_total=tally.districts if districts else None,
        districts_recognized=(
            per_level(frame.ladder.codes, tally.districts_recognized) if districts else None
        ),
        targets=[progress(t, tally.communes, recognized_at_least) for t in targets],
        ocop=ocop_stats(tally),
        basis=frame.basis,
    )


def ocop_stats(tally: Tally) -> OcopStats:
    return OcopStats(
        products=sum(tally.ocop_stars.values()),
        by_stars={stars: tally.ocop_stars[stars] for stars in OCOP_STARS},
        by_group={group: tally.ocop_groups[group] for group in sorted(tally.ocop_groups)},
        producers=len(tally.ocop_producers),
        expiring_90_days=tally.ocop_expiring,
    )


def per_level(levels: Iterable[str], counts: Counter, none: int | None = None) -> dict[str, int]:
    """Counts keyed by level, lowest first, led by `none` when given."""
    head = {} if none is None else {NONE: none}
    return head | {level: counts[level] for level in levels}


def at_least(levels: tuple[str, ...], counts: Counter) -> dict[str, int]:
    """Units at each level or higher: the counts accumulated from the top of the ladder."""
    running, totals = 0, {}
    for level in reversed(levels):
        running += counts[level]
        totals[level] = running
    return {level: totals[level] for level in levels}


def share(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``, to one decimal (half up); None of nothing."""
    if not whole:
        return None
    return float((Decimal(100 * part) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def shares(whole: int, counts: dict[str, int]) -> dict[str, float | None]:
    return {key: share(count, whole) for key, count in counts.items()}


def average(total: int, count: int) -> float | None:
    if not count:
        return None
    return float((Decimal(total) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def progress(target: Target, communes: int, recognized_at_least: dict[str, int]):
    """A target as a number of communes (a percentage of `communes`, rounded up), against the
    communes recognised at its level or higher."""
    amount = target.count
    if amount is None:
        amount = math.ceil(target.percent * communes / 100)
    return TargetProgress(
        year=target.year,
        level=target.level.code,
        target=amount,
        target_percent=target.percent,
        actual=recognized_at_least[target.level.code],
    )
