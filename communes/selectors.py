"""Reads of administrative units that several places need."""

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
