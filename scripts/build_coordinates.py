#!/usr/bin/env python3
"""Build fixtures/coordinates/<structure>.csv from a release of the PyPI package
vietnamadminunits (MIT), which ships a latitude and longitude for every commune-level unit of
both structures (table admin_units_legacy: the 63-province map until 30 June 2025, our
structure "2021"; table admin_units: the 34-province map since 1 July 2025, "2025").

The package's codes are the statistics office's, but not always those of our unit lists
(fixtures/admin_units/, from vietnam-provinces): it swaps some codes of the 2025 map and
knows a few newer or older units. So each of our units is matched to a row of the source:

1. the same code, in the same province (and, on the 2021 map, the same district), with the
   same name once folded (no diacritics, no unit prefix, no punctuation or spaces);
2. else the only row of its province (2021: district) with that folded name, whatever its code;
3. else the same code, same province and district, and a name spelt differently but alike
   (similarity >= SPELLING_SIMILARITY: "Xã Xà Phìn" / "Xã Sà Phìn", "Xã Quí Quân" / "Xã Quý
   Quân"), when no other unit of ours carries the source's name there;
4. else the unit has no coordinates. Nothing is ever guessed.

A source row serves one unit at most. A point the source gives its district or province
(the geocoder fell back to the parent's centre), or gives several units at once, is not the
unit's own: those units stay without coordinates too. The coordinates are written as the
source has them (at most 6 decimals).

Output: fixtures/coordinates/2021.csv and 2025.csv (code,latitude,longitude, sorted by code)
and fixtures/coordinates/README.md (source, matching, coverage, units left without).

Usage: python scripts/build_coordinates.py [VERSION]   (default: the pinned 1.0.4)
Standard library only, so that it runs with any Python 3.11.
"""

import argparse
import csv
import difflib
import hashlib
import math
import re
import sqlite3
import tempfile
import unicodedata
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from wheels import download  # scripts/wheels.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "vietnamadminunits"
PINNED = "1.0.4"
DATA_FILE = "vietnamadminunits/data/dataset.db"
UNITS_DIR = ROOT / "fixtures" / "admin_units"
OUT_DIR = ROOT / "fixtures" / "coordinates"
SPELLING_SIMILARITY = 0.7
LINEAGE_FILE = ROOT / "fixtures" / "lineage" / "2025-07-01.csv"
FAR_KM = 50  # a new unit's point this far from every unit it was formed from is a wrong geocode

# structure -> (table, its district code column or None, its parents' point columns)
TABLES = {
    "2021": (
        "admin_units_legacy",
        "districtCode",
        [("districtLat", "districtLon"), ("provinceLat", "provinceLon")],
    ),
    "2025": ("admin_units", None, [("provinceLat", "provinceLon")]),
}
PREFIX = re.compile(r"^(xa|phuong|thi tran|dac khu) ")
ABBREVIATIONS = [(re.compile(r"^n\.? ?t "), "nong truong ")]  # "Thị trấn NT Mộc Châu"


def fold(name: str) -> str:
    """'Thị trấn NT Phong Hải' -> 'nongtruongphonghai': what two spellings must share."""
    text = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"\s+", " ", re.sub(r"[-–'’.,]", " ", text)).strip()
    text = PREFIX.sub("", text)
    for pattern, replacement in ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    return text.replace(" ", "")


def read_source(database: Path, structure: str) -> list[dict]:
    table, district_column, parents = TABLES[structure]
    district = district_column or "NULL"
    parent_points = ", ".join(f"{lat}, {lon}" for lat, lon in parents)
    query = (
        f"SELECT wardCode, ward, provinceCode, {district}, wardLat, wardLon, {parent_points} "
        f"FROM {table} WHERE wardCode IS NOT NULL"
    )
    connection = sqlite3.connect(database)
    try:
        rows = []
        for code, name, province, district_code, lat, lon, *parent in connection.execute(query):
            rows.append(
                {
                    "code": code,
                    "name": name,
                    "province_code": province,
                    "district_code": district_code or "",
                    "point": (lat, lon) if lat is not None and lon is not None else None,
                    "parent_points": {(parent[i], parent[i + 1]) for i in range(0, len(parent), 2)},
                }
            )
        return rows
    finally:
        connection.close()


def read_units(structure: str) -> list[dict]:
    with (UNITS_DIR / structure / "communes.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Match:
    structure: str
    points: dict[str, tuple[float, float]] = field(default_factory=dict)
    how: Counter = field(default_factory=Counter)
    without: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # code, ours, source
    recoded: list[tuple[str, str, str]] = field(default_factory=list)  # ours, source, name
    matched_how: dict[str, str] = field(default_factory=dict)
    units: int = 0
    xa: int = 0  # rural communes, the programme's subjects
    source_rows: int = 0


def area(unit: dict, district_wise: bool) -> tuple[str, str]:
    return unit["province_code"], unit["district_code"] if district_wise else ""


def match(structure: str, units: list[dict], source: list[dict]) -> Match:
    result = Match(structure, units=len(units), source_rows=len(source))
    result.xa = sum(u["kind"] == "xa" for u in units)
    district_wise = TABLES[structure][1] is not None
    by_code = {row["code"]: row for row in source}
    by_name = defaultdict(list)
    for row in source:
        by_name[(area(row, district_wise), fold(row["name"]))].append(row)
    ours_by_name = Counter((area(u, district_wise), fold(u["name"])) for u in units)
    shared = Counter(row["point"] for row in source if row["point"])
    used: set[str] = set()

    def find(unit: dict) -> tuple[str, dict | None]:
        here, name = area(unit, district_wise), fold(unit["name"])
        row = by_code.get(unit["code"])
        same_place = row is not None and area(row, district_wise) == here
        if same_place and fold(row["name"]) == name:
            return "code and name", row
        named = [r for r in by_name.get((here, name), []) if r["code"] not in used]
        if len(named) == 1 and ours_by_name[(here, name)] == 1:
            return "name in its province" + (" and district" if district_wise else ""), named[0]
        if same_place and not ours_by_name[(here, fold(row["name"]))]:
            similarity = difflib.SequenceMatcher(None, name, fold(row["name"])).ratio()
            if similarity >= SPELLING_SIMILARITY:
                return "code, name spelt differently", row
        return "", None

    # Exact matches first, so that a looser match never takes a row an exact one needs.
    exact = {u["code"] for u in units if find(u)[0] == "code and name"}
    used.update(exact)
    for unit in sorted(units, key=lambda u: (u["code"] not in exact, u["code"])):
        how, row = find(unit)
        if row is None:
            result.without["not in the source (no row with its code and name)"].append(unit)
            continue
        if row["code"] in used and unit["code"] not in exact:
            result.without["its source row already serves another unit"].append(unit)
            continue
        used.add(row["code"])
        if row["point"] is None:
            result.without["the source row has no point"].append(unit)
        elif row["point"] in row["parent_points"]:
            result.without["the source gives it its district's or province's point"].append(unit)
        elif shared[row["point"]] > 1:
            result.without["the source gives the same point to several units"].append(unit)
        else:
            result.points[unit["code"]] = row["point"]
            result.how[how] += 1
            result.matched_how[unit["code"]] = how
            if how.startswith("code, name"):
                result.renamed.append((unit["code"], unit["name"], row["name"]))
            elif how.startswith("name in"):
                result.recoded.append((unit["code"], row["code"], unit["name"]))
    return result


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance on the ground, near enough at this scale (equirectangular)."""
    dy = (a[0] - b[0]) * 111.2
    dx = (a[1] - b[1]) * 111.2 * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(dx, dy)


def drop_far_from_predecessors(new: Match, old: Match, units: list[dict]) -> None:
    """A 2025 unit's point farther than FAR_KM from the points of every 2021 unit it was
    formed from (the government's conversion table, fixtures/lineage/) is the geocoder's
    mistake (a namesake elsewhere): the unit is left without coordinates."""
    with LINEAGE_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[2:]  # two header lines
    formed_from = defaultdict(set)
    for row in rows:
        if len(row) > 4 and row[2].strip().isdigit() and row[4].strip().isdigit():
            formed_from[row[2].strip().zfill(5)].add(row[4].strip().zfill(5))
    by_code = {u["code"]: u for u in units}
    for code, point in list(new.points.items()):
        distances = [km(point, old.points[c]) for c in formed_from[code] if c in old.points]
        if distances and min(distances) > FAR_KM:
            del new.points[code]
            new.how[new.matched_how.pop(code)] -= 1
            reason = f"the source's point is over {FAR_KM} km from every unit it was formed from"
            new.without[reason].append(by_code[code])


def number(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text


def write_csv(path: Path, points: dict[str, tuple[float, float]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "latitude", "longitude"])
        for code in sorted(points):
            latitude, longitude = points[code]
            writer.writerow([code, number(latitude), number(longitude)])


KIND_LABEL = {"xa": "xã", "phuong": "phường", "thi_tran": "thị trấn", "dac_khu": "đặc khu"}


def readme(version: str, checksum: str, results: list[Match]) -> str:
    lines = [
        "# Coordinates of the commune-level units",
        "",
        "Generated by `python scripts/build_coordinates.py "
        f"{version}`; do not edit by hand, re-run the script.",
        "",
        "## Source",
        "",
        f"- PyPI package `{PACKAGE}` {version} (licence MIT, "
        "https://github.com/tranngocminhhieu/vietnamadminunits), wheel sha256 "
        f"`{checksum}`.",
        f"- Taken from its SQLite file `{DATA_FILE}`: `wardCode`, `ward`, `wardLat`, `wardLon`",
        "  (and the province, district and their points, to match and to check) of table",
        "  `admin_units_legacy` for the structure until 30 June 2025 (`2021.csv`) and of table",
        "  `admin_units` for the structure since 1 July 2025 (`2025.csv`).",
        "- One point per unit (its centre as the package geocoded it), in WGS 84 degrees, as the",
        "  source has them (at most 6 decimals). Columns: `code,latitude,longitude`, sorted by",
        "  code; codes are those of `fixtures/admin_units/<structure>/communes.csv`.",
        "",
        "## How codes were matched",
        "",
        "The package's codes are the statistics office's but not always those of our unit lists",
        "(it swaps some codes of the 2025 map, and knows a few newer or older units). Each of our",
        "units takes the point of the source row with its code, in the same province (2021: same",
        "district), and the same name once folded (no diacritics, prefix, punctuation or spaces);",
        "else of the only row of its province (2021: district) with that folded name; else of",
        "the row with its code whose name is spelt differently but alike (similarity >= "
        f"{SPELLING_SIMILARITY}),",
        "when no other unit of ours has the source's name there. Otherwise it has no point: none",
        "is guessed. A point the source gives the unit's district or province (a geocoder's",
        "fallback) or several units at once is not the unit's own and is left out; so is a",
        f"2025 unit's point more than {FAR_KM} km from the points of all the 2021 units it was",
        "formed from (`fixtures/lineage/2025-07-01.csv`): the geocoder found a namesake.",
        "",
        "## Coverage",
        "",
        "| structure | units | with a point | share | xã with a point | code+name | other | none |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        exact = r.how["code and name"]
        others = sum(r.how.values()) - exact
        without = r.units - len(r.points)
        xa_without = sum(u["kind"] == "xa" for units in r.without.values() for u in units)
        xa = f"{r.xa - xa_without} of {r.xa}"
        lines.append(
            f"| {r.structure} | {r.units} | {len(r.points)} | "
            f"{len(r.points) / r.units:.2%} | {xa} | {exact} | {others} | {without} |"
        )
    for r in results:
        lines += ["", f"### Structure {r.structure}", ""]
        for how, count in sorted(r.how.items()):
            lines.append(f"- matched by {how}: {count}")
        if r.recoded:
            lines += ["", "Matched by name, the source giving another code (ours → source):", ""]
            lines += [
                f"- {ours} → {theirs} {name}"
                for ours, theirs, name in r.recoded
                if ours in r.points
            ]
        if r.renamed:
            lines += ["", "Matched by code, the source spelling the name differently:", ""]
            lines += [
                f"- {code} {ours} (source: {theirs})"
                for code, ours, theirs in r.renamed
                if code in r.points
            ]
        lines += ["", "Without coordinates:", ""]
        for reason, units in sorted(r.without.items()):
            kinds = Counter(KIND_LABEL[u["kind"]] for u in units)
            summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
            lines.append(f"- {reason}: {len(units)} ({summary})")
            lines.append("")
            lines.append("  " + "; ".join(f"{u['code']} {u['name']}" for u in units))
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def build(version: str, out: Path) -> list[Match]:
    with tempfile.TemporaryDirectory() as tmp:
        wheel = download(PACKAGE, version, Path(tmp))
        checksum = hashlib.sha256(wheel.read_bytes()).hexdigest()
        with zipfile.ZipFile(wheel) as archive:
            archive.extract(DATA_FILE, tmp)
        database = Path(tmp) / DATA_FILE
        units = {structure: read_units(structure) for structure in TABLES}
        results = [
            match(structure, units[structure], read_source(database, structure))
            for structure in TABLES
        ]
    drop_far_from_predecessors(results[1], results[0], units["2025"])
    out.mkdir(parents=True, exist_ok=True)
    for result in results:
        write_csv(out / f"{result.structure}.csv", result.points)
    (out / "README.md").write_text(readme(version, checksum, results), encoding="utf-8")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", nargs="?", default=PINNED, help=f"{PACKAGE} release")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args()
    for r in build(args.version, args.out):
        print(
            f"{r.structure}: {len(r.points)} of {r.units} units with coordinates "
            f"({len(r.points) / r.units:.2%}); {dict(r.how)}"
        )


if __name__ == "__main__":
    main()
