"""Reads of administrative units that several places need (the map of a year is a rule of the
models: communes.models.on_map_q, structure_for_year)."""

from communes.models import Commune, District, Province


def provinces_for_list():
    return Province.objects.select_related("region")


def districts_for_list():
    return District.objects.select_related("province")


def communes_for_list():
    return Commune.objects.select_related("province__region", "district")
