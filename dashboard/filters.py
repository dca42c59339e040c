"""The unit filters with a year: each unit's NTM picture for that year, and filters on it."""

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from accounts.access import access_for
from communes.filters import CommuneFilterSet, DistrictFilterSet, ProvinceFilterSet
from criteria.models import Assessment
from dashboard.units import communes_for_year, districts_for_year

YEAR = {"min_value": 2000, "max_value": 2100}


def _year_filter():
    return django_filters.NumberFilter(
        method="filter_nothing", label=_("Year of the levels shown (e.g. 2023)"), **YEAR
    )


class YearMixin:
    def filter_nothing(self, queryset, name, value):
        return queryset  # the year shapes the annotations, applied in filter_queryset

    @property
    def year(self) -> int | None:
        year = self.form.cleaned_data.get("year")
        return int(year) if year is not None else None


class ProvinceYearFilterSet(YearMixin, ProvinceFilterSet):
    year = _year_filter()

    class Meta(ProvinceFilterSet.Meta):
        fields = [*ProvinceFilterSet.Meta.fields, "year"]


class DistrictYearFilterSet(YearMixin, DistrictFilterSet):
    year = _year_filter()

    class Meta(DistrictFilterSet.Meta):
        fields = [*DistrictFilterSet.Meta.fields, "year"]

    def filter_queryset(self, queryset):
        if self.year is not None:
            queryset = districts_for_year(queryset, self.year)
        return super().filter_queryset(queryset)


# Filters that read the year's picture, and so need a year.
NEEDS_YEAR = ("level", "recognized_level", "min_criteria_met", "status")


class CommuneYearFilterSet(YearMixin, CommuneFilterSet):
    year = _year_filter()
    level = django_filters.CharFilter(
        field_name="computed_level", label=_("Computed level code (needs year), or none")
    )
    recognized_level = django_filters.CharFilter(
        field_name="recognized_level", label=_("Recognised level code (needs year)")
    )
    min_criteria_met = django_filters.NumberFilter(
        field_name="criteria_met",
        lookup_expr="gte",
        min_value=0,
        label=_("At least this many criteria met at the first level (needs year)"),
    )
    status = django_filters.ChoiceFilter(
        field_name="assessment_status",
        choices=Assessment.Status.choices,
        label=_("Assessment status (needs year)"),
    )

    class Meta(CommuneFilterSet.Meta):
        fields = [*CommuneFilterSet.Meta.fields, "year", *NEEDS_YEAR]

    def filter_queryset(self, queryset):
        asked = [name for name in NEEDS_YEAR if self.form.cleaned_data.get(name) not in (None, "")]
        if asked and self.year is None:
            raise ValidationError({"year": [_("Give a year to filter by %s.") % ", ".join(asked)]})
        if self.year is not None:
            access = access_for(self.request.user if self.request else None)
            queryset = communes_for_year(queryset, access, self.year)
        return super().filter_queryset(queryset)
