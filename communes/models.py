"""Vietnam's administrative units, in each structure the law has had.

Two structures live side by side: the one in force until 30 June 2025 (63 provinces, 696
districts, 10,051 commune-level units) and the merged one since 1 July 2025 (34 provinces, no
districts). Codes are the statistics office's, unique only within a structure.
"""

import datetime

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.text import fold, sort_key


class Structure(models.TextChoices):
    Y2021 = "2021", _("Until 30 June 2025 (63 provinces, with districts)")
    Y2025 = "2025", _("Since 1 July 2025 (34 provinces, no districts)")


class Region(models.Model):
    """One of the seven regions the 2021-2025 NTM thresholds and targets are keyed by."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name_vi


# --- the map of a year: one rule, used by the pages, the API and the statistics --------------
# A year's data is kept on one map: the structure in force on 1 January of that year (2025's
# data stays on the 2021 map, merged on 1 July; 2026's is on the new one), unless a caller asks
# for another. On that map, a unit is on the map of the year when it was valid at some time
# during the year: a commune merged away in March still carries that year's data, and so does
# the commune it merged into.


def newest_structure() -> str | None:
    """The newest structure loaded: what lists show when no structure is asked for."""
    return Province.objects.order_by("-structure").values_list("structure", flat=True).first()


def _year(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def valid_between_q(first: datetime.date, last: datetime.date, prefix: str = "") -> Q:
    """Units (through ``prefix``) valid on some day from ``first`` to ``last``."""
    started = Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": last})
    not_ended = Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": first})
    return started & not_ended


def valid_between(start, end, first: datetime.date, last: datetime.date) -> bool:
    """valid_between_q for a loaded validity ``start``..``end`` (None: open)."""
    return (start is None or start <= last) and (end is None or end >= first)


def structures_for_years(years) -> dict[int, str | None]:
    """The map each year's data is keyed to: the newest structure with a province in force on
    1 January of that year, else (no map loaded covers that day) the newest loaded. 1 query."""
    spans = set(Province.objects.values_list("structure", "valid_from", "valid_to").distinct())
    newest = max((structure for structure, _, _ in spans), default=None)

    def in_force(year: int) -> str | None:
        day = datetime.date(year, 1, 1)
        found = [s for s, start, end in spans if valid_between(start, end, day, day)]
        return max(found, default=None) or newest

    return {year: in_force(year) for year in years}


def structure_for_year(year: int) -> str | None:
    return structures_for_years([year])[year]


def on_map_q(year: int, structure: str | None, prefix: str = "") -> Q:
    """Units (reached through ``prefix``, e.g. "commune__") on ``structure``'s map in ``year``."""
    return Q(**{f"{prefix}structure": structure}) & valid_between_q(*_year(year), prefix)


class UnitQuerySet(models.QuerySet):
    def in_structure(self, structure: str) -> "UnitQuerySet":
        return self.filter(structure=structure)

    def on_map(self, year: int, structure: str | None = None) -> "UnitQuerySet":
        """The units on the map of ``year`` (see above): of ``structure`` if given, else of the
        structure the year's data is kept on."""
        return self.filter(on_map_q(year, structure or structure_for_year(year)))

    def valid_on(self, day: datetime.date) -> "UnitQuerySet":
        return self.filter(valid_between_q(day, day))

    def search(self, term: str) -> "UnitQuerySet":
        """Match a code prefix, or every word of the term inside the folded name."""
        folded = fold(term)
        if not folded:
            return self
        if folded.isdigit():
            return self.filter(code__startswith=folded)
        words = Q()
        for word in folded.split(" "):
            words &= Q(search_key__contains=word)
        return self.filter(words)


class AdminUnit(models.Model):
    structure = models.CharField(_("structure"), max_length=4, choices=Structure.choices)
    code = models.CharField(_("code"), max_length=5)
    name = models.CharField(_("name"), max_length=100)
    # Folded copy of the name (see communes.text.fold), kept in step by save() and the loader.
    search_key = models.CharField(_("search key"), max_length=100, editable=False)
    # What lists sorted by name sort by: the name without "Tỉnh", "Huyện", "Xã"... in the order
    # of the Vietnamese alphabet (communes.text.sort_key), kept in step like search_key.
    sort_key = models.CharField(
        _("sort key"), max_length=400, default="", editable=False, db_index=True
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["structure", "code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = fold(self.name)
        self.sort_key = sort_key(self.name)
        super().save(*args, **kwargs)

    def is_on_map(self, year: int, structure: str | None) -> bool:
        """on_map_q for one loaded unit (tests hold the two to the same answers)."""
        valid = valid_between(self.valid_from, self.valid_to, *_year(year))
        return self.structure == structure and valid

    @staticmethod
    def unit_constraints(prefix: str) -> list:
        return [
            models.UniqueConstraint(
                fields=["structure", "code"], name=f"{prefix}_unique_code_per_structure"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name=f"{prefix}_valid_dates_in_order",
            ),
        ]


class Province(AdminUnit):
    class Kind(models.TextChoices):
        TINH = "tinh", _("Province (tỉnh)")
        THANH_PHO = "thanh_pho", _("Centrally-run city (thành phố)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provinces",
    )

    class Meta(AdminUnit.Meta):
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        constraints = AdminUnit.unit_constraints("province")


class District(AdminUnit):
    class Kind(models.TextChoices):
        QUAN = "quan", _("Urban district (quận)")
        HUYEN = "huyen", _("Rural district (huyện)")
        THI_XA = "thi_xa", _("District-level town (thị xã)")
        THANH_PHO = "thanh_pho", _("Provincial city (thành phố)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="districts"
    )

    class Meta(AdminUnit.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = AdminUnit.unit_constraints("district")


# --- the kind of a commune on a date, and the rural communes of a year: one rule -------------
# A commune's kind can change on a date (communes became wards before and after 2025). The
# loaded ``kind`` is the kind on the list's date (``kind_as_of``); each KindChange says the
# kind before and after its date, and the service keeps the chain consistent with the list
# (communes.services.kind_changes). So the kind on a day is the new kind of the last change
# on or before it, else the old kind of the first change after it, else the loaded kind.
# A commune is rural in a year when it was a xã at some time during the year (the same
# "at some time during the year" as the map of a year): a commune turned ward in April 2026
# is rural in 2026 and not in 2027.


def _changes_of(prefix: str):
    """The kind changes of the commune reached through ``prefix`` (in a subquery)."""
    return KindChange.objects.filter(commune=OuterRef(f"{prefix}pk"))


def kind_on_expression(day: datetime.date, prefix: str = ""):
    """The kind of the commune (through ``prefix``) on ``day``, as a SQL expression."""
    changes = _changes_of(prefix)
    last_before = changes.filter(date__lte=day).order_by("-date").values("new_kind")[:1]
    first_after = changes.filter(date__gt=day).order_by("date").values("old_kind")[:1]
    return Coalesce(Subquery(last_before), Subquery(first_after), F(f"{prefix}kind"))


def rural_q(year: int, prefix: str = "") -> Q:
    """Communes (reached through ``prefix``, e.g. "commune__") that were rural communes (xã)
    at some time during ``year``: a xã on 1 January, or made a xã by a change that year."""
    first, last = _year(year)
    xa = Commune.Kind.XA
    became_xa = _changes_of(prefix).filter(date__range=(first, last), new_kind=xa)
    return Q(Exact(kind_on_expression(first, prefix), xa)) | Q(Exists(became_xa))


def rural_on_q(day: datetime.date, prefix: str = "") -> Q:
    """Communes (through ``prefix``) that are rural communes (xã) on ``day``."""
    return Q(Exact(kind_on_expression(day, prefix), Commune.Kind.XA))


class CommuneQuerySet(UnitQuerySet):
    def rural(self, year: int | None = None) -> "CommuneQuerySet":
        """Rural communes (xã), the only subjects of the NTM programme: with ``year``, those
        rural at some time during that year (rural_q); without, those rural today."""
        if year is None:
            return self.filter(rural_on_q(timezone.localdate()))
        return self.filter(rural_q(year))

    def ever_rural(self) -> "CommuneQuerySet":
        """Communes that were rural communes (xã) on some day: listed so, or by a change."""
        xa = Commune.Kind.XA
        changed = _changes_of("").filter(Q(old_kind=xa) | Q(new_kind=xa))
        return self.filter(Q(kind=xa) | Q(Exists(changed)))

    def in_province(self, province: Province) -> "CommuneQuerySet":
        return self.filter(province=province)


class Commune(AdminUnit):
    class Kind(models.TextChoices):
        XA = "xa", _("Rural commune (xã)")
        PHUONG = "phuong", _("Urban ward (phường)")
        THI_TRAN = "thi_tran", _("Township (thị trấn)")
        DAC_KHU = "dac_khu", _("Special zone (đặc khu)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The day the loaded kind is true on (the list's date): changes dated on or before it lead
    # to this kind, changes after it start from it. None: the kind holds from the unit's start.
    kind_as_of = models.DateField(_("kind as of"), null=True, blank=True)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="communes"
    )
    # Null in the 2025 structure, which has no districts.
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="communes",
    )
    # A point for the map (WGS 84 degrees), from fixtures/coordinates/ (built by
    # scripts/build_coordinates.py); empty where the source has no reliable point.
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    objects = CommuneQuerySet.as_manager()

    class Meta(AdminUnit.Meta):
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        constraints = AdminUnit.unit_constraints("commune")

    # The Python twins of kind_on_expression and rural_q for one loaded commune (tests hold
    # them to the same answers). They read self.kind_changes.all(): prefetch it for many.

    def _sorted_changes(self) -> list["KindChange"]:
        return sorted(self.kind_changes.all(), key=lambda change: change.date)

    def kind_on(self, day: datetime.date) -> str:
        return self._kind_on(day, self._sorted_changes())

    def _kind_on(self, day: datetime.date, changes: list["KindChange"]) -> str:
        before = [change for change in changes if change.date <= day]
        if before:
            return before[-1].new_kind
        return changes[0].old_kind if changes else self.kind

    def is_rural_in(self, year: int) -> bool:
        """A rural commune (xã) at some time during ``year``."""
        first, last = _year(year)
        changes = self._sorted_changes()
        became_xa = any(
            first <= change.date <= last and change.new_kind == self.Kind.XA for change in changes
        )
        return became_xa or self._kind_on(first, changes) == self.Kind.XA

    @property
    def is_rural(self) -> bool:
        """A rural commune (xã) today."""
        return self.kind_on(timezone.localdate()) == self.Kind.XA

    def kind_change_explaining(self, year: int) -> "KindChange | None":
        """For a commune that was not rural in ``year``: the change that ended its time as a
        xã before the year, or else the one that made it a xã after the year."""
        first, last = _year(year)
        changes = self._sorted_changes()
        before = [change for change in changes if change.date <= first]
        after = [change for change in changes if change.date > last]
        return (before[-1:] or after[:1] or [None])[0]


class KindChange(models.Model):
    """A commune-level unit's kind changing on a date (a xã made a ward, a township a xã...),
    recorded by communes.services.kind_changes, which keeps each commune's changes a
    consistent chain with its loaded kind."""

    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="kind_changes"
    )
    date = models.DateField(_("date"), help_text=_("The first day of the new kind."))
    old_kind = models.CharField(_("old kind"), max_length=10, choices=Commune.Kind.choices)
    new_kind = models.CharField(_("new kind"), max_length=10, choices=Commune.Kind.choices)
    legal_source = models.CharField(
        _("legal source"), max_length=300, help_text=_("The decision or resolution, its date.")
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["commune__structure", "commune__code", "date"]
        verbose_name = _("kind change")
        verbose_name_plural = _("kind changes")
        constraints = [
            # Also the index of the kind-on-a-day subqueries (commune, then date).
            models.UniqueConstraint(fields=["commune", "date"], name="kind_change_one_per_day"),
            models.CheckConstraint(
                condition=~Q(old_kind=F("new_kind")), name="kind_change_changes_the_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commune}: {self.old_kind} → {self.new_kind} ({self.date})"


class Lineage(models.Model):
    """One link of the 1 July 2025 reorganisation: an old commune-level unit (2021
    structure) went, wholly or in part, into a new one (2025 structure). Loaded from the
    government's conversion table by communes.services.lineage; read through
    communes.selectors (predecessors, successors)."""

    class How(models.TextChoices):
        WHOLE = "whole", _("Whole (nhập toàn bộ)")
        PART = "part", _("Part (nhập một phần)")
        PART_AREA = "part_area", _("Part of its area (nhập một phần diện tích)")
        PART_AREA_ALL_POPULATION = (
            "part_area_all_population",
            _("Part of its area, all its population (một phần diện tích, toàn bộ dân số)"),
        )
        UNCHANGED = "unchanged", _("Unchanged (giữ nguyên)")
        RENAMED = "renamed", _("Renamed (đổi tên)")
        KIND_CHANGED = "kind_changed", _("Kind changed (đổi loại hình)")
        OTHER = "other", _("Other (see the note)")

    PARTIAL = (How.PART, How.PART_AREA, How.PART_AREA_ALL_POPULATION)

    old = models.ForeignKey(
        Commune,
        verbose_name=_("old unit"),
        on_delete=models.PROTECT,
        related_name="successor_links",
    )
    new = models.ForeignKey(
        Commune,
        verbose_name=_("new unit"),
        on_delete=models.PROTECT,
        related_name="predecessor_links",
    )
    how = models.CharField(_("how"), max_length=30, choices=How.choices)
    note = models.TextField(_("note"), blank=True, help_text=_("The source's own words."))
    legal_source = models.CharField(_("legal source"), max_length=300)
    source_row = models.PositiveIntegerField(
        _("source row"), null=True, blank=True, help_text=_("Row of the conversion table.")
    )

    class Meta:
        ordering = ["new__code", "old__code"]
        verbose_name = _("lineage link")
        verbose_name_plural = _("lineage")
        constraints = [
            models.UniqueConstraint(fields=["old", "new"], name="lineage_one_link_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.old} → {self.new} ({self.how})"

    @property
    def is_partial(self) -> bool:
        """The old unit went in only in part (the rest went elsewhere)."""
        return self.how in self.PARTIAL
