"""Filters of the programme records, defined once for the API and any page that lists them."""

import django_filters
from django.utils.translation import gettext_lazy as _

from communes.filters import code_filter
from communes.models import Structure
from core.filters import year_filter
from programme.models import (
    Figure,
    Funding,
    HamletTitle,
    HistoricalFigure,
    ProductionModel,
    Status,
    Work,
    YearPlan,
)

COMMON = ["province", "structure", "year", "status"]


class RecordFilterSet(django_filters.FilterSet):
    province = code_filter("province__code", 2, _("Province code"))
    structure = django_filters.ChoiceFilter(
        field_name="province__structure",
        choices=Structure.choices,
        label=_("Administrative map of the province code (default: both)"),
    )
    year = year_filter(label=_("Year"))
    status = django_filters.ChoiceFilter(choices=Status.choices)


class FundingFilterSet(RecordFilterSet):
    source = django_filters.CharFilter(
        field_name="source__code", label=_("Source code (its own entries, not its parts')")
    )
    kind = django_filters.ChoiceFilter(choices=Funding.Kind.choices)

    class Meta:
        model = Funding
        fields = [*COMMON, "source", "kind"]


class WorkFilterSet(RecordFilterSet):
    kind = django_filters.CharFilter(field_name="kind__code", label=_("Kind of work code"))
    commune = code_filter("commune__code", 5, _("Commune code"))

    class Meta:
        model = Work
        fields = [*COMMON, "kind", "commune"]


class ProductionModelFilterSet(RecordFilterSet):
    stage = django_filters.ChoiceFilter(choices=ProductionModel.Stage.choices)

    class Meta:
        model = ProductionModel
        fields = [*COMMON, "stage"]


class HamletTitleFilterSet(RecordFilterSet):
    kind = django_filters.ChoiceFilter(choices=HamletTitle.Kind.choices)
    district = code_filter("commune__district__code", 3, _("District code (2021 map)"))

    class Meta:
        model = HamletTitle
        fields = [*COMMON, "kind", "district"]


class YearPlanFilterSet(RecordFilterSet):
    kind = django_filters.ChoiceFilter(choices=Figure.choices)

    class Meta:
        model = YearPlan
        fields = [*COMMON, "kind"]


class HistoricalFigureFilterSet(RecordFilterSet):
    kind = django_filters.ChoiceFilter(choices=Figure.choices)

    class Meta:
        model = HistoricalFigure
        fields = [*COMMON, "kind"]
