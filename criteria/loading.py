"""Loading criteria sets from their JSON fixtures (fixtures/criteria/*.json) into the database.

A file is read and validated completely first (every problem names the file and the item),
then written in one transaction by an idempotent upsert on natural keys, so a bad file writes
nothing and a second load of the same file saves nothing. Rows the file does not list (e.g.
thresholds the national office entered in admin) are never deleted.

The format, by example, is fixtures/criteria/ntm-2021-2025.json; `load_criteria --dry-run FILE`
checks a file without keeping anything. Optional keys:
- top level: "province_structure" (default "2021"), the administrative structure whose province
  codes province-scope thresholds use; "edition" {"title", "decision_number", "decision_date"
  (YYYY-MM-DD)}, the act the file transcribes, recorded as the set's first edition;
- each level: "pilot" (true or false, default false), a level the law introduces as a pilot;
  "rule" ("all", the default: every criterion met; or "share", criteria.scoring's docstring),
  with, for "share" only, "share" (a decimal string above 0 and at most 1, e.g. "0.70") and
  "mandatory" (a list of codes of the level's own indicators that must pass).
"""

import datetime
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from communes.models import Province, Region
from communes.services import Counts
from criteria import scoring, selectors
from criteria.models import (
    Assessment,
    AssessmentValue,
    CriteriaSet,
    Criterion,
    Edition,
    Indicator,
    Level,
    Measure,
    Threshold,
)
from criteria.services.values import parse_value  # the one rule of a value, by its type

CRITERIA_DIR = Path(settings.BASE_DIR) / "fixtures" / "criteria"
# The 2021-2025 set predates the July 2025 reorganisation, so its province codes are the old ones.
DEFAULT_PROVINCE_STRUCTURE = "2021"
KINDS = ("sets", "levels", "measures", "criteria", "indicators", "thresholds")

TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    list: "a list",
    dict: "an object",
}
SET_KEYS = {
    "code": str,
    "name_vi": str,
    "name_en": str,
    "legal_basis": str,
    "first_year": int,
    "last_year": int,
    "classification": str,
    "notes": str,
    "measures": list,
    "levels": list,
}
MEASURE_KEYS = {
    "code": str,
    "name_vi": str,
    "name_en": str,
    "unit": str,
    "value_type": str,
    "allows_not_applicable": bool,
    "source": str,
    "derived_from": str,
    "description_vi": str,
    "description_en": str,
}
LEVEL_KEYS = {
    "code": str,
    "rank": int,
    "name_vi": str,
    "name_en": str,
    "legal_basis": str,
    "criteria": list,
}
CRITERION_KEYS = {
    "number": str,
    "name_vi": str,
    "name_en": str,
    "group": str,
    "source": str,
    "indicators": list,
}
INDICATOR_KEYS = {
    "code": str,
    "name_vi": str,
    "name_en": str,
    "measure": str,
    "comparison": str,
    "source": str,
    "verified": bool,
    "thresholds": list,
}
THRESHOLD_KEYS = {"scope": str, "scope_value": str, "source": str, "verified": bool}
# The keys copied as they are into model fields (the others are children or references).
SET_FIELDS = (
    "code",
    "name_vi",
    "name_en",
    "legal_basis",
    "first_year",
    "last_year",
    "classification",
    "notes",
)
LEVEL_FIELDS = ("code", "rank", "name_vi", "name_en", "legal_basis")
LEVEL_RULE_KEYS = ("share", "mandatory")
CRITERION_FIELDS = ("number", "name_vi", "name_en", "group", "source")
INDICATOR_FIELDS = ("code", "name_vi", "name_en", "comparison", "source", "verified")


class CriteriaFileError(ValueError):
    """A criteria file is unreadable or invalid; the message names the file, the item and why."""


@dataclass
class LoadReport:
    file: str
    set_code: str
    counts: dict[str, Counts] = field(default_factory=lambda: {kind: Counts() for kind in KINDS})


@dataclass(frozen=True)
class Where:
    """The path to an item, for error messages: file, then "level advanced, criterion 13"."""

    parts: tuple[str, ...]

    def __truediv__(self, part: str) -> "Where":
        return Where((*self.parts, part))

    def error(self, problem: str) -> CriteriaFileError:
        file, *items = self.parts
        return CriteriaFileError(
            ": ".join([file, ", ".join(items), problem] if items else [file, problem])
        )


# --------------------------------------------------------------------------- the file, validated


@dataclass
class ThresholdRow:
    where: Where
    values: dict  # model fields except the foreign keys, resolved when writing
    province_code: str | None
    relative_to: tuple[str, str] | None
    province_id: int | None = None


@dataclass
class IndicatorRow:
    code: str
    measure: str
    values: dict
    thresholds: list[ThresholdRow]


@dataclass
class CriterionRow:
    number: str
    values: dict
    requires_level: str | None
    indicators: list[IndicatorRow]


@dataclass
class LevelRow:
    where: Where
    values: dict
    raw_criteria: list
    criteria: list[CriterionRow] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.values["code"]


@dataclass
class CriteriaFile:
    name: str
    values: dict
    province_structure: str
    measures: dict[str, dict]
    levels: list[LevelRow]
    edition: dict | None = None  # the act the file transcribes: its first edition

    @property
    def code(self) -> str:
        return self.values["code"]

    def indicators(self) -> Iterator[tuple[LevelRow, CriterionRow, IndicatorRow]]:
        for level in self.levels:
            for criterion in level.criteria:
                for indicator in criterion.indicators:
                    yield level, criterion, indicator

    def thresholds(self) -> Iterator[tuple[LevelRow, IndicatorRow, ThresholdRow]]:
        for level, _criterion, indicator in self.indicators():
            for threshold in indicator.thresholds:
                yield level, indicator, threshold


# --------------------------------------------------------------------------- generic checks


def _is(value: object, kind: type) -> bool:
    # bool is a subclass of int: an integer key must not accept true/false.
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _require(obj: object, keys: dict[str, type], where: Where) -> dict:
    if not isinstance(obj, dict):
        raise where.error("not an object")
    for key, kind in keys.items():
        if key not in obj:
            raise where.error(f"missing key {key!r}")
        if not _is(obj[key], kind):
            raise where.error(f"{key!r} must be {TYPE_NAMES[kind]}, not {obj[key]!r}")
    return obj


def _optional(obj: dict, key: str, kind: type, where: Where):
    value = obj.get(key)
    if value is not None and not _is(value, kind):
        raise where.error(f"{key!r} must be {TYPE_NAMES[kind]} or null, not {value!r}")
    return value


def _choice(value: str, choices: type[models.TextChoices], what: str, where: Where) -> None:
    if value not in choices.values:
        raise where.error(f"unknown {what} {value!r} (one of: {', '.join(choices.values)})")


def _decimal(raw: object, key: str, where: Where) -> Decimal:
    # Strings only: a JSON float would already have lost the exact decimal.
    try:
        number = Decimal(raw) if isinstance(raw, str) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise where.error(f'{key} {raw!r} is not a decimal (write it as a string, e.g. "80")')
    return number


def _checked(model: type[models.Model], values: dict, where: Where) -> dict:
    """Apply the model's own field rules (lengths, blanks, choices, digits) before any write."""
    unset = [f.name for f in model._meta.concrete_fields if f.name not in values]
    try:
        model(**values).clean_fields(exclude=unset)
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise where.error(f"{name}: {' '.join(messages)}") from None
    return values


def _label(kind: str, obj: object, key: str, position: int) -> str:
    name = obj.get(key) if isinstance(obj, dict) else None
    return f"{kind} {name}" if isinstance(name, str) else f"{kind} #{position}"


def _no_duplicates(values: Iterable, what: str, where: Where) -> None:
    repeated = [value for value, n in Counter(values).items() if n > 1]
    if repeated:
        raise where.error(f"duplicate {what} {repeated[0]!r}")


def _pick(obj: dict, keys: Iterable[str]) -> dict:
    return {key: obj[key] for key in keys}


# --------------------------------------------------------------------------- reading the items


def _read_json(path: Path, where: Where) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise where.error(f"cannot read the file ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise where.error(f"invalid JSON: {exc}") from None
    return _require(doc, SET_KEYS, where)


def _read_set(doc: dict, where: Where) -> dict:
    _choice(doc["classification"], CriteriaSet.Classification, "classification", where)
    if doc["last_year"] < doc["first_year"]:
        raise where.error(f"years out of order: {doc['first_year']}-{doc['last_year']}")
    return _checked(CriteriaSet, _pick(doc, SET_FIELDS), where)


def _read_measure(item: object, where: Where) -> dict:
    _require(item, MEASURE_KEYS, where)
    _choice(item["value_type"], Measure.ValueType, "value type", where)
    _choice(item["source"], Measure.Source, "measure source", where)
    # The database allows a derived measure without derived_from; scoring could not fill it.
    if (item["source"] == Measure.Source.DERIVED) != bool(item["derived_from"]):
        raise where.error("derived_from is required for a derived measure, and only for one")
    return _checked(Measure, _pick(item, MEASURE_KEYS), where)


def _read_measures(items: list, where: Where) -> dict[str, dict]:
    measures = {}
    for position, item in enumerate(items, start=1):
        here = where / _label("measure", item, "code", position)
        values = _read_measure(item, here)
        if values["code"] in measures:
            raise here.error("duplicate measure code")
        measures[values["code"]] = values
    return measures


def _read_level(item: object, where: Where) -> LevelRow:
    _require(item, LEVEL_KEYS, where)
    values = _pick(item, LEVEL_FIELDS) | {"pilot": bool(_optional(item, "pilot", bool, where))}
    values |= _level_rule(item, where)
    return LevelRow(
        where=where, values=_checked(Level, values, where), raw_criteria=item["criteria"]
    )


def _level_rule(item: dict, where: Where) -> dict:
    """The level's rule kind and its numbers; the mandatory codes are checked against the
    level's indicators once its criteria are read (_check_mandatory)."""
    rule = _optional(item, "rule", str, where) or Level.Rule.ALL
    _choice(rule, Level.Rule, "rule", where)
    if rule == Level.Rule.ALL:
        given = [key for key in LEVEL_RULE_KEYS if item.get(key) is not None]
        if given:
            raise where.error(f"{given[0]!r} is only for the 'share' rule")
        return {"rule": rule, "share": None, "mandatory_indicators": []}
    if item.get("share") is None:
        raise where.error('the \'share\' rule needs a "share" (e.g. "0.70")')
    share = _decimal(item["share"], "share", where)
    if not Decimal(0) < share <= Decimal(1):
        raise where.error(f'share {item["share"]!r} must be above 0 and at most 1 (e.g. "0.70")')
    mandatory = _optional(item, "mandatory", list, where) or []
    if not all(_is(code, str) for code in mandatory):
        raise where.error(f"'mandatory' must list indicator codes, not {mandatory!r}")
    _no_duplicates(mandatory, "mandatory indicator", where)
    return {"rule": rule, "share": share, "mandatory_indicators": mandatory}


def _check_mandatory(level: LevelRow) -> None:
    codes = {i.code for c in level.criteria for i in c.indicators}
    for code in level.values["mandatory_indicators"]:
        if code not in codes:
            raise level.where.error(
                f"mandatory indicator {code!r} is not an indicator of the level"
            )


def _read_levels(items: list, measures: dict, where: Where) -> list[LevelRow]:
    levels = [
        _read_level(item, where / _label("level", item, "code", position))
        for position, item in enumerate(items, start=1)
    ]
    _no_duplicates((level.code for level in levels), "level code", where)
    _no_duplicates((level.values["rank"] for level in levels), "level rank", where)
    codes = {level.code for level in levels}
    for level in levels:
        level.criteria = _read_criteria(level, codes - {level.code}, measures)
        _check_mandatory(level)
    return levels


def _read_criteria(level: LevelRow, other_levels: set[str], measures: dict) -> list[CriterionRow]:
    criteria = [
        _read_criterion(item, position, other_levels, measures, level.where)
        for position, item in enumerate(level.raw_criteria, start=1)
    ]
    _no_duplicates((c.number for c in criteria), "criterion number", level.where)
    # Codes are unique in the whole level, not only per criterion: relative_to names them so.
    codes = (i.code for c in criteria for i in c.indicators)
    _no_duplicates(codes, "indicator code", level.where)
    return criteria


def _read_criterion(
    item: object, position: int, other_levels: set[str], measures: dict, where: Where
) -> CriterionRow:
    where = where / _label("criterion", item, "number", position)
    _require(item, CRITERION_KEYS, where)
    required = _optional(item, "requires_level", str, where)
    if required is not None and required not in other_levels:
        raise where.error(f"unknown requires_level {required!r}")
    if required is not None and item["indicators"]:
        raise where.error("a criterion with requires_level has no indicators of its own")
    values = _pick(item, CRITERION_FIELDS) | {"order": position}
    indicators = [
        _read_indicator(ind, n, measures, where) for n, ind in enumerate(item["indicators"], 1)
    ]
    return CriterionRow(item["number"], _checked(Criterion, values, where), required, indicators)


def _read_indicator(item: object, position: int, measures: dict, where: Where) -> IndicatorRow:
    where = where / _label("indicator", item, "code", position)
    _require(item, INDICATOR_KEYS, where)
    if item["measure"] not in measures:
        raise where.error(f"unknown measure {item['measure']!r}")
    _choice(item["comparison"], Indicator.Comparison, "comparison", where)
    _check_comparison(item, measures[item["measure"]]["value_type"], where)
    by_province = bool(_optional(item, "set_by_province", bool, where))
    picked = _pick(item, INDICATOR_FIELDS) | {"order": position, "set_by_province": by_province}
    values = _checked(Indicator, picked, where)
    thresholds = [
        _read_threshold(t, where / f"threshold {n}") for n, t in enumerate(item["thresholds"], 1)
    ]
    _no_duplicates((_file_key(t) for t in thresholds), "threshold (scope and years)", where)
    return IndicatorRow(item["code"], item["measure"], values, thresholds)


def _check_comparison(item: dict, value_type: str, where: Where) -> None:
    is_bool = value_type == Measure.ValueType.BOOL
    if (item["comparison"] == Indicator.Comparison.TRUE) != is_bool:
        raise where.error(
            f"comparison {item['comparison']!r} does not fit the {value_type} measure "
            f"{item['measure']!r} ('true' is for yes/no measures, and only for them)"
        )
    if is_bool and item["thresholds"]:
        raise where.error("a yes/no indicator takes no thresholds")


def _read_threshold(item: object, where: Where) -> ThresholdRow:
    _require(item, THRESHOLD_KEYS, where)
    _choice(item["scope"], Threshold.Scope, "scope", where)
    class_value, province_code = _scope_values(item, where)
    values = {
        "scope": item["scope"],
        "class_value": class_value,
        **_amount(item, where),
        **_years(item, where),
        "source": item["source"],
        "verified": item["verified"],
        "demo": bool(_optional(item, "demo", bool, where)),
    }
    relative_to = _relative_to(item, where)
    return ThresholdRow(where, _checked(Threshold, values, where), province_code, relative_to)


def _scope_values(item: dict, where: Where) -> tuple[str, str | None]:
    """(class_value, province code) of a threshold from its scope_value."""
    scope, value = item["scope"], item["scope_value"]
    if scope == Threshold.Scope.NATIONAL and value:
        raise where.error(f"national scope with scope_value {value!r}")
    if scope != Threshold.Scope.NATIONAL and not value:
        raise where.error(f"{scope} scope without a scope_value")
    if scope == Threshold.Scope.PROVINCE:
        return "", value
    return value, None


def _amount(item: dict, where: Where) -> dict:
    value, target, factor = item.get("value"), item.get("relative_to"), item.get("factor")
    if value is not None and target is not None:
        raise where.error("both a value and relative_to (a threshold is absolute or relative)")
    if target is None and factor is not None:
        raise where.error("a factor without relative_to")
    if target is None:
        return {"value": _decimal(value, "value", where), "factor": None}
    factor = _decimal(factor, "factor", where)
    if factor <= 0:
        raise where.error(f"factor {item['factor']!r} must be positive")
    return {"value": None, "factor": factor}


def _years(item: dict, where: Where) -> dict:
    first = _optional(item, "first_year", int, where)
    last = _optional(item, "last_year", int, where)
    if first is not None and last is not None and last < first:
        raise where.error(f"years out of order: {first}-{last}")
    return {"first_year": first, "last_year": last}


def _relative_to(item: dict, where: Where) -> tuple[str, str] | None:
    target = item.get("relative_to")
    if target is None:
        return None
    if not (isinstance(target, list) and len(target) == 2 and all(_is(t, str) for t in target)):
        raise where.error(f"relative_to {target!r} must be [level code, indicator code]")
    return target[0], target[1]


def _file_key(row: ThresholdRow) -> tuple:
    v = row.values
    return v["scope"], v["class_value"], row.province_code, v["first_year"], v["last_year"]


# --------------------------------------------------------------------------- cross-references


def _check_relative_targets(doc: CriteriaFile) -> None:
    targets = {(level.code, ind.code): ind for level, _c, ind in doc.indicators()}
    for _level, _ind, row in doc.thresholds():
        if row.relative_to is None:
            continue
        target = targets.get(row.relative_to)
        if target is None:
            raise row.where.error(
                f"unknown relative_to {list(row.relative_to)!r}: no such indicator"
            )
        if target.values["comparison"] == Indicator.Comparison.TRUE:
            raise row.where.error(f"relative_to {list(row.relative_to)!r} is a yes/no indicator")


def _resolve_provinces(doc: CriteriaFile) -> None:
    rows = [row for _l, _i, row in doc.thresholds() if row.province_code is not None]
    codes = {row.province_code for row in rows}
    found = Province.objects.filter(structure=doc.province_structure, code__in=codes)
    ids = dict(found.values_list("code", "pk"))
    for row in rows:
        if row.province_code not in ids:
            raise row.where.error(
                f"unknown province {row.province_code!r} in structure {doc.province_structure}"
            )
        row.province_id = ids[row.province_code]


def _check_regions(doc: CriteriaFile) -> None:
    # Commune groups (2026-2030) have no table; regions do, and a typo would never apply.
    if doc.values["classification"] != CriteriaSet.Classification.REGION:
        return
    rows = [row for _l, _i, row in doc.thresholds() if row.values["class_value"]]
    regions = set(Region.objects.values_list("code", flat=True)) if rows else set()
    for row in rows:
        if row.values["class_value"] not in regions:
            raise row.where.error(f"unknown region {row.values['class_value']!r}")


EDITION_KEYS = {"title": str, "decision_number": str, "decision_date": str}


def _read_edition(raw: dict, where: Where) -> dict | None:
    """The optional "edition": the decision the file transcribes (title, number, ISO date),
    recorded as the set's first published edition."""
    item = _optional(raw, "edition", dict, where)
    if item is None:
        return None
    where = where / "edition"
    _require(item, EDITION_KEYS, where)
    try:
        date = datetime.date.fromisoformat(item["decision_date"])
    except ValueError as error:
        raise where.error(f"decision_date {item['decision_date']!r} is not YYYY-MM-DD") from error
    return {**item, "decision_date": date}


def read_criteria_file(path: Path) -> CriteriaFile:
    """Read and validate a whole criteria file; raise CriteriaFileError at the first problem."""
    where = Where((path.name,))
    raw = _read_json(path, where)
    values = _read_set(raw, where)
    structure = _optional(raw, "province_structure", str, where) or DEFAULT_PROVINCE_STRUCTURE
    measures = _read_measures(raw["measures"], where)
    levels = _read_levels(raw["levels"], measures, where)
    doc = CriteriaFile(path.name, values, structure, measures, levels, _read_edition(raw, where))
    _check_relative_targets(doc)
    _check_regions(doc)
    _resolve_provinces(doc)
    return doc


# --------------------------------------------------------------------------- writing


RANK_PARKING = 10_000  # far above any real rank, within a small positive integer


def _upsert(model: type[models.Model], existing: dict, key, values: dict, counts: Counts):
    """Create or update one row; save nothing when the stored values already match."""
    obj = existing.get(key)
    if obj is None:
        counts.created += 1
        return model.objects.create(**values)
    if all(getattr(obj, name) == value for name, value in values.items()):
        counts.unchanged += 1
        return obj
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save(update_fields=list(values))
    counts.updated += 1
    return obj


def _write_set(doc: CriteriaFile, counts: Counts) -> CriteriaSet:
    existing = {s.code: s for s in CriteriaSet.objects.filter(code=doc.code)}
    return _upsert(CriteriaSet, existing, doc.code, doc.values, counts)


def _write_measures(cset: CriteriaSet, doc: CriteriaFile, counts: Counts) -> dict[str, int]:
    existing = {m.code: m for m in cset.measures.all()}
    _refuse_retyping_stored_values(doc, existing.values())
    return {
        code: _upsert(Measure, existing, code, values | {"criteria_set_id": cset.pk}, counts).pk
        for code, values in doc.measures.items()
    }


def _free_ranks(existing: dict[str, Level], doc: CriteriaFile) -> None:
    # Levels that trade ranks would collide on the unique (set, rank) constraint midway:
    # park the moving ones out of the way first.
    wanted = {level.code: level.values["rank"] for level in doc.levels}
    moving = [lv.pk for lv in existing.values() if wanted.get(lv.code, lv.rank) != lv.rank]
    if moving:
        Level.objects.filter(pk__in=moving).update(rank=F("rank") + RANK_PARKING)


def _write_levels(cset: CriteriaSet, doc: CriteriaFile, counts: Counts) -> dict[str, int]:
    existing = {level.code: level for level in cset.levels.all()}
    _free_ranks(existing, doc)
    return {
        level.code: _upsert(
            Level, existing, level.code, level.values | {"criteria_set_id": cset.pk}, counts
        ).pk
        for level in doc.levels
    }


def _write_criteria(doc: CriteriaFile, levels: dict[str, int], counts: Counts) -> dict:
    """Return criterion ids by (level code, criterion number)."""
    existing = {
        (c.level_id, c.number): c for c in Criterion.objects.filter(level__in=levels.values())
    }
    ids = {}
    for level in doc.levels:
        for row in level.criteria:
            values = row.values | {
                "level_id": levels[level.code],
                "requires_level_id": levels.get(row.requires_level),
            }
            key = (levels[level.code], row.number)
            ids[level.code, row.number] = _upsert(Criterion, existing, key, values, counts).pk
    return ids


def _write_indicators(
    doc: CriteriaFile, criteria: dict, measures: dict[str, int], counts: Counts
) -> dict:
    """Return indicator ids by (level code, indicator code)."""
    in_set = Indicator.objects.filter(criterion__in=criteria.values())
    existing = {(i.criterion_id, i.code): i for i in in_set}
    ids = {}
    for level, criterion, row in doc.indicators():
        criterion_id = criteria[level.code, criterion.number]
        values = row.values | {"criterion_id": criterion_id, "measure_id": measures[row.measure]}
        obj = _upsert(Indicator, existing, (criterion_id, row.code), values, counts)
        ids[level.code, row.code] = obj.pk
    return ids


def _threshold_key(values: dict) -> tuple:
    names = ("indicator_id", "scope", "class_value", "province_id", "first_year", "last_year")
    return tuple(values[name] for name in names)


def _write_thresholds(cset: CriteriaSet, doc: CriteriaFile, indicators: dict, counts: Counts):
    # A second pass: a relative threshold may name an indicator of a later level.
    in_set = Threshold.objects.filter(indicator__criterion__level__criteria_set=cset)
    # An instance's __dict__ holds its columns by attname ("indicator_id"), as `values` does.
    existing = {_threshold_key(vars(t)): t for t in in_set}
    for level, indicator, row in doc.thresholds():
        values = row.values | {
            "indicator_id": indicators[level.code, indicator.code],
            "province_id": row.province_id,
            "relative_to_id": indicators.get(row.relative_to),
        }
        _upsert(Threshold, existing, _threshold_key(values), values, counts)


@transaction.atomic
def write_criteria_file(doc: CriteriaFile) -> LoadReport:
    """Upsert a validated file in one transaction; rows it does not list are left alone."""
    report = LoadReport(file=doc.name, set_code=doc.code)
    counts = report.counts
    cset = _write_set(doc, counts["sets"])
    measures = _write_measures(cset, doc, counts["measures"])
    levels = _write_levels(cset, doc, counts["levels"])
    criteria = _write_criteria(doc, levels, counts["criteria"])
    indicators = _write_indicators(doc, criteria, measures, counts["indicators"])
    _write_thresholds(cset, doc, indicators, counts["thresholds"])
    _record_first_edition(cset, doc, report)
    return report


RETYPED_SHOWN = 5  # stored values named in the error of a type change that refuses them


def _refuse_retyping_stored_values(doc: CriteriaFile, stored: Iterable[Measure]) -> None:
    """A file that changes the type of a ``stored`` measure (a count once loaded as a
    number) is refused (its transaction rolled back) while stored values are not values of
    the new type (2.5 villages): they would be refused at the next save of their page and on
    import of their own export. The message names them; the office corrects them first."""
    for measure in stored:
        values = doc.measures.get(measure.code)
        if values is None or values["value_type"] == measure.value_type:
            continue
        retyped = Measure(**values)
        retyped.source = Measure.Source.ENTERED  # only a value's type is checked
        wrong = []
        rows = (
            AssessmentValue.objects.filter(measure=measure)
            .exclude(number=None, flag=None)
            .order_by("assessment__year", "assessment__commune__code")
            .values_list("number", "flag", "assessment__commune__code", "assessment__year")
        )
        for number, flag, commune, year in rows.iterator():
            value = flag if flag is not None else format(number.normalize(), "f")
            try:
                parse_value(retyped, value)
            except ValidationError as error:
                wrong.append(f"{commune} {year}: {value} ({error.messages[0]})")
        if wrong:
            shown = "; ".join(wrong[:RETYPED_SHOWN]) + (
                "; ..." if len(wrong) > RETYPED_SHOWN else ""
            )
            raise CriteriaFileError(
                f"{doc.name}: measure {measure.code}: the file makes it a {values['value_type']} "
                f"measure, but {len(wrong)} stored value(s) are not: {shown}. Correct them "
                "first (nothing was loaded)."
            )


def _record_first_edition(cset: CriteriaSet, doc: CriteriaFile, report: LoadReport) -> None:
    """The file is the set's first edition. Once the office has published others in the
    portal, the file may no longer change the rules: a change is made by a new edition,
    never by editing the file and reloading it (which would undo them without a record)."""
    published = list(cset.editions.published().order_by("number"))
    changed = any(c.created or c.updated for c in report.counts.values())
    if len(published) > 1 and changed:
        raise CriteriaFileError(
            f"{doc.name}: {cset.code} has editions published in the portal "
            f"({', '.join(str(e.number) for e in published[1:])}); change it by a new "
            "edition, not by reloading its file"
        )
    if doc.edition is None or (published and not changed):
        return
    first = published[0] if published else Edition(criteria_set=cset, number=1)
    first.title = doc.edition["title"]
    first.decision_number = doc.edition["decision_number"]
    first.decision_date = doc.edition["decision_date"]
    first.first_year, first.last_year = cset.first_year, cset.last_year
    first.status, first.published_at = Edition.Status.PUBLISHED, timezone.now()
    first.rules = scoring.ruleset_as_data(selectors.rules_for(cset))
    first.save()
    # Results stored before editions existed were scored under exactly these rules.
    Assessment.objects.filter(criteria_set=cset, edition__isnull=True).update(edition=first)


def load_criteria_file(path: Path) -> LoadReport:
    return write_criteria_file(read_criteria_file(Path(path)))


def criteria_files(folder: Path = CRITERIA_DIR) -> list[Path]:
    return sorted(Path(folder).glob("*.json"))


def load_all(folder: Path = CRITERIA_DIR) -> list[LoadReport]:
    """Load every file of the folder, each in its own transaction."""
    return [load_criteria_file(path) for path in criteria_files(folder)]
