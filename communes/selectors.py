"""Reads of administrative units that several places need."""

import datetime

from communes.models import Commune, District, Province


def newest_structure() -> str | None:
    """The newest structure loaded: what lists show when no structure is asked for."""
    return Province.objects.order_by("-structure").values_list("structure", flat=True).first()


def provinces_for_list():
    return Province.objects.select_related("region")


def districts_for_list():
    return District.objects.select_related("province")


def communes_for_list():
    return Commune.objects.select_related("province__region", "district")


def structure_for_year(year: int) -> str | None:
    """The map a year's data is keyed to: the structure in force on 1 January of that year
    (2021-2025 data stays on the old map), else the newest loaded."""
    on_new_year = datetime.date(year, 1, 1)
    in_force = Province.objects.valid_on(on_new_year).order_by("-structure")
    return in_force.values_list("structure", flat=True).first() or newest_structure()
