#!/usr/bin/env python3
"""Check a criteria-set fixture (e.g. fixtures/criteria/ntm-2021-2025.json) and print a summary.

Usage: python3 scripts/check_criteria_fixture.py [path]

Stand-alone, standard library only. Checks the shape the loader expects and the fixture policy
of shared/domain/README.md (every criterion, indicator and threshold names its source; a
verified threshold says "confirmed"). Exits 1 on any error.
"""

import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "fixtures" / "criteria" / "ntm-2021-2025.json"

REGIONS = {"tdmnpb", "dbsh", "btb", "dhntb", "tn", "dnb", "dbscl"}
GROUPS = {
    "planning",
    "infrastructure",
    "economy",
    "culture_society_environment",
    "political_system",
}
VALUE_TYPES = {"bool", "number", "percent", "money"}
COMPARISONS = {">=", "<=", "==", "true"}
SCOPES = {"national", "class", "province"}
# level code -> (criteria expected, indicators in the official set or None)
EXPECTED = {"standard": (19, 57), "advanced": (19, 75), "model": (4, None)}

TOP_KEYS = {
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

errors: list[str] = []


def error(where: str, message: str) -> None:
    errors.append(f"{where}: {message}")


# ---------------------------------------------------------------------------------- helpers


def has_keys(obj: object, keys: dict, where: str) -> bool:
    if not isinstance(obj, dict):
        error(where, "not an object")
        return False
    ok = True
    for key, kind in keys.items():
        value = obj.get(key)
        # bool is a subclass of int: an int field must not accept true/false
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            error(where, f"'{key}' missing or not {kind.__name__}")
            ok = False
    return ok


def decimal(text: object) -> Decimal | None:
    if not isinstance(text, str):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def optional_year(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def needs_source(obj: dict, where: str) -> None:
    if not obj.get("source", "").strip():
        error(where, "empty source")


# ---------------------------------------------------------------------------------- measures


def check_measure(m: dict, where: str) -> None:
    if m["value_type"] not in VALUE_TYPES:
        error(where, f"value_type {m['value_type']!r} not one of {sorted(VALUE_TYPES)}")
    if m["source"] == "derived" and not m["derived_from"]:
        error(where, "derived measure without derived_from")
    elif m["source"] == "entered" and m["derived_from"]:
        error(where, "entered measure with derived_from")
    elif m["source"] not in ("entered", "derived"):
        error(where, f"source {m['source']!r} is neither 'entered' nor 'derived'")
    if not m["code"].isidentifier() or m["code"] != m["code"].lower():
        error(where, "code is not snake_case")


def load_measures(doc: dict) -> dict[str, dict]:
    measures: dict[str, dict] = {}
    for i, m in enumerate(doc["measures"]):
        where = f"measures[{i}]"
        if not has_keys(m, MEASURE_KEYS, where):
            continue
        where = f"measure {m['code']}"
        if m["code"] in measures:
            error(where, "duplicate measure code")
        check_measure(m, where)
        measures[m["code"]] = m
    return measures


# ---------------------------------------------------------------------------------- thresholds


def check_scope(t: dict, where: str) -> None:
    scope, value = t["scope"], t["scope_value"]
    if scope not in SCOPES:
        error(where, f"scope {scope!r} not one of {sorted(SCOPES)}")
    elif scope == "national" and value:
        error(where, "national scope with a scope_value")
    elif scope == "class" and value not in REGIONS:
        error(where, f"class scope_value {value!r} is not a region code")
    elif scope == "province" and not (len(value) == 2 and value.isdigit()):
        error(where, f"province scope_value {value!r} is not a 2-digit code")


def check_years(t: dict, where: str) -> None:
    first, last = t.get("first_year"), t.get("last_year")
    if not (optional_year(first) and optional_year(last)):
        error(where, "first_year/last_year must be integers or null")
    elif first is not None and last is not None and last < first:
        error(where, f"years out of order: {first}-{last}")


def check_value(t: dict, value_type: str, where: str) -> None:
    if t.get("relative_to") is not None:
        if t.get("value") is not None:
            error(where, "relative threshold with a value")
        if decimal(t.get("factor")) is None:
            error(where, f"factor {t.get('factor')!r} is not a decimal string")
        return
    if t.get("factor") is not None:
        error(where, "factor without relative_to")
    number = decimal(t.get("value"))
    if number is None:
        error(where, f"value {t.get('value')!r} is not a decimal string")
    elif value_type == "percent" and not 0 <= number <= 100:
        error(where, f"percent value {number} outside 0-100")


def check_policy(t: dict, where: str) -> None:
    if t["verified"] and "confirmed" not in t["source"].lower():
        error(where, "verified threshold whose source does not say 'confirmed'")


def check_threshold(t: dict, value_type: str, where: str) -> None:
    if not has_keys(t, THRESHOLD_KEYS, where):
        return
    needs_source(t, where)
    check_scope(t, where)
    check_years(t, where)
    check_value(t, value_type, where)
    check_policy(t, where)


# ---------------------------------------------------------------------------------- indicators


def check_indicator(ind: dict, measures: dict, where: str) -> None:
    needs_source(ind, where)
    measure = measures.get(ind["measure"])
    if measure is None:
        error(where, f"unknown measure {ind['measure']!r}")
        return
    comparison, value_type = ind["comparison"], measure["value_type"]
    if comparison not in COMPARISONS:
        error(where, f"comparison {comparison!r} not one of {sorted(COMPARISONS)}")
    elif comparison == "true":
        if value_type != "bool":
            error(where, "'true' comparison on a measure that is not bool")
        if ind["thresholds"]:
            error(where, "'true' comparison with thresholds")
    elif value_type == "bool":
        error(where, f"numeric comparison {comparison!r} on a bool measure")
    for j, t in enumerate(ind["thresholds"]):
        check_threshold(t, value_type, f"{where} threshold[{j}]")


def check_criterion(c: dict, level_codes: set, where: str) -> None:
    needs_source(c, where)
    if c["group"] not in GROUPS:
        error(where, f"group {c['group']!r} not one of {sorted(GROUPS)}")
    required = c.get("requires_level", "absent")
    if required == "absent":
        error(where, "'requires_level' missing (use null)")
    elif required is None and not c["indicators"]:
        error(where, "no indicators and no requires_level (it could never be judged)")
    elif required is not None and (required not in level_codes or c["indicators"]):
        error(where, f"requires_level {required!r}: must name a level and have no indicators")


def walk_level(level: dict, where: str):
    """Yield (criterion, indicator, where) for each well-formed indicator of a level."""
    for i, c in enumerate(level["criteria"]):
        if not has_keys(c, CRITERION_KEYS, f"{where} criteria[{i}]"):
            continue
        for j, ind in enumerate(c["indicators"]):
            here = f"{where} criterion {c['number']} indicators[{j}]"
            if has_keys(ind, INDICATOR_KEYS, here):
                yield c, ind, f"{where} indicator {ind['code']}"


# ---------------------------------------------------------------------------------- levels


def check_level(level: dict, measures: dict, level_codes: set, where: str) -> dict[str, dict]:
    """Check one level; return its indicators by code."""
    numbers = [c.get("number") for c in level["criteria"] if isinstance(c, dict)]
    for number in {n for n in numbers if numbers.count(n) > 1}:
        error(where, f"duplicate criterion number {number!r}")
    for i, c in enumerate(level["criteria"]):
        if has_keys(c, CRITERION_KEYS, f"{where} criteria[{i}]"):
            check_criterion(c, level_codes - {level["code"]}, f"{where} criterion {c['number']}")
    indicators: dict[str, dict] = {}
    for _, ind, here in walk_level(level, where):
        if ind["code"] in indicators:
            error(here, "duplicate indicator code in this level")
        indicators[ind["code"]] = ind
        check_indicator(ind, measures, here)
    return indicators


def check_expected_sizes(level: dict, indicators: dict, where: str) -> None:
    expected = EXPECTED.get(level["code"])
    if expected is None:
        return
    n_criteria, n_indicators = expected
    if len(level["criteria"]) != n_criteria:
        error(where, f"{len(level['criteria'])} criteria, expected {n_criteria}")
    if level["code"] == "standard" and len(indicators) != n_indicators:
        error(where, f"{len(indicators)} indicators, expected {n_indicators} (confirmed count)")
    if n_indicators is not None and len(indicators) > n_indicators:
        error(where, f"{len(indicators)} indicators, more than the official {n_indicators}")


def check_relative(indicators: dict) -> None:
    """Every relative threshold points to an existing numeric indicator of the same measure."""
    for level_code, by_code in indicators.items():
        for code, ind in by_code.items():
            for j, t in enumerate(ind["thresholds"]):
                target = t.get("relative_to") if isinstance(t, dict) else None
                if target is not None:
                    check_target(target, ind, indicators, f"{level_code} {code} threshold[{j}]")


def check_target(target: object, ind: dict, indicators: dict, where: str) -> None:
    if not (isinstance(target, list) and len(target) == 2):
        error(where, "relative_to must be [level code, indicator code]")
        return
    referenced = indicators.get(target[0], {}).get(target[1])
    if referenced is None:
        error(where, f"relative_to {target} names no indicator")
    elif referenced["comparison"] not in (">=", "<=", "=="):
        error(where, f"relative_to {target} is not a numeric indicator")
    elif referenced["measure"] != ind["measure"]:
        error(where, f"relative_to {target} judges another measure")


# ---------------------------------------------------------------------------------- document


def check_document(doc: dict) -> tuple[dict, dict]:
    """Return (measures by code, {level code: {indicator code: indicator}})."""
    if not has_keys(doc, TOP_KEYS, "top level"):
        return {}, {}
    measures = load_measures(doc)
    levels = [lv for i, lv in enumerate(doc["levels"]) if has_keys(lv, LEVEL_KEYS, f"levels[{i}]")]
    ranks = [lv["rank"] for lv in levels]
    codes = {lv["code"] for lv in levels}
    if len(set(ranks)) != len(ranks):
        error("levels", f"ranks not unique: {ranks}")
    if len(codes) != len(levels):
        error("levels", "level codes not unique")
    indicators = {}
    for lv in levels:
        where = f"level {lv['code']}"
        indicators[lv["code"]] = check_level(lv, measures, codes, where)
        check_expected_sizes(lv, indicators[lv["code"]], where)
    check_relative(indicators)
    used = {ind["measure"] for by_code in indicators.values() for ind in by_code.values()}
    for code in sorted(set(measures) - used):
        error(f"measure {code}", "not used by any indicator")
    return measures, indicators


# ---------------------------------------------------------------------------------- summary


def summarise(doc: dict, measures: dict, indicators: dict) -> None:
    years = f"{doc.get('first_year')}-{doc.get('last_year')}"
    print(f"{doc.get('code')}: {doc.get('name_en')} ({years})")
    for level in doc.get("levels", []):
        by_code = indicators.get(level.get("code"), {})
        official = EXPECTED.get(level.get("code"), (None, None))[1]
        of = f" of {official}" if official else ""
        numeric = [i for i in by_code.values() if i["comparison"] != "true"]
        unconfigured = sum(1 for i in numeric if not i["thresholds"])
        print(
            f"  level {level.get('code')} (rank {level.get('rank')}): "
            f"{len(level.get('criteria', []))} criteria, {len(by_code)}{of} indicators "
            f"({sum(1 for i in by_code.values() if i['verified'])} verified); "
            f"{len(numeric)} numeric, {unconfigured} with no threshold (unconfigured)"
        )
    entered = sum(1 for m in measures.values() if m["source"] == "entered")
    print(f"  measures: {len(measures)} ({entered} entered, {len(measures) - entered} derived)")
    thresholds = [
        t
        for by_code in indicators.values()
        for i in by_code.values()
        for t in i["thresholds"]
        if isinstance(t, dict)
    ]
    verified = sum(1 for t in thresholds if t.get("verified") is True)
    print(
        f"  thresholds: {len(thresholds)} ({verified} verified, "
        f"{len(thresholds) - verified} unverified); by scope: {scope_counts(thresholds)}"
    )


def scope_counts(thresholds: list[dict]) -> str:
    counts: dict[str, int] = {}
    for t in thresholds:
        counts[t.get("scope")] = counts.get(t.get("scope"), 0) + 1
    return ", ".join(f"{scope} {n}" for scope, n in sorted(counts.items())) or "none"


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        print(f"ERROR {path}: {exc}")
        return 1
    if not isinstance(doc, dict):
        print(f"ERROR {path}: the top level is not an object")
        return 1
    measures, indicators = check_document(doc)
    print(f"{path}")
    summarise(doc, measures, indicators)
    for message in errors:
        print(f"ERROR {message}")
    print(f"{len(errors)} error(s)" if errors else "OK")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
