#!/usr/bin/env python3
"""Build fixtures/admin_units/<structure>/ from a release of the PyPI package vietnam-provinces.

The package publishes the statistics office's unit list: release 0.6.0 holds the structure in
force until 30 June 2025, the 2025.x releases the merged structure since 1 July 2025. One
environment cannot install both, so this script downloads the wheel with pip into a temporary
folder, reads its JSON without installing it, and writes compact CSV files:

    provinces.csv  code,name,kind
    districts.csv  code,name,kind,province_code
    communes.csv   code,name,kind,province_code,district_code
    meta.json      release, validity dates, counts, wheel checksum

Usage: python scripts/build_admin_units.py 0.6.0
       python scripts/build_admin_units.py 2025.10.1
Standard library only, so that it runs with any Python 3.11.
"""

import argparse
import csv
import hashlib
import json
import tempfile
import zipfile
from pathlib import Path

from wheels import download  # scripts/wheels.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "vietnam-provinces"
DATA_FILE = "vietnam_provinces/data/nested-divisions.json"

# Which structure each known release describes, and when that structure was in force.
# The package gives no start date for the pre-2025 units, so valid_from stays empty there.
# kinds_as_of: the day each unit's kind is true on. 0.6.0 is the list of January 2025 (its
# day unknown: taken as 1 January 2025); 2025.10.1's kinds are those of 1 July 2025 (2,621
# xã, 687 phường, 13 đặc khu, as published for that day). Kind changes dated after this day
# start from the listed kind; those dated on or before it lead to it.
RELEASES = {
    "0.6.0": {
        "structure": "2021",
        "valid_from": None,
        "valid_to": "2025-06-30",
        "kinds_as_of": "2025-01-01",
    },
    "2025.10.1": {
        "structure": "2025",
        "valid_from": "2025-07-01",
        "valid_to": None,
        "kinds_as_of": "2025-07-01",
    },
}

# Longest prefixes first: "Thành phố" must not be read as "Thị ...".
PREFIXES = {
    "province": [("Thành phố ", "thanh_pho"), ("Tỉnh ", "tinh")],
    "district": [
        ("Thành phố ", "thanh_pho"),
        ("Thị xã ", "thi_xa"),
        ("Quận ", "quan"),
        ("Huyện ", "huyen"),
    ],
    "commune": [
        ("Thị trấn ", "thi_tran"),
        ("Phường ", "phuong"),
        ("Đặc khu ", "dac_khu"),
        ("Xã ", "xa"),
    ],
}
WIDTH = {"province": 2, "district": 3, "commune": 5}


def kind_of(level: str, name: str) -> str:
    """The kind from the name's prefix: the package's own division_type is wrong in 0.6.0."""
    for prefix, kind in PREFIXES[level]:
        if name.casefold().startswith(prefix.casefold()):  # the data has "Thành Phố" too
            return kind
    if level == "province":
        return "tinh"  # the 2025 releases name provinces without "Tỉnh"
    raise ValueError(f"cannot tell the kind of {level} {name!r} from its name")


def read_wheel(wheel: Path) -> list[dict]:
    with zipfile.ZipFile(wheel) as archive:
        return json.loads(archive.read(DATA_FILE))


def unit(level: str, raw: dict) -> dict:
    return {
        "code": str(raw["code"]).zfill(WIDTH[level]),
        "name": raw["name"].strip(),
        "kind": kind_of(level, raw["name"].strip()),
    }


def flatten(provinces: list[dict]) -> tuple[list, list, list]:
    out_p, out_d, out_c = [], [], []
    for raw_p in provinces:
        province = unit("province", raw_p)
        out_p.append(province)
        # Until 2025 communes sit under districts; since then directly under provinces.
        for raw_d in raw_p.get("districts", []):
            district = unit("district", raw_d) | {"province_code": province["code"]}
            out_d.append(district)
            for raw_c in raw_d["wards"]:
                out_c.append(
                    unit("commune", raw_c)
                    | {"province_code": province["code"], "district_code": district["code"]}
                )
        for raw_c in raw_p.get("wards", []):
            out_c.append(
                unit("commune", raw_c) | {"province_code": province["code"], "district_code": ""}
            )
    return [sorted(rows, key=lambda r: r["code"]) for rows in (out_p, out_d, out_c)]


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def build(release: str, out_root: Path) -> Path:
    info = RELEASES.get(release)
    if info is None:
        raise SystemExit(f"unknown release {release}; known: {', '.join(RELEASES)}")
    with tempfile.TemporaryDirectory() as tmp:
        wheel = download(PACKAGE, release, Path(tmp))
        checksum = hashlib.sha256(wheel.read_bytes()).hexdigest()
        provinces, districts, communes = flatten(read_wheel(wheel))
    out = out_root / info["structure"]
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "provinces.csv", provinces, ["code", "name", "kind"])
    write_csv(out / "districts.csv", districts, ["code", "name", "kind", "province_code"])
    write_csv(
        out / "communes.csv", communes, ["code", "name", "kind", "province_code", "district_code"]
    )
    meta = info | {
        "package": PACKAGE,
        "release": release,
        "wheel_sha256": checksum,
        "counts": {
            "provinces": len(provinces),
            "districts": len(districts),
            "communes": len(communes),
        },
    }
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release", choices=sorted(RELEASES), help="vietnam-provinces release")
    parser.add_argument("--out", type=Path, default=ROOT / "fixtures" / "admin_units")
    args = parser.parse_args()
    out = build(args.release, args.out)
    print(f"wrote {out}: {json.loads((out / 'meta.json').read_text())['counts']}")


if __name__ == "__main__":
    main()
