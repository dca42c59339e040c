"""Presentation helpers of the officer pages: names in the page's language, values and
thresholds as people read them, labels of outcomes and statuses."""

from django import template
from django.utils.translation import gettext_lazy as _

from core.formatting import format_number, localized

register = template.Library()

OUTCOMES = {
    "pass": _("Pass"),
    "fail": _("Fail"),
    "missing": _("Missing"),
    "not_applicable": _("Not applicable"),
    "not_configured": _("Not configured"),
}
CRITERION_STATUSES = {"met": _("Met"), "not_met": _("Not met"), "incomplete": _("Incomplete")}
COMPARISONS = {">=": "≥", "<=": "≤", "==": "="}
SCOPES = {
    "national": _("national"),
    "class": _("region or group"),
    "province": _("province"),
}


@register.filter
def tr(obj, field="name"):
    """{{ level|tr }} or {{ measure|tr:"description" }}: the text in the page's language."""
    return localized(obj, field)


@register.filter
def num(value):
    """A stored number as people write it: no trailing zeros, the language's decimal mark."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str):
        return value  # as typed
    return format_number(value)


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
    if threshold.scope == "national":
        return _("nationwide")
    if threshold.scope == "province":
        return province.name
    region = regions.get(threshold.scope_value)
    if region is not None:
        return localized(region)
    return _("commune group %(group)s") % {"group": threshold.scope_value}


@register.filter
def fields_for(form, code):
    """{% with f=form|fields_for:measure.code %}: one measure's bound fields."""
    return form.fields_for(code)


@register.filter
def level_name(ladder, code):
    """{{ page.ladder|level_name:code }}: a level's name from its code."""
    return localized(ladder.level(code)) or code
