"""Reads of administrative units that several places need (the map of a year and the rural
communes of a year are rules of the models: communes.models.on_map_q, rural_q), and the
lineage of the 1 July 2025 reorganisation: predecessors and successors of a unit, one by one
or for many units in one query."""

from collections.abc import Iterable

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone

from communes.models import Commune, District, KindChange, Lineage, Province, rural_on_q


def provinces_for_list():
    return Province.objects.select_related("region")


def districts_for_list():
    return District.objects.select_related("province")


def communes_for_list():
    """Communes with their parents, and ``rural_today`` (a xã today, kind changes included:
    rural_on_q) computed in the same query."""
    rural_today = ExpressionWrapper(rural_on_q(timezone.localdate()), BooleanField())
    communes = Commune.objects.select_related("province__region", "district")
    return communes.annotate(rural_today=rural_today)


# --- kind changes and lineage -----------------------------------------------------------------


def kind_changes_for_list():
    return KindChange.objects.select_related("commune__province", "commune__district")


def predecessors(commune: Commune):
    """The lineage links into ``commune`` (a unit of the 2025 structure) from the old units
    that went into it, each with ``how`` (whole, part...; Lineage.is_partial) and the source's
    note, its old unit's province and district joined, ordered by old code: 1 query. Empty for
    a unit of the 2021 structure, or a new unit made of no old commune (e.g. a special zone
    made of a whole district)."""
    links = Lineage.objects.filter(new=commune).select_related("old__province", "old__district")
    return links.order_by("old__code")


def successors(commune: Commune):
    """The lineage links from ``commune`` (a unit of the 2021 structure) to the new units it
    went into (several when it was split), each with ``how``, its new unit's province joined,
    ordered by new code: 1 query. Empty for a 2025 unit, or an old unit the conversion table
    does not name (listed with its reason in fixtures/lineage/fixes.csv)."""
    links = Lineage.objects.filter(old=commune).select_related("new__province")
    return links.order_by("new__code")


def gone_into(old: str, **new_province) -> Q:
    """Whether the old commune whose id is at ``old`` (a path from the rows filtered: "pk",
    "commune_id") went, wholly or in part, into a commune of a province of the new map that
    ``new_province`` names (lookups on that province: pk=..., code=..., pk__in=...). The one
    way the lineage carries a row of the old map into a new province: an Exists, so each row
    counts once however many of its commune's parts went there."""
    lookups = {f"new__province__{name}": value for name, value in new_province.items()}
    return Q(Exists(Lineage.objects.filter(old=OuterRef(old), **lookups)))


def provinces_gone_into(province: Province) -> list[Province]:
    """The provinces of the 2025 structure that the communes of ``province`` (of the 2021
    structure) went into, by code (1 query): Bình Dương's is Hồ Chí Minh City. Empty for a
    province of the 2025 structure."""
    went = Province.objects.filter(communes__predecessor_links__old__province=province)
    return list(went.distinct().order_by("code"))


def provinces_come_into(province: Province) -> list[Province]:
    """The provinces of the 2021 structure whose communes went into ``province`` (of the 2025
    structure), by code (1 query): Hồ Chí Minh City's are Bình Dương, Bà Rịa - Vũng Tàu and
    the old city. Empty for a province of the 2021 structure."""
    came = Province.objects.filter(communes__successor_links__new__province=province)
    return list(came.distinct().order_by("code"))


def predecessors_by_commune(communes: Iterable[Commune | int]) -> dict[int, list[Lineage]]:
    """predecessors() for many new units at once: {new commune id: [links]}, every id given
    present (an empty list where none), in 1 query."""
    ids = _ids(communes)
    grouped: dict[int, list[Lineage]] = {pk: [] for pk in ids}
    links = Lineage.objects.filter(new_id__in=ids).select_related("old__province", "old__district")
    for link in links.order_by("new_id", "old__code"):
        grouped[link.new_id].append(link)
    return grouped


def successors_by_commune(communes: Iterable[Commune | int]) -> dict[int, list[Lineage]]:
    """successors() for many old units at once: {old commune id: [links]}, every id given
    present (an empty list where none), in 1 query."""
    ids = _ids(communes)
    grouped: dict[int, list[Lineage]] = {pk: [] for pk in ids}
    links = Lineage.objects.filter(old_id__in=ids).select_related("new__province")
    for link in links.order_by("old_id", "new__code"):
        grouped[link.old_id].append(link)
    return grouped


def _ids(communes: Iterable[Commune | int]) -> list[int]:
    return [c if isinstance(c, int) else c.pk for c in communes]
