"""Filters of assessments, recognitions and targets, defined once for the API and the pages."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communes.filters import code_filter
from criteria.models import Assessment


class AssessmentFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter()
    province = code_filter("commune__province__code", 2, _("Province code"))
    district = code_filter("commune__district__code", 3, _("District code"))
    commune = code_filter("commune__code", 5, _("Commune code"))
    status = django_filters.MultipleChoiceFilter(choices=Assessment.Status.choices)
    level = django_filters.CharFilter(label=_("Computed level code, e.g. standard, or none"))
    criteria_set = django_filters.CharFilter(field_name="criteria_set__code")

    class Meta:
        model = Assessment
        fields = ["year", "province", "district", "commune", "status", "level", "criteria_set"]


class RecognitionFilterSet(django_filters.FilterSet):
    province = code_filter("province", 2, _("Province code"), method="filter_province")
    district = code_filter("district__code", 3, _("District code (district recognitions)"))
    commune = code_filter("commune__code", 5, _("Commune code"))
    level = django_filters.CharFilter(field_name="level__code")
    title_year = django_filters.NumberFilter()
    revoked = django_filters.BooleanFilter(
        field_name="revoked_date", lookup_expr="isnull", exclude=True, label=_("Revoked")
    )

    def filter_province(self, queryset, name, value):
        return queryset.filter(Q(commune__province__code=value) | Q(district__province__code=value))


class TargetFilterSet(django_filters.FilterSet):
    province = code_filter("province__code", 2, _("Province code"))
    district = code_filter("district__code", 3, _("District code"))
    year = django_filters.NumberFilter()
    level = django_filters.CharFilter(field_name="level__code")
