"""What the codes of the criteria domain say to a person, in the page's language: outcomes,
criterion statuses, comparisons, threshold scopes, regions and commune groups, levels. One
place for the officer pages and the admin, so that "pass" reads the same in both."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.formatting import format_number, localized
from criteria.models import CriterionResult

OUTCOMES = {
    "pass": _("Pass"),
    "fail": _("Fail"),
    "missing": _("Missing"),
    "not_applicable": _("Not applicable"),
    "not_configured": _("Not configured"),
}
CRITERION_STATUSES = dict(CriterionResult.Status.choices)
COMPARISONS = {">=": "≥", "<=": "≤", "==": "="}
SCOPES = {
    "national": _("national"),
    "class": _("region or group"),
    "province": _("province"),
}
NO_LEVEL = _("No level reached")


def class_label(value: str, region_name: str = "") -> str:
    """The class a threshold or a commune is keyed by, in words: the region's name when the
    class is a region (``region_name``, in the page's language), else the commune group."""
    if not value:
        return "—"
    return region_name or gettext("commune group %(group)s") % {"group": value}


def threshold_scope(threshold, regions: dict, province_name: str) -> str:
    """Where a resolved threshold applies, in words: the country, the province, or a region
    (``regions``: code -> Region) or commune group."""
    if threshold.scope == "national":
        return gettext("nationwide")
    if threshold.scope == "province":
        return province_name
    value = threshold.scope_value
    return class_label(value, localized(regions.get(value)))


def level_label(code: str, level_name: str = "") -> str:
    """A computed level in words: the level's name in its set, or that none was reached."""
    if code == "none":
        return str(NO_LEVEL)
    return level_name or code


def value_text(value, unit: str = "") -> str:
    """A value as the pages write it: yes / no, a number without trailing zeros, or a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    text = format_number(value)
    return f"{text} {unit}".strip()
