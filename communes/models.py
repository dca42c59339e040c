"""Vietnam's administrative units, in each structure the law has had.

Two structures live side by side: the one in force until 30 June 2025 (63 provinces, 696
districts, 10,051 commune-level units) and the merged one since 1 July 2025 (34 provinces, no
districts). Codes are the statistics office's, unique only within a structure.
"""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communes.text import fold


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


class CommuneQuerySet(UnitQuerySet):
    def rural(self) -> "CommuneQuerySet":
        """Rural communes (xã): the only subjects of the NTM programme."""
        return self.filter(kind=Commune.Kind.XA)

    def in_province(self, province: Province) -> "CommuneQuerySet":
        return self.filter(province=province)


class Commune(AdminUnit):
    class Kind(models.TextChoices):
        XA = "xa", _("Rural commune (xã)")
        PHUONG = "phuong", _("Urban ward (phường)")
        THI_TRAN = "thi_tran", _("Township (thị trấn)")
        DAC_KHU = "dac_khu", _("Special zone (đặc khu)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
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

    objects = CommuneQuerySet.as_manager()

    class Meta(AdminUnit.Meta):
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        constraints = AdminUnit.unit_constraints("commune")

    @property
    def is_rural(self) -> bool:
        return self.kind == self.Kind.XA
