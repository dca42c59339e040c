"""The filters of administrative units, defined once for the API and the officer pages to share."""

import django_filters
from django.core.validators import RegexValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, District, Province, Region, Structure, newest_structure
from core.filters import documented


def code_filter(field_name: str, digits: int, label: str, **extra) -> django_filters.CharFilter:
    """A statistics-office code of exactly ``digits`` digits (the schema gives the pattern)."""
    pattern = rf"^[0-9]{{{digits}}}$"
    message = format_lazy(_("Enter a code of {n} digits."), n=digits)
    code = django_filters.CharFilter(
        field_name=field_name, label=label, validators=[RegexValidator(pattern, message)], **extra
    )
    return documented(code, {"type": "string", "pattern": pattern, "description": label})


class UnitFilterSet(django_filters.FilterSet):
    structure = django_filters.ChoiceFilter(
        choices=Structure.choices,
        method="filter_structure",
        label=_("Structure (default: the newest loaded; with a year, the map of that year)"),
    )
    search = django_filters.CharFilter(
        method="filter_search", label=_("Code prefix or name, with or without diacritics")
    )

    def filter_structure(self, queryset, name, value):
        return queryset  # applied in filter_queryset, which also supplies the default

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_queryset(self, queryset):
        return super().filter_queryset(self.on_map(queryset))

    def on_map(self, queryset):
        """The units of the structure asked for, else of the newest loaded (a year's filters
        narrow this to the map of the year: criteria.filters)."""
        structure = self.form.cleaned_data.get("structure") or newest_structure()
        return queryset.filter(structure=structure)


class ProvinceFilterSet(UnitFilterSet):
    region = django_filters.ModelChoiceFilter(
        field_name="region",
        to_field_name="code",
        queryset=Region.objects.all(),
        label=_("Region code"),
    )
    kind = django_filters.ChoiceFilter(choices=Province.Kind.choices)

    class Meta:
        model = Province
        fields = ["structure", "region", "kind", "search"]


class DistrictFilterSet(UnitFilterSet):
    province = code_filter("province__code", 2, _("Province code"))
    region = django_filters.ModelChoiceFilter(
        field_name="province__region",
        to_field_name="code",
        queryset=Region.objects.all(),
        label=_("Region code"),
    )
    kind = django_filters.ChoiceFilter(choices=District.Kind.choices)

    class Meta:
        model = District
        fields = ["structure", "province", "region", "kind", "search"]


class CommuneFilterSet(DistrictFilterSet):
    district = code_filter("district__code", 3, _("District code"))
    kind = django_filters.ChoiceFilter(choices=Commune.Kind.choices)

    class Meta:
        model = Commune
        fields = ["structure", "province", "district", "region", "kind", "search"]
