"""Presentation helpers of the officer pages: names in the page's language, values and
thresholds as people read them, labels of outcomes and statuses."""

from django import template

from core.formatting import localized
from criteria import labels
from criteria.labels import (
    COMPARISONS,
    CRITERION_STATUSES,
    OUTCOMES,
    SCOPES,
    value_text,
)

register = template.Library()


@register.filter
def tr(obj, field="name"):
    """{{ level|tr }} or {{ measure|tr:"description" }}: the text in the page's language."""
    return localized(obj, field)


@register.filter
def num(value):
    """A stored number as people write it: no trailing zeros, the language's decimal mark."""
    if isinstance(value, str):
        return value or "—"  # as typed
    return value_text(value)


@register.filter
def outcome_label(outcome):
    return OUTCOMES.get(str(outcome), outcome)


@register.filter
def criterion_label(status):
    return CRITERION_STATUSES.get(str(status), status)


@register.filter
def comparison(value):
    return COMPARISONS.get(str(value), value)


@register.filter
def scope_label(scope):
    return SCOPES.get(str(scope), scope)


@register.filter
def get(mapping, key):
    """{{ mapping|get:key }} for a key held in a variable."""
    return mapping.get(key) if mapping else None


@register.inclusion_tag("web/_level.html")
def level_badge(level, empty=""):
    """A level's badge; ``empty`` says what no level means where it is shown."""
    return {"level": level, "empty": empty}


@register.simple_tag
def threshold_scope(threshold, regions, province):
    """Where a threshold applies, in words: the country, a region (or commune group), the
    province."""
    return labels.threshold_scope(threshold, regions, province.name)


@register.filter
def fields_for(form, code):
    """{% with f=form|fields_for:measure.code %}: one measure's bound fields."""
    return form.fields_for(code)


@register.filter
def level_name(ladder, code):
    """{{ page.ladder|level_name:code }}: a level's name from its code."""
    return localized(ladder.level(code)) or code
