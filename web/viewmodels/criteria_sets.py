"""What the national office's criteria pages show: a set's indicators with their thresholds by
scope and years (and what is unconfigured or unverified), its editions, and a draft's grid."""

import hashlib
import json
from dataclasses import dataclass, field

from criteria import selectors
from criteria.models import CriteriaSet, Edition, Indicator, Level, Measure, Threshold
from criteria.services.editions import Draft, threshold_data


@dataclass
class IndicatorRow:
    indicator: Indicator
    thresholds: list[Threshold]

    @property
    def numeric(self) -> bool:
        return self.indicator.comparison != Indicator.Comparison.TRUE

    @property
    def unconfigured(self) -> bool:
        return self.numeric and not self.thresholds

    @property
    def unverified(self) -> int:
        return sum(1 for t in self.thresholds if not t.verified)


@dataclass
class SetPicture:
    criteria_set: CriteriaSet
    levels: list[tuple[Level, list[tuple[object, list[IndicatorRow]]]]]
    editions: list[Edition]
    draft: Edition | None
    rows: list[IndicatorRow] = field(default_factory=list)

    @property
    def numeric(self) -> int:
        return sum(1 for row in self.rows if row.numeric)

    @property
    def unconfigured(self) -> int:
        return sum(1 for row in self.rows if row.unconfigured)

    @property
    def unverified(self) -> int:
        return sum(row.unverified for row in self.rows)


def set_picture(criteria_set: CriteriaSet) -> SetPicture:
    """The set's ladder with every indicator and threshold (4 queries) and its editions."""
    levels = selectors.levels_with_rules(criteria_set)
    picture = SetPicture(criteria_set, [], _editions(criteria_set), None)
    for level in levels:
        criteria = []
        for criterion in level.criteria.all():
            rows = [IndicatorRow(i, list(i.thresholds.all())) for i in criterion.indicators.all()]
            picture.rows += rows
            criteria.append((criterion, rows))
        picture.levels.append((level, criteria))
    picture.draft = next((e for e in picture.editions if e.status == Edition.Status.DRAFT), None)
    return picture


def _editions(criteria_set: CriteriaSet) -> list[Edition]:
    editions = criteria_set.editions.exclude(status=Edition.Status.DISCARDED)
    return list(editions.select_related("published_by", "created_by").order_by("-published_at"))


def grid_choices(draft: Draft) -> dict:
    numeric = [
        (f"{level}:{code}", f"{level} · {code} {indicator.name_vi[:50]}")
        for (level, code), indicator in draft.indicators.items()
        if indicator.comparison != Indicator.Comparison.TRUE
    ]
    provinces = sorted(draft.provinces.values(), key=lambda p: p.name)
    return {
        "indicators": [("", "—"), *numeric],
        "classes": [("", "—"), *((c, c) for c in sorted(draft.allowed))],
        "provinces": [("", "—"), *((p.code, f"{p.code} {p.name}") for p in provinces)],
    }


def grid_initial(draft: Draft, level: str = "", code: str = "") -> list[dict]:
    """The thresholds as the draft would leave them (those already stored: a pending new one
    is changed by removing its change), for one indicator or all."""
    rows = []
    for (level_code, indicator_code), indicator in draft.indicators.items():
        if (level and level != level_code) or (code and code != indicator_code):
            continue
        for threshold in indicator.thresholds.all():
            if threshold.pk is not None and threshold.pk > 0:
                rows.append(_initial(threshold))
    return rows


def ordered_like(initial: list[dict], data) -> list[dict]:
    """The grid's initial lines in the order a posted grid lists their thresholds, so that
    each posted line is compared with the threshold it showed, whatever happened since."""
    by_id = {row["threshold_id"]: row for row in initial}
    count = data.get("rows-INITIAL_FORMS", "0")
    ordered = []
    for i in range(int(count) if count.isdigit() else 0):
        posted = data.get(f"rows-{i}-threshold_id", "")
        ordered.append(by_id.get(int(posted), {}) if posted.isdigit() else {})
    return ordered


def seen(data: dict) -> str:
    """A short fingerprint of a threshold as shown: a line posted with another one was
    changed by someone else in between."""
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _initial(threshold: Threshold) -> dict:
    data = threshold_data(threshold)
    relative = data["relative_indicator"]
    return {
        "seen": seen(data),
        "threshold_id": threshold.pk,
        "indicator": f"{data['level']}:{data['indicator']}",
        "scope": data["scope"],
        "class_value": data["class_value"],
        "province": data["province"],
        "first_year": "" if data["first_year"] is None else str(data["first_year"]),
        "last_year": "" if data["last_year"] is None else str(data["last_year"]),
        "value": data["value"],
        "relative": f"{data['relative_level']}:{relative}" if relative else "",
        "factor": data["factor"],
        "source": data["source"],
        "verified": data["verified"],
        "remove": False,
    }


def indicator_choices(draft: Draft) -> dict:
    """The lists of the new-indicator form: the set's levels, measure kinds, comparisons."""
    levels = sorted(draft.levels.values(), key=lambda level: level.rank)
    return {
        "levels": [(level.code, level.name_vi) for level in levels],
        "value_types": Measure.ValueType.choices,
        "comparisons": Indicator.Comparison.choices,
    }
