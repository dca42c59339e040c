"""Filters of assessments, recognitions and targets, and of units with their picture for a year,
defined once for the API and the pages."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from accounts.access import access_for
from communes.filters import (
    CommuneFilterSet,
    DistrictFilterSet,
    ProvinceFilterSet,
    code_filter,
)
from communes.models import Structure
from core.filters import BooleanFilter, IntegerFilter, year_filter
from criteria.models import Assessment
from criteria.selectors import communes_for_year, districts_for_year


class AssessmentFilterSet(django_filters.FilterSet):
    year = year_filter(label=_("Year"), method="filter_year")
    province = code_filter("commune__province__code", 2, _("Province code"))
    district = code_filter("commune__district__code", 3, _("District code"))
    commune = code_filter("commune__code", 5, _("Commune code"))
    structure = django_filters.ChoiceFilter(
        field_name="commune__structure",
        choices=Structure.choices,
        label=_("The map the commune code is read on (codes may be reused across maps)"),
    )
    status = django_filters.MultipleChoiceFilter(choices=Assessment.Status.choices)
    level = django_filters.CharFilter(label=_("Computed level code, e.g. standard, or none"))
    criteria_set = django_filters.CharFilter(field_name="criteria_set__code")

    class Meta:
        model = Assessment
        fields = [
            "year",
            "province",
            "district",
            "commune",
            "structure",
            "status",
            "level",
            "criteria_set",
        ]

    @staticmethod
    def filter_year(queryset, name, value):
        """One year's assessments in key order, asked so that PostgreSQL reads a page off the
        index assessment_year_order: a range of one year, ordered by (year, key) (the same
        order). With ``year = Y`` it takes the year for a constant and the key order for the
        list's order, and walks the key index past every earlier year's rows (15,434 before
        2023's first page nationally: 8 of the page's 10 ms)."""
        return queryset.filter(year__gte=value, year__lte=value).order_by("year", "pk")


class RecognitionFilterSet(django_filters.FilterSet):
    province = code_filter("province", 2, _("Province code"), method="filter_province")
    district = code_filter("district__code", 3, _("District code (district recognitions)"))
    commune = code_filter("commune__code", 5, _("Commune code"))
    structure = django_filters.ChoiceFilter(
        method="filter_structure",
        choices=Structure.choices,
        label=_("The map the unit codes are read on (codes may be reused across maps)"),
    )
    level = django_filters.CharFilter(field_name="level__code")
    title_year = year_filter(label=_("Year the title is for"))
    revoked = BooleanFilter(
        field_name="revoked_date", lookup_expr="isnull", exclude=True, label=_("Revoked")
    )

    def filter_province(self, queryset, name, value):
        return queryset.filter(Q(commune__province__code=value) | Q(district__province__code=value))

    def filter_structure(self, queryset, name, value):
        return queryset.filter(Q(commune__structure=value) | Q(district__structure=value))


class TargetFilterSet(django_filters.FilterSet):
    province = code_filter("province__code", 2, _("Province code"))
    district = code_filter("district__code", 3, _("District code"))
    year = year_filter(label=_("Year"))
    level = django_filters.CharFilter(field_name="level__code")


# --- units with a year: each unit's NTM picture for that year, and filters on it -------------


def _year_filter():
    return year_filter(method="filter_nothing", label=_("Year of the levels shown (e.g. 2023)"))


class YearMixin:
    def filter_nothing(self, queryset, name, value):
        return queryset  # the year shapes the annotations, applied in filter_queryset

    @property
    def year(self) -> int | None:
        year = self.form.cleaned_data.get("year")
        return int(year) if year is not None else None

    def on_map(self, queryset):
        """With a year, the units on the map of that year (communes.models.on_map_q): of the
        structure asked for, else of the one the year's data is kept on."""
        if self.year is None:
            return super().on_map(queryset)
        return queryset.on_map(self.year, self.form.cleaned_data.get("structure") or None)


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


MOST_CRITERIA = 100  # far above any level's count (19 at most so far)

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
    min_criteria_met = IntegerFilter(
        field_name="criteria_met",
        lookup_expr="gte",
        min_value=0,
        max_value=MOST_CRITERIA,
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
