"""Filters of the OCOP registry, defined once for the API and any page that lists products.

A product's rating depends on the day it is read: every filter on it (stars, certified,
expiring_within) reads the rating on ``as_of`` (default today), and expects the queryset to be
annotated for that same day by ``Product.objects.with_current`` (ocop.selectors.visible_products
and products_with_rating do it). ``as_of_from`` reads the day the same way for the views.
"""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.filters import code_filter
from communes.models import Structure
from communes.selectors import gone_into
from core.filters import MAX_INT, BooleanFilter, IntegerFilter
from ocop import rating
from ocop.models import Evaluation, Producer, Product

# Wide enough for every OCOP decision (the programme began in 2018), and far enough from the
# calendar's ends that a day plus expiring_within never overflows.
AS_OF_VALIDATORS = [
    MinValueValidator(datetime.date(2000, 1, 1)),
    MaxValueValidator(datetime.date(2100, 12, 31)),
]
AS_OF_HELP = _(
    "The day the ratings are read on (YYYY-MM-DD, 2000-01-01 to 2100-12-31; default: today). "
    "It also decides what is public: products certified on that day."
)
MAX_DAYS = 3660  # ten years: longer than any rating is valid
MAX_ID = MAX_INT  # a larger id would overflow the database's integer, not just miss
MOST_STARS = max(rating.MAX_STARS.values())
STARS = [(n, "★" * n) for n in range(rating.LOWEST_STARS, MOST_STARS + 1)]


def as_of_from(params) -> datetime.date:
    """The ``as_of`` query parameter, read as the filters read it, or today."""
    field = forms.DateField(required=False, validators=AS_OF_VALIDATORS)
    try:
        day = field.clean(params.get("as_of"))
    except ValidationError as error:
        raise ValidationError({"as_of": error.messages}) from None
    return day or timezone.localdate()


def _as_of_filter():
    return django_filters.DateFilter(
        method="filter_nothing", label=AS_OF_HELP, validators=AS_OF_VALIDATORS
    )


class AsOfMixin:
    def filter_nothing(self, queryset, name, value):
        return queryset  # the day shapes the queryset's annotations, made by the view

    @property
    def day(self) -> datetime.date:
        return self.form.cleaned_data.get("as_of") or timezone.localdate()


class UnitFiltersMixin(django_filters.FilterSet):
    """Where a row is: codes of its commune, district and province, on one map or both."""

    province = code_filter("commune__province__code", 2, _("Province code"))
    district = code_filter("commune__district__code", 3, _("District code (2021 map)"))
    commune = code_filter("commune__code", 5, _("Commune code"))
    structure = django_filters.ChoiceFilter(
        field_name="commune__structure",
        choices=Structure.choices,
        label=_("Administrative map of the codes (default: both; they may reuse codes)"),
    )
    search = django_filters.CharFilter(
        method="filter_search", label=_("Name, with or without diacritics")
    )

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


class ProducerFilterSet(AsOfMixin, UnitFiltersMixin):
    as_of = _as_of_filter()
    kind = django_filters.ChoiceFilter(choices=Producer.Kind.choices)

    class Meta:
        model = Producer
        fields = ["as_of", "province", "district", "commune", "structure", "kind", "search"]


class ProductFilterSet(AsOfMixin, UnitFiltersMixin):
    as_of = _as_of_filter()
    province = code_filter(
        "commune__province__code",
        2,
        _(
            "Province code: the products registered to its communes and, without structure=2021, "
            "those of the old communes that went into the province of that code on the map since "
            "1 July 2025, as the statistics count them"
        ),
        method="filter_province",
    )
    structure = django_filters.ChoiceFilter(
        choices=Structure.choices,
        method="filter_structure",
        label=_("Administrative map of the codes (default: both; they may reuse codes)"),
    )
    producer = IntegerFilter(
        method="filter_producer", min_value=1, max_value=MAX_ID, label=_("Producer id")
    )
    group = django_filters.ChoiceFilter(choices=Product.Group.choices)
    stars = django_filters.TypedChoiceFilter(
        choices=STARS,
        coerce=int,
        method="filter_stars",
        label=_("Stars of the rating in force on as_of"),
    )
    certified = BooleanFilter(
        method="filter_certified",
        label=_("true: certified on as_of (3 stars or more, in force); false: the others"),
    )
    expiring_within = IntegerFilter(
        method="filter_expiring",
        min_value=0,
        max_value=MAX_DAYS,
        label=_(
            "Days (0 to 3660): rating in force on as_of whose validity ends within that many "
            "days, i.e. valid_until before as_of + days"
        ),
    )

    class Meta:
        model = Product
        fields = ["as_of", "province", "district", "commune", "structure", "producer"]
        fields += ["group", "stars", "certified", "expiring_within", "search"]

    def filter_province(self, queryset, name, value: str):
        """Its own communes' products, and, unless the old map alone is asked for, those of
        the old communes gone into it (ocop.selectors.in_registry_of, by code): before,
        ?province=79 listed none of the products that Hồ Chí Minh City's statistics count."""
        structure = self.form.cleaned_data.get("structure")
        own = Q(commune__province__code=value)
        if structure:
            own &= Q(commune__province__structure=structure)
        if structure == Structure.Y2021:
            return queryset.filter(own)
        carried = gone_into("commune_id", code=value, structure=Structure.Y2025)
        return queryset.filter(own | carried)

    def filter_structure(self, queryset, name, value: str):
        """The map of the codes asked for: with a province alone, the province's
        (filter_province, which carries the old communes' products into the new map's
        province); else the products of that map's communes."""
        data = self.form.cleaned_data
        if data.get("province") and not (data.get("commune") or data.get("district")):
            return queryset
        # A commune's or a district's code is read on that map alone (codes are reused).
        return queryset.filter(commune__structure=value)

    def filter_producer(self, queryset, name, value: int):
        return queryset.filter(producer_id=value)

    def filter_stars(self, queryset, name, value: int):
        return queryset.in_force_on(self.day).filter(current_stars=value)

    def filter_certified(self, queryset, name, value):
        certified = queryset.certified_on(self.day)
        return certified if value else queryset.exclude(pk__in=certified.values("pk"))

    def filter_expiring(self, queryset, name, value: int):
        return queryset.expiring_within(self.day, value)


class EvaluationFilterSet(AsOfMixin, django_filters.FilterSet):
    as_of = _as_of_filter()
    product = IntegerFilter(
        method="filter_product", min_value=1, max_value=MAX_ID, label=_("Product id")
    )
    province = code_filter("product__commune__province__code", 2, _("Province code"))
    level = django_filters.ChoiceFilter(choices=Evaluation.Level.choices)
    revoked = BooleanFilter(
        field_name="revoked_date", lookup_expr="isnull", exclude=True, label=_("Revoked")
    )

    class Meta:
        model = Evaluation
        fields = ["as_of", "product", "province", "level", "revoked"]

    def filter_product(self, queryset, name, value: int):
        return queryset.filter(product_id=value)
