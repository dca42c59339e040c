"""Checking a threshold before it is saved: every rule a national office could break by hand,
each refused with the field it concerns and why, nothing written. The admin calls this today;
every other way of writing thresholds (imports, the API, the office's pages) must call it too.
"""

import dataclasses

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from communes.models import Region
from criteria import scoring, selectors
from criteria.models import COMMUNE_GROUPS, CriteriaSet, Indicator, Threshold
from criteria.services.values import parse_value


def check_threshold(threshold: Threshold) -> None:
    """Raise ValidationError (by field) if ``threshold`` may not be saved as it stands."""
    criteria_set = threshold.indicator.criterion.level.criteria_set
    errors: dict[str, list[str]] = {}
    for field, message in (
        *row_problems(threshold, criteria_set, allowed_classes(criteria_set)),
        *_overlap_errors(threshold),
    ):
        errors.setdefault(field, []).append(message)
    if not errors and threshold.relative_to_id is not None:
        # Only a row that is sound on its own is tried within the set's rules.
        problems = _rule_errors(threshold, criteria_set)
        if problems:
            errors["relative_to"] = problems
    if errors:
        raise ValidationError(errors)


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


def _overlap_errors(threshold: Threshold):
    """Two rows of one indicator at one scope whose years overlap would leave the choice to a
    tie rule nobody sees: one row per scope and years, an amendment ending the older one."""
    same_scope = Threshold.objects.filter(
        indicator_id=threshold.indicator_id,
        scope=threshold.scope,
        class_value=threshold.class_value,
        province_id=threshold.province_id,
    ).exclude(pk=threshold.pk)
    first, last = threshold.first_year, threshold.last_year
    if first is not None:
        same_scope = same_scope.filter(Q(last_year__isnull=True) | Q(last_year__gte=first))
    if last is not None:
        same_scope = same_scope.filter(Q(first_year__isnull=True) | Q(first_year__lte=last))
    other = same_scope.first()
    if other is not None:
        message = _(
            "Another threshold of this indicator at this scope covers some of these years "
            "(%(years)s): end it first, or give this one other years."
        )
        yield "first_year", message % {"years": _years(other)}


def _years(threshold: Threshold) -> str:
    first, last = threshold.first_year or "…", threshold.last_year or "…"
    return f"{first}-{last}"


def _rule_errors(threshold: Threshold, criteria_set: CriteriaSet) -> list[str]:
    """What the set's rules would say with this threshold in them (a cycle, above all)."""
    rules = selectors.rules_for(criteria_set)
    before = set(scoring.rule_problems(rules))
    after = scoring.rule_problems(_with(rules, threshold))
    return [problem for problem in after if problem not in before]


def _with(rules: scoring.RuleSet, threshold: Threshold) -> scoring.RuleSet:
    """The rules as they would be with ``threshold`` saved (replacing its stored self)."""
    new = selectors.threshold_rule(threshold)
    level_code = threshold.indicator.criterion.level.code
    stored = _stored_rule(threshold)

    def indicator(rule: scoring.IndicatorRule, level: str) -> scoring.IndicatorRule:
        if (level, rule.code) != (level_code, threshold.indicator.code):
            return rule
        kept = [t for t in rule.thresholds if stored is None or t != stored]
        return dataclasses.replace(rule, thresholds=(*kept, new))

    return dataclasses.replace(
        rules,
        levels=tuple(
            dataclasses.replace(
                level,
                criteria=tuple(
                    dataclasses.replace(
                        c, indicators=tuple(indicator(i, level.code) for i in c.indicators)
                    )
                    for c in level.criteria
                ),
            )
            for level in rules.levels
        ),
    )


def _stored_rule(threshold: Threshold) -> scoring.ThresholdRule | None:
    if threshold.pk is None:
        return None
    stored = Threshold.objects.select_related("province", "relative_to__criterion__level")
    row = stored.filter(pk=threshold.pk).first()
    return selectors.threshold_rule(row) if row else None
