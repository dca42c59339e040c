"""Loading the official lists of administrative units.

The lists live in fixtures/admin_units/<structure>/ (built by scripts/build_admin_units.py
from the vietnam-provinces package); each commune's point for the map, where known, in
fixtures/coordinates/<structure>.csv (built by scripts/build_coordinates.py from the
vietnamadminunits package). Loading validates every row first, then writes each level with
bulk operations in one transaction, so a bad file changes nothing.
"""

import csv
import datetime
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import transaction

from communes.models import AdminUnit, Commune, District, Province, Region
from communes.text import fold, sort_key

ADMIN_UNITS_DIR = Path(settings.BASE_DIR) / "fixtures" / "admin_units"
REGIONS_FILE = Path(settings.BASE_DIR) / "fixtures" / "regions.json"
COORDINATES_DIR = Path(settings.BASE_DIR) / "fixtures" / "coordinates"
COORDINATE_COLUMNS = ["code", "latitude", "longitude"]
# Where a point of Vietnam may lie (latitude, longitude ranges in degrees): the mainland with
# its coastal islands, and the Hoàng Sa and Trường Sa archipelagos (special zones since
# 1 July 2025), which lie east of the mainland's 110th meridian.
VIETNAM_BOXES = {
    "the mainland and its coastal islands": ((8, 24), (102, 110)),
    "the Hoàng Sa archipelago": ((15, 18), (110, 113)),
    "the Trường Sa archipelago": ((6, 12.5), (111, 118)),
}
BATCH = 1000
MAX_ERRORS = 20


class SourceError(ValueError):
    """The unit files are unreadable or inconsistent; the message says where and why."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class LoadReport:
    structure: str
    levels: dict[str, Counts] = field(default_factory=dict)


@dataclass
class Source:
    """The validated rows of one structure, restricted to the requested provinces."""

    structure: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    kinds_as_of: datetime.date | None  # the day the listed kinds are true on
    provinces: list[dict]
    districts: list[dict]
    communes: list[dict]
    # Commune code -> (latitude, longitude); None when the structure has no coordinates file.
    coordinates: dict[str, tuple[Decimal, Decimal]] | None = None


LEVELS = {
    "provinces": (Province, 2, ["code", "name", "kind"]),
    "districts": (District, 3, ["code", "name", "kind", "province_code"]),
    "communes": (Commune, 5, ["code", "name", "kind", "province_code", "district_code"]),
}


def available_structures(root: Path = ADMIN_UNITS_DIR) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / "meta.json").exists())


def _date(raw: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(raw) if raw else None


def _read_level(folder: Path, level: str, errors: list[str]) -> list[dict]:
    model, width, columns = LEVELS[level]
    path = folder / f"{level}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != columns:
            raise SourceError(f"{path.name}: columns must be {','.join(columns)}")
        rows = list(reader)
    kinds = {value for value, _label in model.Kind.choices}
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        problem = _row_problem(row, width, kinds, seen)
        if problem:
            errors.append(f"{path.name} line {line}: {problem}")
        seen.add(row["code"])
    return rows


def _row_problem(row: dict, width: int, kinds: set[str], seen: set[str]) -> str:
    code, name = row["code"], row["name"].strip()
    if not (code.isdigit() and len(code) == width):
        return f"code {code!r} must be {width} digits"
    if code in seen:
        return f"code {code} appears twice"
    if not name or len(name) > 100:
        return f"name of {code} must have 1 to 100 characters"
    if row["kind"] not in kinds:
        return f"kind {row['kind']!r} of {code} is not one of {', '.join(sorted(kinds))}"
    return ""


def _check_parents(provinces: list, districts: list, communes: list, errors: list) -> None:
    province_codes = {p["code"] for p in provinces}
    district_province = {d["code"]: d["province_code"] for d in districts}
    for d in districts:
        if d["province_code"] not in province_codes:
            errors.append(
                f"districts.csv: district {d['code']} names unknown province {d['province_code']}"
            )
    for c in communes:
        if c["province_code"] not in province_codes:
            errors.append(
                f"communes.csv: commune {c['code']} names unknown province {c['province_code']}"
            )
        elif c["district_code"] and district_province.get(c["district_code"]) != c["province_code"]:
            errors.append(
                f"communes.csv: commune {c['code']} names district "
                f"{c['district_code']}, which is not in province {c['province_code']}"
            )


def in_vietnam(latitude: Decimal, longitude: Decimal) -> bool:
    return any(
        south <= latitude <= north and west <= longitude <= east
        for (south, north), (west, east) in VIETNAM_BOXES.values()
    )


def _degrees(raw: str) -> Decimal | None:
    """A coordinate with at most 6 decimals, else None."""
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value.as_tuple().exponent < -6:
        return None
    return value


def _coordinate_problem(row: dict, communes: set[str], seen: set[str]) -> str:
    code = row["code"]
    if code not in communes:
        return f"code {code!r} is not a commune of this structure"
    if code in seen:
        return f"code {code} appears twice"
    latitude, longitude = _degrees(row["latitude"] or ""), _degrees(row["longitude"] or "")
    if latitude is None or longitude is None:
        return (
            f"commune {code}: latitude {row['latitude']!r} and longitude {row['longitude']!r} "
            "must be numbers of degrees with at most 6 decimals"
        )
    if not in_vietnam(latitude, longitude):
        return (
            f"commune {code}: the point {latitude}, {longitude} is outside Vietnam "
            f"({'; '.join(VIETNAM_BOXES)})"
        )
    return ""


def read_coordinates(
    path: Path, communes: Collection[str], errors: list[str]
) -> dict[str, tuple[Decimal, Decimal]] | None:
    """The points of ``path`` (code,latitude,longitude) by commune code, or None without the
    file. A row that is not a known commune with a point inside Vietnam goes into ``errors``."""
    if not path.exists():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COORDINATE_COLUMNS:
            raise SourceError(f"{path.name}: columns must be {','.join(COORDINATE_COLUMNS)}")
        rows = list(reader)
    known, seen, points = set(communes), set(), {}
    for line, row in enumerate(rows, start=2):
        problem = _coordinate_problem(row, known, seen)
        if problem:
            errors.append(f"{path.name} line {line}: {problem}")
        else:
            points[row["code"]] = (_degrees(row["latitude"]), _degrees(row["longitude"]))
        seen.add(row["code"])
    return points


def read_source(
    structure: str,
    provinces: Collection[str] = (),
    root: Path = ADMIN_UNITS_DIR,
    coordinates_root: Path = COORDINATES_DIR,
) -> Source:
    folder = root / structure
    if not (folder / "meta.json").exists():
        have = ", ".join(available_structures(root)) or "none"
        raise SourceError(
            f"no administrative units for structure {structure!r} in {root} (available: {have})"
        )
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    errors: list[str] = []
    rows = {level: _read_level(folder, level, errors) for level in LEVELS}
    _check_parents(rows["provinces"], rows["districts"], rows["communes"], errors)
    coordinates = read_coordinates(
        coordinates_root / f"{structure}.csv", {c["code"] for c in rows["communes"]}, errors
    )
    unknown = sorted(set(provinces) - {p["code"] for p in rows["provinces"]})
    if unknown:
        errors.append(f"unknown province code(s) for structure {structure}: {', '.join(unknown)}")
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        raise SourceError("; ".join(errors[:MAX_ERRORS]) + more)
    wanted = set(provinces) or {p["code"] for p in rows["provinces"]}
    return Source(
        structure=structure,
        valid_from=_date(meta.get("valid_from")),
        valid_to=_date(meta.get("valid_to")),
        kinds_as_of=_date(meta.get("kinds_as_of")),
        provinces=[p for p in rows["provinces"] if p["code"] in wanted],
        districts=[d for d in rows["districts"] if d["province_code"] in wanted],
        communes=[c for c in rows["communes"] if c["province_code"] in wanted],
        coordinates=coordinates,
    )


def _upsert(model: type[AdminUnit], structure: str, wanted: dict[str, dict]) -> Counts:
    """Create missing units and update changed ones; `wanted` maps code to field values."""
    # One query for the whole structure: an IN list of 10,000 codes would break SQLite's limit.
    existing = {u.code: u for u in model.objects.filter(structure=structure)}
    counts, new, changed = Counts(), [], []
    for code, values in wanted.items():
        unit = existing.get(code)
        if unit is None:
            new.append(model(structure=structure, code=code, **values))
        elif any(getattr(unit, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(unit, name, value)
            changed.append(unit)
    model.objects.bulk_create(new, batch_size=BATCH)
    if changed:
        model.objects.bulk_update(changed, list(next(iter(wanted.values()))), batch_size=BATCH)
    counts.created, counts.updated = len(new), len(changed)
    counts.unchanged = len(wanted) - len(new) - len(changed)
    return counts


def _ids(model: type[AdminUnit], structure: str) -> dict[str, int]:
    return dict(model.objects.filter(structure=structure).values_list("code", "pk"))


def _unit_values(row: dict, source: Source) -> dict:
    return {
        "name": row["name"].strip(),
        "search_key": fold(row["name"]),
        "sort_key": sort_key(row["name"]),
        "kind": row["kind"],
        "valid_from": source.valid_from,
        "valid_to": source.valid_to,
    }


def _commune_point(code: str, source: Source) -> dict:
    """The commune's latitude and longitude from the coordinates file (None where the file
    has no point: a point dropped from the file is cleared); nothing without a file."""
    if source.coordinates is None:
        return {}
    latitude, longitude = source.coordinates.get(code, (None, None))
    return {"latitude": latitude, "longitude": longitude}


def sync_regions(path: Path = REGIONS_FILE) -> tuple[Counts, dict[str, str], str]:
    """Load the regions; return the counts, province code -> region code, and the structure
    whose province codes the file uses."""
    data = json.loads(path.read_text(encoding="utf-8"))
    counts = Counts()
    for region in data["regions"]:
        values = {k: region[k] for k in ("name_vi", "name_en", "order")}
        obj, created = Region.objects.get_or_create(code=region["code"], defaults=values)
        if created:
            counts.created += 1
        elif any(getattr(obj, k) != v for k, v in values.items()):
            Region.objects.filter(pk=obj.pk).update(**values)
            counts.updated += 1
        else:
            counts.unchanged += 1
    by_province = {p: r["code"] for r in data["regions"] for p in r["provinces"]}
    return counts, by_province, data["structure"]


def _province_values(source: Source, region_of: dict[str, str]) -> dict[str, dict]:
    region_ids = dict(Region.objects.values_list("code", "pk"))
    current = dict(
        Province.objects.filter(structure=source.structure).values_list("code", "region_id")
    )
    wanted = {}
    for row in source.provinces:
        # The region is editable in admin: the file only fills it where it is still empty.
        region_id = current.get(row["code"]) or region_ids.get(region_of.get(row["code"], ""))
        wanted[row["code"]] = _unit_values(row, source) | {"region_id": region_id}
    return wanted


@transaction.atomic
def load_admin_units(
    *,
    structure: str,
    provinces: Collection[str] = (),
    root: Path = ADMIN_UNITS_DIR,
    regions_file: Path = REGIONS_FILE,
    coordinates_root: Path = COORDINATES_DIR,
) -> LoadReport:
    """Load one structure's units (optionally only some provinces) and, where
    ``coordinates_root`` has the structure's file, the communes' points; idempotently."""
    source = read_source(structure, provinces, root, coordinates_root)
    report = LoadReport(structure=structure)
    region_counts, region_of, region_structure = sync_regions(regions_file)
    report.levels["regions"] = region_counts
    if region_structure != structure:
        region_of = {}
    report.levels["provinces"] = _upsert(Province, structure, _province_values(source, region_of))
    province_ids = _ids(Province, structure)
    report.levels["districts"] = _upsert(
        District,
        structure,
        {
            d["code"]: _unit_values(d, source) | {"province_id": province_ids[d["province_code"]]}
            for d in source.districts
        },
    )
    district_ids = _ids(District, structure)
    report.levels["communes"] = _upsert(
        Commune,
        structure,
        {
            c["code"]: _unit_values(c, source)
            | {
                "kind_as_of": source.kinds_as_of,
                "province_id": province_ids[c["province_code"]],
                "district_id": district_ids.get(c["district_code"]),
            }
            | _commune_point(c["code"], source)
            for c in source.communes
        },
    )
    return report
