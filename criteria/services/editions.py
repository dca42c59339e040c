"""Editions: the one way a criteria set's rules change once it is in use.

The national office drafts an edition (the years it applies to, a title), adds changes to it
(thresholds added, changed or removed; in an edition covering the set's whole period, also
measures, criteria and indicators added), checks them, previews their effect on the levels
of the communes, and publishes it with its legal source. Publishing applies the changes to the
set's rows (each threshold's history records who, when and which edition), keeps the rules as
they then stand on the edition, and rescores the open assessments of its years, all in one
transaction. Approved assessments keep the result and edition they were approved with until a
national user re-judges them (rejudge), with a reason, on the record.

Every change is checked against the rules as they would stand with ALL of the draft's changes
(a cycle may need two rows; two rows of one draft may overlap), and every error names the row
it comes from (a file's row, an API list item) and writes nothing.
"""

import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts import security
from communes.models import Province, structure_for_year
from core.numbers import parse_decimal
from core.tables import read_rows
from core.text import as_stored, clean_text
from criteria import scoring, selectors
from criteria.models import (
    Assessment,
    CriteriaSet,
    Criterion,
    Edition,
    EditionChange,
    Indicator,
    Level,
    Measure,
    Threshold,
    WorkflowStep,
)
from criteria.services.bulk import copy_to_history, insert_rows
from criteria.services.locks import lock_set
from criteria.services.results import rescore_many, rescore_open
from criteria.services.texts import field_text, text_problem_at
from criteria.services.thresholds import allowed_classes, row_problems

Kind = EditionChange.Kind
THRESHOLD_KINDS = (Kind.ADD_THRESHOLD, Kind.CHANGE_THRESHOLD, Kind.REMOVE_THRESHOLD)
STRUCTURE_KINDS = (Kind.ADD_MEASURE, Kind.ADD_CRITERION, Kind.ADD_INDICATOR)
# The columns of a threshold, as files, the API and the pages name them.
THRESHOLD_KEYS = (
    "level",
    "indicator",
    "scope",
    "class_value",
    "province",
    "first_year",
    "last_year",
    "value",
    "relative_level",
    "relative_indicator",
    "factor",
    "source",
    "verified",
)
TRUE_WORDS = {"1", "true", "yes", "y", "có", "x"}
FALSE_WORDS = {"", "0", "false", "no", "n", "không"}
RESCORE_BATCH = 500
MAX_DIGITS, MAX_DECIMALS = 10, 4  # what a threshold's value column holds


@dataclass(frozen=True)
class ChangeEntry:
    """One change as a user gives it: ``row`` is how errors name it (a file's row number, an
    API item's position); ``threshold_id`` the row a change or removal concerns."""

    row: int
    kind: str
    data: dict = field(default_factory=dict)
    threshold_id: int | None = None
    reason: str = ""


def left_to_the_province(indicator: Indicator, scope: str) -> bool:
    """Whether a province's own approvers may publish this row for their province: a
    province-scope number of an indicator whose number the law leaves to the province
    ("UBND tỉnh quy định", Indicator.set_by_province). Every other number is the national
    office's."""
    return scope == Threshold.Scope.PROVINCE and indicator.set_by_province


def row_label(row: int) -> str:
    """How an error names its change: a row (of a file, a grid or an API list) being added;
    a change already in the draft by its place there (numbered -1, -2... inside a Draft, so
    that the two never share a number)."""
    if row < 0:
        return _("change %(number)d") % {"number": -row}
    return _("row %(row)d") % {"row": row}


# --------------------------------------------------------------------------- drafting


def draft_edition(
    *, criteria_set: CriteriaSet, title: str, first_year: int, last_year: int, user, reason=""
) -> Edition:
    """Open a draft edition of the set for the years it will apply to."""
    errors = _years_errors(criteria_set, first_year, last_year)
    if not title.strip():
        errors["title"] = [_("Give the edition a title (what it changes).")]
    texts = _texts(errors, reason=reason)
    if criteria_set.editions.filter(status=Edition.Status.DRAFT).exists():
        errors["edition"] = [
            _("%(set)s already has a draft edition: publish or discard it first.")
            % {"set": criteria_set.code}
        ]
    if errors:
        raise ValidationError(errors)
    return Edition.objects.create(
        criteria_set=criteria_set,
        title=title.strip(),
        first_year=first_year,
        last_year=last_year,
        reason=texts["reason"],
        created_by=user,
    )


def _texts(errors: dict, **texts: str) -> dict[str, str]:
    """The free texts as stored (core.text); the problems of those that cannot be stored
    join ``errors`` under their names, to be reported with the others."""
    cleaned = {}
    for name, text in texts.items():
        try:
            cleaned[name] = field_text(name, text)
        except ValidationError as error:
            errors.update(error.message_dict)
    return cleaned


def _years_errors(criteria_set: CriteriaSet, first_year: int, last_year: int) -> dict:
    period = {"first": criteria_set.first_year, "last": criteria_set.last_year}
    inside = criteria_set.first_year <= first_year <= last_year <= criteria_set.last_year
    if inside:
        return {}
    message = _("An edition applies to years within the set's period, %(first)d-%(last)d.")
    return {"first_year": [message % period]}


@transaction.atomic
def add_changes(*, edition: Edition, entries: list[ChangeEntry], user) -> list[EditionChange]:
    """Add changes to a draft after checking them with every change already in it; any error
    (by row) writes nothing."""
    locked = _locked_draft(edition)
    draft = Draft.load(locked)
    draft.apply_stored()
    errors = draft.apply_entries(entries)
    errors |= draft.whole_errors(rows={entry.row for entry in entries})
    if errors:
        raise ValidationError(errors)
    return _store_changes(locked, draft, entries, user)


def _store_changes(edition: Edition, draft: "Draft", entries, user) -> list[EditionChange]:
    """The entries the draft accepted, as the edition's record: new row as typed, old row."""
    return EditionChange.objects.bulk_create(
        EditionChange(
            edition=edition,
            kind=entry.kind,
            threshold_id=entry.threshold_id if entry.kind in THRESHOLD_KINDS[1:] else None,
            data=draft.normalised[entry.row],
            before=draft.before.get(entry.row, {}),
            reason=as_stored(entry.reason),
            created_by=user,
        )
        for entry in entries
    )


@transaction.atomic
def remove_change(*, change: EditionChange) -> None:
    _locked_draft(change.edition)
    change.delete()


def _locked_draft(edition: Edition) -> Edition:
    locked = Edition.objects.select_for_update().select_related("criteria_set").get(pk=edition.pk)
    if locked.status != Edition.Status.DRAFT:
        raise ValidationError(
            {
                "edition": [
                    _("This edition is no longer a draft: it was %(status)s.")
                    % {"status": locked.get_status_display().lower()}
                ]
            }
        )
    return locked


def check_edition(edition: Edition) -> dict[str, list[str]]:
    """Every error of the draft as it stands (after other publications since), by row label
    (the changes are numbered in the order they were added)."""
    draft = Draft.load(edition)
    return draft.apply_stored() | draft.whole_errors()


@transaction.atomic
def discard_edition(*, edition: Edition, user) -> None:
    locked = _locked_draft(edition)
    locked.status = Edition.Status.DISCARDED
    locked.save(update_fields=["status"])


# --------------------------------------------------------------------------- the draft's rules


class Draft:
    """The set's rules as model instances loaded once (selectors.levels_with_rules), changed
    in memory by the edition's changes: what is checked, previewed and then written."""

    def __init__(self, edition: Edition, levels: list[Level]):
        self.edition = edition
        self.criteria_set = edition.criteria_set
        self.levels = {level.code: level for level in levels}
        self.criteria = {
            (level.code, c.number): c for level in levels for c in level.criteria.all()
        }
        self.indicators = {
            (c.level.code, i.code): i for c in self.criteria.values() for i in c.indicators.all()
        }
        self.measures = {m.code: m for m in self.criteria_set.measures.all()}
        structure = structure_for_year(self.criteria_set.first_year)
        self.provinces = {p.code: p for p in Province.objects.filter(structure=structure)}
        self.allowed = allowed_classes(self.criteria_set)
        self.rules_before = selectors.rules_for(self.criteria_set, levels)
        self.normalised: dict[int, dict] = {}
        self.before: dict[int, dict] = {}
        self.touched: dict[int, list[Threshold]] = {}  # the rows each change row affects
        self.structural: set[int] = set()
        self.applied: list[tuple[int, ChangeEntry]] = []
        self.added: list[Measure | Criterion | Indicator] = []
        self.change_ids: dict[int, int] = {}  # row -> the stored EditionChange's key

    def _added(self, obj):
        """Keep a new row of the draft, with a stand-in key (negative, never stored) so that
        its related lists answer from memory like the loaded rows'; _write saves it for real."""
        obj.pk = -len(self.added) - 1
        self.added.append(obj)

    @classmethod
    def load(cls, edition: Edition) -> "Draft":
        levels = selectors.levels_with_rules(edition.criteria_set)
        for level in levels:
            for criterion in level.criteria.all():
                criterion.level = level  # reached by the checks, without a query
        return cls(edition, levels)

    # ---- applying changes

    def apply_stored(self) -> dict[str, list[str]]:
        # A stored change carries the row it changed as it was then: if another edition
        # has changed that row since, the change is refused as stale, never applied blindly.
        entries = []
        for n, change in enumerate(self.edition.changes.order_by("pk"), start=1):
            data = {**change.data, "_before": change.before or None}
            entries.append(ChangeEntry(-n, change.kind, data, change.threshold_id, change.reason))
            self.change_ids[-n] = change.pk
        return self.apply_entries(entries)

    def apply_entries(self, entries: list[ChangeEntry]) -> dict[str, list[str]]:
        errors = {}
        for entry in entries:
            problems = self._apply(entry)
            reason_problem = text_problem_at("reason", entry.reason)
            if reason_problem:
                problems = [*problems, reason_problem]
            if problems:
                errors[row_label(entry.row)] = problems
            else:
                self.applied.append((entry.row, entry))
        return errors

    def _apply(self, entry: ChangeEntry) -> list[str]:
        handlers = {
            Kind.ADD_THRESHOLD: self._add_threshold,
            Kind.CHANGE_THRESHOLD: self._change_threshold,
            Kind.REMOVE_THRESHOLD: self._remove_threshold,
            Kind.ADD_MEASURE: self._add_measure,
            Kind.ADD_CRITERION: self._add_criterion,
            Kind.ADD_INDICATOR: self._add_indicator,
        }
        handler = handlers.get(entry.kind)
        if handler is None:
            return [_("Unknown kind of change “%(kind)s”.") % {"kind": entry.kind}]
        if entry.kind in STRUCTURE_KINDS:
            self.structural.add(entry.row)
        if entry.kind not in (Kind.CHANGE_THRESHOLD, Kind.REMOVE_THRESHOLD):
            entry = dataclasses.replace(entry, threshold_id=None)
        return handler(entry)

    def _add_threshold(self, entry: ChangeEntry) -> list[str]:
        threshold, problems = self._threshold(entry.data)
        if threshold is None:
            return problems
        problems += self._row_problems(threshold)
        if not problems:
            threshold.indicator.thresholds.all()._result_cache.append(threshold)
            self.touched[entry.row] = [threshold]
            self.normalised[entry.row] = threshold_data(threshold)
        return problems

    def _target(self, entry: ChangeEntry) -> tuple[Threshold | None, list[str]]:
        for indicator in self.indicators.values():
            for threshold in indicator.thresholds.all():
                if threshold.pk is not None and threshold.pk == entry.threshold_id:
                    return threshold, []
        message = _("Threshold %(id)s is not one of this set's thresholds (or was removed).")
        return None, [message % {"id": entry.threshold_id}]

    def _change_threshold(self, entry: ChangeEntry) -> list[str]:
        old, problems = self._target(entry)
        if old is None:
            return problems
        stale = entry.data.get("_before")
        if stale is not None and stale != threshold_data(old):
            return [_("This threshold was changed by someone else since: reload and try again.")]
        new, problems = self._threshold({**threshold_data(old), **entry.data})
        if new is None:
            return problems
        new.pk = old.pk
        problems += self._row_problems(new)
        if problems:
            return problems
        self._swap(old, new)
        self.before[entry.row] = threshold_data(old)
        self.touched[entry.row] = [old, new]
        self.normalised[entry.row] = threshold_data(new)
        return []

    def _remove_threshold(self, entry: ChangeEntry) -> list[str]:
        old, problems = self._target(entry)
        if old is None:
            return problems
        stale = entry.data.get("_before")
        if stale is not None and stale != threshold_data(old):
            return [_("This threshold was changed by someone else since: reload and try again.")]
        old.indicator.thresholds.all()._result_cache.remove(old)
        self.before[entry.row] = threshold_data(old)
        self.touched[entry.row] = [old]
        self.normalised[entry.row] = {}
        return []

    def _swap(self, old: Threshold, new: Threshold) -> None:
        old.indicator.thresholds.all()._result_cache.remove(old)
        new.indicator.thresholds.all()._result_cache.append(new)

    def _row_problems(self, threshold: Threshold) -> list[str]:
        return [
            f"{_field_name(name)}: {message}"
            for name, message in row_problems(threshold, self.criteria_set, self.allowed)
        ]

    # ---- reading a threshold as typed

    def _threshold(self, data: dict) -> tuple[Threshold | None, list[str]]:
        reader = _Reader(data)
        indicator = self._indicator(reader, "level", "indicator", required=True)
        scope = reader.choice("scope", Threshold.Scope.values)
        province = self._province(reader) if scope == Threshold.Scope.PROVINCE else None
        class_value = reader.text("class_value") if scope == Threshold.Scope.CLASS else ""
        if scope == Threshold.Scope.CLASS and not class_value:
            reader.fail("class_value", _("A class-scope threshold names its region or group."))
        relative_to = self._indicator(reader, "relative_level", "relative_indicator")
        value, factor = reader.number("value"), reader.number("factor")
        first, last = reader.year("first_year"), reader.year("last_year")
        source, verified = reader.text("source"), reader.flag("verified")
        demo = reader.flag("demo")  # an illustrative number of the demo data, never law
        if reader.missing("source", source):
            reader.fail("source", _("Say where the number comes from (the legal text)."))
        _check_amount(reader, value, relative_to, factor)
        if first is not None and last is not None and last < first:
            reader.fail("last_year", _("The last year comes before the first."))
        if reader.problems:
            return None, reader.problems
        threshold = Threshold(
            indicator=indicator,
            scope=scope,
            class_value=class_value,
            province=province,
            value=value,
            relative_to=relative_to,
            factor=factor,
            first_year=first,
            last_year=last,
            source=source,
            verified=verified,
            demo=demo,
        )
        problems = _model_problems(threshold)
        return (None, problems) if problems else (threshold, [])

    def _indicator(self, reader, level_key, code_key, required=False) -> Indicator | None:
        level, code = reader.text(level_key), reader.text(code_key)
        if not (level or code) and not required:
            return None
        indicator = self.indicators.get((level, code))
        if indicator is None:
            message = _("No indicator %(code)s at level “%(level)s” in %(set)s.")
            reader.fail(
                code_key, message % {"code": code, "level": level, "set": self.criteria_set}
            )
        return indicator

    def _province(self, reader) -> Province | None:
        code = reader.text("province")
        province = self.provinces.get(code)
        if province is None:
            message = _("“%(code)s” is not a province code of the map this set is used on.")
            reader.fail("province", message % {"code": code})
        return province

    # ---- structure added by a draft

    def _add_measure(self, entry: ChangeEntry) -> list[str]:
        reader = _Reader(entry.data)
        code = reader.text("code")
        if not code or code in self.measures:
            reader.fail("code", _("A new measure needs a code the set does not use yet."))
        value_type = reader.choice("value_type", Measure.ValueType.values)
        measure = Measure(
            criteria_set=self.criteria_set,
            code=code,
            name_vi=reader.required("name_vi"),
            name_en=reader.text("name_en") or reader.text("name_vi"),
            unit=reader.text("unit"),
            value_type=value_type,
            allows_not_applicable=reader.flag("allows_not_applicable"),
            description_vi=reader.text("description_vi"),
        )
        if reader.problems or _model_problems(measure):
            return reader.problems or _model_problems(measure)
        self.measures[code] = measure
        self._added(measure)
        self.normalised[entry.row] = _model_data(measure, MEASURE_FIELDS)
        return []

    def _add_criterion(self, entry: ChangeEntry) -> list[str]:
        reader = _Reader(entry.data)
        level = self.levels.get(reader.text("level"))
        if level is None:
            reader.fail(
                "level", _("No level “%(level)s” in this set.") % {"level": reader.text("level")}
            )
        number = reader.required("number")
        if level is not None and (level.code, number) in self.criteria:
            reader.fail(
                "number",
                _("Criterion %(number)s already exists at this level.") % {"number": number},
            )
        if reader.problems:
            return reader.problems
        criterion = Criterion(
            level=level,
            number=number,
            order=reader.whole("order") or len(level.criteria.all()) + 1,
            name_vi=reader.required("name_vi"),
            name_en=reader.text("name_en") or reader.text("name_vi"),
            source=reader.required("source"),
        )
        if reader.problems or _model_problems(criterion):
            return reader.problems or _model_problems(criterion)
        criterion._prefetched_objects_cache = {"indicators": Indicator.objects.none()}
        criterion._prefetched_objects_cache["indicators"]._result_cache = []
        level.criteria.all()._result_cache.append(criterion)
        self.criteria[level.code, number] = criterion
        self._added(criterion)
        self.normalised[entry.row] = {
            "level": level.code,
            **_model_data(criterion, CRITERION_FIELDS),
        }
        return []

    def _add_indicator(self, entry: ChangeEntry) -> list[str]:
        reader = _Reader(entry.data)
        level_code, number = reader.text("level"), reader.text("criterion")
        criterion = self.criteria.get((level_code, number))
        if criterion is None:
            reader.fail(
                "criterion",
                _("No criterion %(number)s at level “%(level)s”.")
                % {"number": number, "level": level_code},
            )
        measure = self.measures.get(reader.text("measure"))
        if measure is None:
            reader.fail(
                "measure",
                _("No measure “%(code)s” in this set (add it first).")
                % {"code": reader.text("measure")},
            )
        code = reader.required("code")
        if (level_code, code) in self.indicators:
            reader.fail(
                "code", _("Indicator %(code)s already exists at this level.") % {"code": code}
            )
        comparison = reader.choice("comparison", Indicator.Comparison.values)
        if measure is not None and comparison and _wrong_comparison(measure, comparison):
            reader.fail("comparison", _("A yes/no measure is judged “true”; a number is not."))
        if reader.problems:
            return reader.problems
        indicator = Indicator(
            criterion=criterion,
            measure=measure,
            code=code,
            order=reader.whole("order") or len(criterion.indicators.all()) + 1,
            name_vi=reader.required("name_vi"),
            name_en=reader.text("name_en") or reader.text("name_vi"),
            comparison=comparison,
            source=reader.required("source"),
            verified=reader.flag("verified"),
            set_by_province=reader.flag("set_by_province"),
        )
        if reader.problems or _model_problems(indicator):
            return reader.problems or _model_problems(indicator)
        indicator._prefetched_objects_cache = {"thresholds": Threshold.objects.none()}
        indicator._prefetched_objects_cache["thresholds"]._result_cache = []
        criterion.indicators.all()._result_cache.append(indicator)
        self.indicators[level_code, code] = indicator
        self._added(indicator)
        self.normalised[entry.row] = {
            "level": level_code,
            "criterion": number,
            "measure": measure.code,
            **_model_data(indicator, INDICATOR_FIELDS),
        }
        return []

    # ---- checks of the whole

    def whole_errors(self, rows: set[int] | None = None) -> dict[str, list[str]]:
        """What only the draft as a whole can show: overlapping rows, new rule problems
        (cycles), effects outside the edition's years; reported at the rows concerned (of
        ``rows`` when given: the ones being added)."""
        errors: dict[str, list[str]] = defaultdict(list)
        for row, message in (*self._overlaps(), *self._outside_years(), *self._new_problems()):
            if rows is None or row in rows:
                errors[row_label(row)].append(message)
        return dict(errors)

    def _row_of(self, threshold: Threshold) -> int | None:
        for row, touched in self.touched.items():
            if touched and touched[-1] is threshold:
                return row
        return None

    def _overlaps(self):
        for indicator in self.indicators.values():
            rows = list(indicator.thresholds.all())
            for i, a in enumerate(rows):
                for b in rows[i + 1 :]:
                    if _same_scope(a, b) and _spans_meet(a, b, self.criteria_set):
                        row = self._row_of(b) or self._row_of(a)
                        if row is not None:
                            yield row, _overlap_message(indicator, a if self._row_of(b) else b)

    def _outside_years(self):
        edition = self.edition
        whole = (edition.first_year, edition.last_year) == (
            self.criteria_set.first_year,
            self.criteria_set.last_year,
        )
        for row in sorted(self.structural):
            if not whole:
                yield (
                    row,
                    _(
                        "Measures, criteria and indicators apply to every year of the set: add "
                        "them in an edition for %(first)d-%(last)d."
                    )
                    % {"first": self.criteria_set.first_year, "last": self.criteria_set.last_year},
                )
        for row, touched in self.touched.items():
            years = _affected_years(touched, self.criteria_set)
            outside = sorted(y for y in years if not edition.first_year <= y <= edition.last_year)
            if outside:
                yield (
                    row,
                    _(
                        "This change affects %(years)s, outside the years the edition applies to "
                        "(%(first)d-%(last)d): give the row years inside them, or end the old row "
                        "and add a new one."
                    )
                    % {
                        "years": _year_list(outside),
                        "first": edition.first_year,
                        "last": edition.last_year,
                    },
                )

    def _new_problems(self):
        before = set(scoring.rule_problems(self.rules_before))
        new = [p for p in scoring.rule_problems(self.rules()) if p not in before]
        relative_rows = [
            row
            for row, touched in self.touched.items()
            if touched and touched[-1].relative_to is not None
        ] or sorted(self.touched)
        for problem in new:
            for row in relative_rows[:1] or [0]:
                yield row, problem

    def rules(self) -> scoring.RuleSet:
        return selectors.rules_for(self.criteria_set, list(self.levels.values()))


# --------------------------------------------------------------------------- reading values


class _Reader:
    """Reads typed cells (strings from a file, JSON values from the API) one by one, keeping
    every problem with the column it concerns."""

    def __init__(self, data: dict):
        self.data = data
        self.problems: list[str] = []

    def fail(self, key: str, message: str) -> None:
        problem = f"{_field_name(key)}: {message}"
        if problem not in self.problems:  # a cell read twice is refused once
            self.problems.append(problem)

    def text(self, key: str) -> str:
        value = self.data.get(key)
        try:
            # core.text's rule: no null character (PostgreSQL stores none), a documented length
            return clean_text("" if value is None else str(value))
        except ValidationError as error:
            self.fail(key, " ".join(error.messages))
            return ""

    def missing(self, key: str, value: str) -> bool:
        """Whether the column was left empty (not refused: its problem is said already)."""
        return not value and not any(p.startswith(f"{_field_name(key)}: ") for p in self.problems)

    def required(self, key: str) -> str:
        value = self.text(key)
        if self.missing(key, value):
            self.fail(key, _("This column is required."))
        return value

    def choice(self, key: str, allowed) -> str:
        value = self.text(key)
        if value not in allowed:
            message = _("“%(value)s” is not one of: %(allowed)s.")
            self.fail(key, message % {"value": value, "allowed": ", ".join(allowed)})
        return value

    def number(self, key: str) -> Decimal | None:
        text = self.text(key)
        if not text:
            return None
        try:
            number = parse_decimal(text)  # core.numbers: the one rule for writing numbers
        except ValidationError as error:
            self.fail(key, " ".join(error.messages))
            return None
        if number.adjusted() >= MAX_DIGITS or -number.as_tuple().exponent > MAX_DECIMALS:
            message = _("Give at most %(digits)d digits and %(decimals)d decimals.")
            self.fail(key, message % {"digits": MAX_DIGITS, "decimals": MAX_DECIMALS})
            return None
        return number

    def whole(self, key: str) -> int | None:
        number = self.number(key)
        if number is not None and number != number.to_integral_value():
            self.fail(key, _("Give a whole number."))
            return None
        return None if number is None else int(number)

    def year(self, key: str) -> int | None:
        year = self.whole(key)
        if year is not None and not 1900 < year < 2100:
            self.fail(key, _("“%(value)s” is not a year.") % {"value": year})
        return year

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if isinstance(value, bool):
            return value
        text = self.text(key).lower()
        if text in TRUE_WORDS:
            return True
        if text not in FALSE_WORDS:
            self.fail(key, _("Write yes or no (1 or 0)."))
        return False


RELATIONS = {
    "criteria_set",
    "level",
    "criterion",
    "measure",
    "indicator",
    "province",
    "relative_to",
}


def _model_problems(obj) -> list[str]:
    """What the model's own fields refuse (lengths, digits, choices), as the database would
    at publication: said now, at the row."""
    try:
        obj.clean_fields(exclude=RELATIONS)
    except ValidationError as error:
        return [f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()]
    return []


def _field_name(key: str) -> str:
    return key


def _check_amount(reader: _Reader, value, relative_to, factor) -> None:
    if value is not None and (relative_to is not None or factor is not None):
        reader.fail(
            "value", _("Give a value, or a factor of another indicator's threshold: not both.")
        )
    elif value is None and (relative_to is None or factor is None):
        if relative_to is not None or factor is not None:
            reader.fail(
                "factor", _("A relative threshold needs both the indicator and the factor.")
            )
        else:
            reader.fail("value", _("Give the threshold's value (or a relative factor)."))
    if factor is not None and factor <= 0:
        reader.fail("factor", _("The factor must be above 0."))


def _wrong_comparison(measure: Measure, comparison: str) -> bool:
    is_bool = measure.value_type == Measure.ValueType.BOOL
    return is_bool != (comparison == Indicator.Comparison.TRUE)


MEASURE_FIELDS = (
    "code",
    "name_vi",
    "name_en",
    "unit",
    "value_type",
    "allows_not_applicable",
    "description_vi",
)
CRITERION_FIELDS = ("number", "order", "name_vi", "name_en", "source")
INDICATOR_FIELDS = (
    "code",
    "order",
    "name_vi",
    "name_en",
    "comparison",
    "source",
    "verified",
    "set_by_province",
)


def _model_data(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


def threshold_data(threshold: Threshold) -> dict:
    """A threshold as the office reads and types it: codes, not ids; numbers as text."""
    relative = threshold.relative_to

    def text(number) -> str:
        return "" if number is None else format(number.normalize(), "f")

    return {
        "level": threshold.indicator.criterion.level.code,
        "indicator": threshold.indicator.code,
        "scope": threshold.scope,
        "class_value": threshold.class_value,
        "province": threshold.province.code if threshold.province_id or threshold.province else "",
        "first_year": threshold.first_year,
        "last_year": threshold.last_year,
        "value": text(threshold.value),
        "relative_level": relative.criterion.level.code if relative else "",
        "relative_indicator": relative.code if relative else "",
        "factor": text(threshold.factor),
        "source": threshold.source,
        "verified": threshold.verified,
        "demo": threshold.demo,
    }


def _same_scope(a: Threshold, b: Threshold) -> bool:
    def key(t):
        return t.scope, t.class_value, t.province.code if t.province else ""

    return key(a) == key(b)


def _span(threshold: Threshold, criteria_set: CriteriaSet) -> tuple[int, int]:
    return (
        threshold.first_year or criteria_set.first_year,
        threshold.last_year or criteria_set.last_year,
    )


def _spans_meet(a: Threshold, b: Threshold, criteria_set: CriteriaSet) -> bool:
    (a1, a2), (b1, b2) = _span(a, criteria_set), _span(b, criteria_set)
    return a1 <= b2 and b1 <= a2


def _overlap_message(indicator: Indicator, other: Threshold) -> str:
    first, last = other.first_year or "…", other.last_year or "…"
    return _(
        "Another threshold of %(code)s at this scope covers some of these years (%(years)s): "
        "end it first, or give this one other years."
    ) % {"code": indicator.code, "years": f"{first}-{last}"}


def _affected_years(touched: list[Threshold], criteria_set: CriteriaSet) -> set[int]:
    """The years in which the rules differ because of this change: a changed row's years
    before and after, or only those it gained or lost if nothing but its years changed."""
    spans = [set(range(_span(t, criteria_set)[0], _span(t, criteria_set)[1] + 1)) for t in touched]
    if len(touched) == 2:
        old, new = touched
        same = {**threshold_data(old), "first_year": 0, "last_year": 0} == {
            **threshold_data(new),
            "first_year": 0,
            "last_year": 0,
        }
        return spans[0] ^ spans[1] if same else spans[0] | spans[1]
    return spans[0] if spans else set()


def _year_list(years: list[int]) -> str:
    return ", ".join(str(y) for y in years)


# --------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class LevelChange:
    assessment_id: int
    commune_code: str
    commune_name: str
    province_code: str
    province_name: str
    year: int
    status: str
    old: str
    new: str


@dataclass
class Preview:
    """What publishing the draft would do to the levels of the communes of its years: open
    assessments are rescored at once (``changes``); approved ones keep theirs unless
    re-judged (``if_rejudged``)."""

    edition: Edition
    errors: dict[str, list[str]]
    checked: int = 0
    changes: list[LevelChange] = field(default_factory=list)
    if_rejudged: list[LevelChange] = field(default_factory=list)

    def by_province(self) -> list[tuple[str, str, int]]:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for change in self.changes:
            counts[change.province_code, change.province_name] += 1
        return [(code, name, n) for (code, name), n in sorted(counts.items())]


def preview_edition(edition: Edition, batch_size: int = 2000) -> Preview:
    """Score the assessments of the edition's years under the draft's rules, without writing,
    and list those whose level would change."""
    draft = Draft.load(edition)
    preview = Preview(edition, draft.apply_stored() | draft.whole_errors())
    rules = draft.rules()
    ids = list(_assessments_of(edition).values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch = list(
            selectors.assessments_for_scoring(ids[start : start + batch_size]).select_related(
                "commune__province"
            )
        )
        scored = selectors.results_for(edition.criteria_set, batch, rules=rules, today=True)
        for assessment in batch:
            new = scored[assessment.pk][1].level
            if new != assessment.level:
                _listed(preview, assessment).append(_level_change(assessment, new))
        preview.checked += len(batch)
    return preview


def _assessments_of(edition: Edition):
    return Assessment.objects.filter(
        criteria_set=edition.criteria_set,
        year__gte=edition.first_year,
        year__lte=edition.last_year,
    ).order_by("commune__province__code", "commune__code", "year", "pk")


def _listed(preview: Preview, assessment: Assessment) -> list[LevelChange]:
    approved = assessment.status == Assessment.Status.APPROVED
    return preview.if_rejudged if approved else preview.changes


def _level_change(assessment: Assessment, new: str) -> LevelChange:
    commune = assessment.commune
    return LevelChange(
        assessment_id=assessment.pk,
        commune_code=commune.code,
        commune_name=commune.name,
        province_code=commune.province.code,
        province_name=commune.province.name,
        year=assessment.year,
        status=assessment.status,
        old=assessment.level,
        new=new,
    )


# --------------------------------------------------------------------------- publishing


@transaction.atomic
def publish_edition(
    *, edition: Edition, decision_number: str, decision_date, legal_source: str = "", user
) -> Edition:
    """Apply the draft's changes, number the edition, keep its rules, and rescore the open
    assessments of its years: one transaction, so that no stored result ever disagrees with
    the edition in force."""
    lock_set(edition.criteria_set)
    locked = _locked_draft(edition)
    draft = Draft.load(locked)
    errors = draft.apply_stored() | draft.whole_errors()
    errors |= _decision_errors(decision_number, decision_date)
    texts = _texts(errors, legal_source=legal_source)
    if not draft.applied:
        errors["edition"] = [_("The edition has no changes to publish.")]
    if errors:
        raise ValidationError(errors)
    locked.decision_number, locked.decision_date = decision_number.strip(), decision_date
    locked.legal_source = texts["legal_source"]
    _publish(locked, draft, user)
    return locked


def _decision_errors(decision_number: str, decision_date) -> dict:
    errors = {}
    if not (decision_number or "").strip():
        errors["decision_number"] = [_("Give the number of the decision that makes this law.")]
    if not isinstance(decision_date, datetime.date):
        errors["decision_date"] = [_("Give the date of the decision.")]
    elif decision_date > timezone.localdate():
        errors["decision_date"] = [_("The decision's date cannot be in the future.")]
    return errors


def _publish(edition: Edition, draft: "Draft", user) -> None:
    _write(draft, edition, user)
    last = edition.criteria_set.editions.aggregate(last=Max("number"))["last"] or 0
    edition.number = last + 1
    edition.status = Edition.Status.PUBLISHED
    edition.published_by, edition.published_at = user, timezone.now()
    edition.rules = scoring.ruleset_as_data(selectors.rules_for(edition.criteria_set))
    edition.save()
    edition.rescored = _rescore_years(edition)
    edition.save(update_fields=["rescored"])
    security.record(
        security.Kind.EDITION_PUBLISHED,
        user=user,
        criteria_set=edition.criteria_set.code,
        edition=edition.number,
        decision=edition.decision_number,
        rescored=edition.rescored,
    )


THRESHOLD_COLUMNS = [
    "indicator",
    "scope",
    "class_value",
    "province",
    "value",
    "relative_to",
    "factor",
    "first_year",
    "last_year",
    "source",
    "verified",
    "demo",
]


def _write(draft: "Draft", edition: Edition, user) -> None:
    """Save the draft's new structure (a few rows, in the order added), then its thresholds
    in bulk: the rows removed, changed (each stored row once, as its last change left it) and
    added, each with a history row naming the user and the edition."""
    for obj in draft.added:  # measures, criteria, indicators, in the order they were added
        obj.pk = None
        _link(obj)
        obj.save()
    removed, changed, added = _threshold_writes(draft)
    history = {"default_user": user, "default_change_reason": _history_reason(edition)}
    for threshold in removed:  # rare; each deletion's history row comes from its signal
        threshold._history_user = user
        threshold._change_reason = history["default_change_reason"]
        threshold.delete()
    if changed:
        bulk_update_with_history(changed, Threshold, THRESHOLD_COLUMNS, **history)
    if added:
        bulk_create_with_history([t for _row, t in added], Threshold, **history)
        _name_created(draft, added)


def _history_reason(edition: Edition) -> str:
    return f"{edition.title} ({edition.decision_number})"[:100]


def _threshold_writes(draft: "Draft"):
    """(rows to delete, rows to update, (change row, row) to insert) from the applied changes:
    a stored row changed twice is written once, as the last change left it, and not at all
    if a later change removed it."""
    final: dict[int, Threshold | None] = {}
    added = []
    for row, entry in draft.applied:
        touched = draft.touched.get(row)
        if entry.kind not in THRESHOLD_KINDS or not touched:
            continue
        target = touched[-1]
        _link(target)
        if entry.kind == Kind.ADD_THRESHOLD:
            added.append((row, target))
        else:
            final[target.pk] = None if entry.kind == Kind.REMOVE_THRESHOLD else target
    removed = [
        t
        for row, e in draft.applied
        if e.kind == Kind.REMOVE_THRESHOLD
        for t in draft.touched.get(row, [])[-1:]
        if final.get(t.pk, t) is None
    ]
    changed = [t for t in final.values() if t is not None]
    return removed, changed, added


def _name_created(draft: "Draft", added) -> None:
    """Each stored "add" change names the threshold it created: 2 queries."""
    threshold_of = {draft.change_ids[row]: t.pk for row, t in added if row in draft.change_ids}
    changes = list(EditionChange.objects.filter(pk__in=threshold_of))
    for change in changes:
        change.threshold_id = threshold_of[change.pk]
    EditionChange.objects.bulk_update(changes, ["threshold"])


LINKS = ("criteria_set", "level", "criterion", "measure", "indicator", "relative_to")


def _link(obj) -> None:
    """Point the row's keys at its related rows as now saved (a new criterion of the draft
    got its real key only just before its indicators are saved)."""
    for name in LINKS:
        related = getattr(obj, name, None) if hasattr(type(obj), name) else None
        if related is not None:
            setattr(obj, f"{name}_id", related.pk)


def _rescore_years(edition: Edition) -> int:
    ids = list(
        _assessments_of(edition)
        .exclude(status=Assessment.Status.APPROVED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(
        rescore_open(ids[start : start + RESCORE_BATCH])
        for start in range(0, len(ids), RESCORE_BATCH)
    )


def publish_now(
    *,
    criteria_set: CriteriaSet,
    title: str,
    first_year: int,
    last_year: int,
    entries: list[ChangeEntry],
    decision_number: str,
    decision_date,
    user,
    reason: str = "",
) -> Edition:
    """Publish changes at once, as an edition of their own that never was a draft (a
    province's own numbers, loaded data): the same checks, record and rescoring."""
    with transaction.atomic():
        lock_set(criteria_set)
        edition = Edition(
            criteria_set=criteria_set,
            title=title,
            first_year=first_year,
            last_year=last_year,
            reason=reason,
            created_by=user,
            status=Edition.Status.DISCARDED,  # not a draft: the set may have one open
        )
        errors = _years_errors(criteria_set, first_year, last_year)
        errors |= _decision_errors(decision_number, decision_date)
        texts = _texts(errors, reason=reason)
        if errors:
            raise ValidationError(errors)
        edition.reason = texts["reason"]
        edition.save()
        draft = Draft.load(edition)
        errors = draft.apply_entries(entries) | draft.whole_errors()
        if errors:
            raise ValidationError(errors)
        created = _store_changes(edition, draft, entries, user)
        draft.change_ids = {e.row: c.pk for e, c in zip(entries, created, strict=True)}
        edition.decision_number, edition.decision_date = decision_number.strip(), decision_date
        _publish(edition, draft, user)
        return edition


# --------------------------------------------------------------------------- re-judging


@dataclass(frozen=True)
class Rejudged:
    assessment_id: int
    commune_code: str
    old: str
    new: str


@transaction.atomic
def rejudge(
    *, criteria_set: CriteriaSet, year: int, user, reason: str, province_code: str | None = None
) -> list[Rejudged]:
    """Score the approved assessments of a year that were approved under an older edition
    again, under the edition in force now: a national user's explicit decision, with its
    reason in each assessment's history and workflow (old -> new level)."""
    current = selectors.editions_by_year(criteria_set).get(year)
    errors = {}
    reason = _texts(errors, reason=reason).get("reason")
    if reason == "":
        errors["reason"] = [_("Say why these approved results are judged again.")]
    if current is None:
        errors["year"] = [
            _("No published edition of %(set)s applies to %(year)d.")
            % {"set": criteria_set.code, "year": year}
        ]
    if errors:
        raise ValidationError(errors)
    locked = Assessment.objects.select_for_update().filter(
        criteria_set=criteria_set, year=year, status=Assessment.Status.APPROVED
    )
    if province_code:
        locked = locked.filter(commune__province__code=province_code)
    ids = list(locked.exclude(edition=current).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return []
    assessments = list(selectors.assessments_for_scoring(ids).order_by("pk"))
    before = {a.pk: a.level for a in assessments}
    rescore_many(assessments, today=True)
    note = _("%(reason)s (edition %(number)d)") % {
        "reason": reason,
        "number": current.number,
    }
    copy_to_history(Assessment.objects.filter(pk__in=ids), user=user, change="~", reason=note)
    _record_steps(assessments, before, note, user)
    security.record(
        security.Kind.RESULTS_REJUDGED,
        user=user,
        criteria_set=criteria_set.code,
        year=year,
        province=province_code,
        edition=current.number,
        count=len(assessments),
        reason=reason,
    )
    return [Rejudged(a.pk, a.commune.code, before[a.pk], a.level) for a in assessments]


def _record_steps(assessments: list[Assessment], before: dict, note: str, user) -> None:
    now = timezone.now()
    insert_rows(
        WorkflowStep,
        [
            {
                "assessment_id": a.pk,
                "action": WorkflowStep.Action.REJUDGE.value,
                "from_status": a.status,
                "to_status": a.status,
                "comment": f"{note}: {before[a.pk]} -> {a.level}",
                "user_id": user.pk if user else None,
                "at": now,
            }
            for a in assessments
        ],
    )


# --------------------------------------------------------------------------- from a file

FILE_REQUIRED = ("level", "indicator", "scope", "source")
ACTIONS = {
    "add": Kind.ADD_THRESHOLD,
    "change": Kind.CHANGE_THRESHOLD,
    "remove": Kind.REMOVE_THRESHOLD,
}


def import_thresholds(*, edition: Edition, upload, user) -> list[EditionChange]:
    """Add a spreadsheet's thresholds to a draft: one row a threshold, columns as
    THRESHOLD_KEYS (plus ``action`` add/change/remove and ``threshold_id`` for the last two).
    Every error is reported at its row and column, and then nothing is added."""
    rows = read_rows(upload, FILE_REQUIRED)
    entries, errors = [], {}
    for row in rows:
        entry, problem = _file_entry(row)
        if problem:
            errors[row_label(row.number)] = [problem]
        else:
            entries.append(entry)
    if errors:
        raise ValidationError(errors)
    return add_changes(edition=edition, entries=entries, user=user)


def _file_entry(row) -> tuple[ChangeEntry | None, str]:
    action = row.get("action").lower() or "add"
    if action not in ACTIONS:
        return None, _("action: “%(action)s” is not one of: add, change, remove.") % {
            "action": action
        }
    data = {key: row.get(key) for key in THRESHOLD_KEYS if key in row.cells}
    threshold_id = None
    if action != "add":
        try:
            threshold_id = int(row.get("threshold_id"))
        except ValueError:
            return None, _("threshold_id: a change or removal names the threshold's id.")
    return ChangeEntry(row.number, ACTIONS[action], data, threshold_id, row.get("reason")), ""
