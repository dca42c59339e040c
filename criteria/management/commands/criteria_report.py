"""What the national office still has to configure, per criteria set and level.

(a) numeric indicators with no threshold in force: scoring reports them "not configured" and
blocks their level until someone enters the number from the official text; (b) thresholds not
verified against the official text, and demo thresholds, which results must never hide; (c)
rules that can never be applied (relative thresholds in a cycle or pointing nowhere), which
scoring reports on every result concerned (criteria.scoring.rule_problems).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch

from criteria import scoring
from criteria.models import CriteriaSet, Criterion, Indicator, Level, Threshold
from criteria.selectors import rules_for, threshold_rule


def criteria_sets(code: str | None, year: int | None):
    """The sets with their whole tree in five queries, however many indicators they have."""
    sets = CriteriaSet.objects.all()
    if code:
        sets = sets.filter(code=code)
    if year is not None:
        sets = sets.filter(pk__in=CriteriaSet.objects.governing(year))
    return sets.prefetch_related(
        Prefetch("levels__criteria", Criterion.objects.select_related("requires_level")),
        Prefetch("levels__criteria__indicators", Indicator.objects.select_related("measure")),
        Prefetch(
            "levels__criteria__indicators__thresholds",
            Threshold.objects.select_related("province", "relative_to__criterion__level"),
        ),
    )


def in_force(threshold: Threshold, year: int | None) -> bool:
    """Whether the threshold is in force in ``year`` (any year without one), as scoring says."""
    return year is None or threshold_rule(threshold).in_force(year)


def not_configured(indicator: Indicator, year: int | None) -> bool:
    if indicator.comparison == Indicator.Comparison.TRUE:
        return False  # a yes/no indicator needs no number
    return not any(in_force(t, year) for t in indicator.thresholds.all())


def flagged(indicator: Indicator, year: int | None) -> list[Threshold]:
    """Thresholds in force that a result must not silently rely on."""
    return [
        t for t in indicator.thresholds.all() if in_force(t, year) and (t.demo or not t.verified)
    ]


@dataclass
class Totals:
    not_configured: int = 0
    unverified: int = 0
    demo: int = 0
    bad_rules: int = 0

    def add(self, missing: list[Indicator], shown: list[Threshold]) -> None:
        self.not_configured += len(missing)
        self.unverified += sum(1 for t in shown if not t.verified)
        self.demo += sum(1 for t in shown if t.demo)

    def __str__(self) -> str:
        return (
            f"{self.not_configured} indicators not configured, "
            f"{self.unverified} unverified thresholds, {self.demo} demo thresholds, "
            f"{self.bad_rules} rules that cannot be applied"
        )


# --------------------------------------------------------------------------- text


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _scope(t: Threshold) -> str:
    if t.scope == Threshold.Scope.PROVINCE:
        return f"province {t.province.code} {t.province.name}"
    return f"class {t.class_value}" if t.scope == Threshold.Scope.CLASS else "national"


def _amount(t: Threshold) -> str:
    if t.relative_to is None:
        return _number(t.value)
    target = t.relative_to
    return f"{_number(t.factor)} x {target.criterion.level.code} {target.code}"


def _years(t: Threshold) -> str:
    first, last = t.first_year, t.last_year
    if first is not None and last is not None:
        return f"{first}-{last}"
    if first is not None:
        return f"from {first}"
    return f"until {last}" if last is not None else "every year"


def indicator_line(i: Indicator) -> str:
    unit = i.measure.unit or "none"
    return (
        f"not configured: {i.code} {i.name_vi} | measure {i.measure.code}, "
        f"comparison {i.comparison}, unit {unit}"
    )


def threshold_line(t: Threshold, i: Indicator) -> str:
    tags = ", ".join(tag for tag, on in (("unverified", not t.verified), ("demo", t.demo)) if on)
    return (
        f"{tags}: {i.code} {_scope(t)} {i.comparison} {_amount(t)}, {_years(t)}"
        f" | source: {t.source}"
    )


def level_lines(level: Level, year: int | None, totals: Totals) -> list[str]:
    indicators = [i for c in level.criteria.all() for i in c.indicators.all()]
    missing = [i for i in indicators if not_configured(i, year)]
    shown = [(t, i) for i in indicators for t in flagged(i, year)]
    totals.add(missing, [t for t, _i in shown])
    head = f"  level {level.code} (rank {level.rank}): {len(missing)} not configured"
    lines = [f"{head}, {len(shown)} unverified or demo thresholds"]
    lines += [f"    {indicator_line(i)}" for i in missing]
    return lines + [f"    {threshold_line(t, i)}" for t, i in shown]


class Command(BaseCommand):
    help = (
        "List, per criteria set and level, the numeric indicators with no threshold "
        "(not configured) and the unverified or demo thresholds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--set", dest="set_code", metavar="CODE", help="only this set")
        parser.add_argument(
            "--year",
            type=int,
            help="only sets and thresholds in force this year (default: any year)",
        )

    def handle(self, *args, set_code, year, verbosity, **options):
        sets = list(criteria_sets(set_code, year))
        if not sets:
            raise CommandError(self._nothing(set_code, year))
        totals = Totals()
        for cset in sets:
            lines = self._set_lines(cset, year, totals)
            if verbosity >= 1:
                self.stdout.write("\n".join(lines))
        self.stdout.write(f"Total: {totals}")

    def _set_lines(self, cset: CriteriaSet, year: int | None, totals: Totals) -> list[str]:
        when = f", year {year}" if year is not None else ""
        lines = [f"{cset.code}: {cset.name_en} ({cset.first_year}-{cset.last_year}){when}"]
        levels = list(cset.levels.all())
        for level in levels:
            lines += level_lines(level, year, totals)
        problems = scoring.rule_problems(rules_for(cset, levels))
        totals.bad_rules += len(problems)
        return lines + [f"  cannot be applied: {problem}" for problem in problems]

    @staticmethod
    def _nothing(set_code: str | None, year: int | None) -> str:
        which = f" {set_code!r}" if set_code else ""
        when = f" in force in {year}" if year is not None else ""
        return f"no criteria set{which}{when} (load one with: manage.py load_criteria)"
