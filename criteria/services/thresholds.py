"""The checks of one threshold row on its own: its scope value from the set's classes, its
years inside the set's period, its number in the range of its measure's kind, and the indicator
it is relative to. criteria.services.editions runs them on every row a draft adds or changes,
with the checks only the whole draft can make (overlaps, cycles, the edition's years)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from communes.models import Region
from criteria.models import COMMUNE_GROUPS, CriteriaSet, Indicator, Threshold
from criteria.services.values import parse_value


def allowed_classes(criteria_set: CriteriaSet) -> set[str]:
    """The classes a set's thresholds and commune assignments may name: the regions for a
    region-keyed set (2021-2025), the commune groups for a group-keyed one (2026-2030)."""
    if criteria_set.classification == CriteriaSet.Classification.REGION:
        return set(Region.objects.values_list("code", flat=True))
    return set(COMMUNE_GROUPS)


def row_problems(threshold: Threshold, criteria_set: CriteriaSet, allowed: set[str]):
    """(field, message) for what is wrong with the row on its own: its scope value, its
    years, its number (range by measure kind) or the indicator it is relative to."""
    yield from _scope_errors(threshold, allowed)
    yield from _year_errors(threshold, criteria_set)
    yield from _amount_errors(threshold, threshold.indicator)


def _scope_errors(threshold: Threshold, allowed: set[str]):
    if threshold.scope != Threshold.Scope.CLASS:
        return
    if threshold.class_value not in allowed:
        message = _("“%(value)s” is not one of the set's classes: %(allowed)s.")
        yield (
            "class_value",
            message
            % {
                "value": threshold.class_value,
                "allowed": ", ".join(sorted(allowed)),
            },
        )


def _year_errors(threshold: Threshold, criteria_set: CriteriaSet):
    period = {"first": criteria_set.first_year, "last": criteria_set.last_year}
    for field in ("first_year", "last_year"):
        year = getattr(threshold, field)
        if year is not None and not period["first"] <= year <= period["last"]:
            message = _("The year must fall within the set's period, %(first)d-%(last)d.")
            yield field, message % period


def _amount_errors(threshold: Threshold, indicator: Indicator):
    if indicator.comparison == Indicator.Comparison.TRUE:
        yield "value", _("A yes/no indicator takes no threshold: it passes when achieved.")
        return
    if threshold.value is not None:
        try:
            parse_value(indicator.measure, threshold.value)
        except ValidationError as error:
            yield "value", " ".join(error.messages)
    if threshold.relative_to_id is None:
        return
    if threshold.relative_to_id == indicator.pk:
        yield "relative_to", _("A threshold cannot be relative to its own indicator.")
    elif threshold.relative_to.comparison == Indicator.Comparison.TRUE:
        yield "relative_to", _("Only a numeric indicator's threshold can be scaled.")
    elif threshold.relative_to.criterion.level.criteria_set_id != _set_id(indicator):
        yield "relative_to", _("The referenced indicator belongs to another criteria set.")


def _set_id(indicator: Indicator) -> int:
    return indicator.criterion.level.criteria_set_id
