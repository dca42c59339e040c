"""Strict filter types, for every FilterSet of the project: a query parameter is either
understood or refused (400 naming it, through DjangoFilterBackend and core.api's one error
shape), never silently ignored. django-filter's own BooleanFilter reads an unknown value as
"no filter" and its NumberFilter takes decimals (``?year=0.5`` filtered on 0.5 and found
nothing); these do neither. Each also documents in the OpenAPI schema what it accepts (type,
range, pattern), so that a client generated from the schema sends only what is accepted."""

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# The database's integer range: a larger number would overflow it rather than just miss.
MIN_INT, MAX_INT = -(2**63), 2**63 - 1
YEARS = (2000, 2100)  # the years the portal keeps, as the write serializers accept them


def documented(filter_, field: serializers.Field | dict):
    """The filter, with its schema read from a serializer field or given as a dict
    (drf-spectacular's override): the field's help_text, or the dict's description, becomes
    the parameter's description."""
    return extend_schema_field(field)(filter_)


class StrictBooleanField(forms.NullBooleanField):
    """true/false (also 1/0, any case); empty is "no filter"; anything else is an error."""

    widget = forms.TextInput
    VALUES = {"true": True, "1": True, "false": False, "0": False}
    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text == "":
            return None
        if text not in self.VALUES:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return self.VALUES[text]

    def validate(self, value):
        pass  # None is "no filter"; to_python refused everything else


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StrictIntegerField(forms.IntegerField):
    """Digits only (0-9, an optional sign): Django's IntegerField also takes "2023.0"."""

    digits = re.compile(r"^\s*[-+]?[0-9]+\s*$")

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not self.digits.match(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within the database's range unless narrower bounds are given
    (NumberFilter takes decimals and any size)."""

    field_class = StrictIntegerField

    def __init__(self, *args, min_value=MIN_INT, max_value=MAX_INT, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
        schema = serializers.IntegerField(
            min_value=min_value, max_value=max_value, help_text=kwargs.get("label")
        )
        documented(self, schema)


def year_filter(**kwargs) -> IntegerFilter:
    """A year the portal keeps (2000 to 2100)."""
    return IntegerFilter(min_value=YEARS[0], max_value=YEARS[1], **kwargs)
