#!/usr/bin/env python3
"""Write the files that resolve what the conversion table of 1 July 2025 leaves unmatched
against the loaded unit lists, each line with its reason, for review before commit:

    fixtures/lineage/new-codes.csv  table_code,code,reason
        The table (published with the government's draft decision) gives 114 new units a code
        that the loaded 2025 list (vietnam-provinces 2025.10.1) does not have, and 9 a code
        that the list gives to another unit of the same province. Each is recoded to the list's
        unit of the same province with the same name (names compared with diacritics, spaces,
        dashes and apostrophes folded); the script stops if a name is missing or ambiguous.
        Names are used here, once, offline; the loader matches codes only.

    fixtures/lineage/fixes.csv  old_code,new_code,action,reason
        Old codes the January 2025 list (vietnam-provinces 0.6.0) does not have, and units of
        that list the table does not name: the merger wave of the first half of 2025. Each is
        skipped with the reason the domain notes give; no successor is guessed.

Usage: python scripts/build_lineage_fixes.py   (from the project's root, any Python 3.11)
"""

import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from communes.conversion_table import (  # noqa: E402  (after the path is set)
    FIXES_COLUMNS,
    NEW_CODES_COLUMNS,
    clean_name,
    read_table,
)
from communes.text import fold  # noqa: E402

LINEAGE = ROOT / "fixtures" / "lineage"
UNITS = ROOT / "fixtures" / "admin_units"
MERGED_EARLY_2025 = (
    "merged in the first half of 2025, before the conversion table; successor not in the table"
)
NOT_IN_JANUARY_LIST = (
    "merged in the first half of 2025, before the conversion table; this code is not in the "
    "January 2025 list (vietnam-provinces 0.6.0), so there is no old unit to link"
)


def communes(structure: str) -> dict[str, dict]:
    with (UNITS / structure / "communes.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def key(name: str, province: str) -> tuple[str, str]:
    return fold(clean_name(name)), province


def new_codes(rows, listed: dict[str, dict]) -> list[dict]:
    by_name = defaultdict(list)
    for code, unit in listed.items():
        by_name[key(unit["name"], unit["province_code"])].append(code)
    units = {row.new_code: row for row in rows}
    out = []
    for code, row in sorted(units.items()):
        found = by_name.get(key(row.new_name, row.new_province_code), [])
        if code in found:
            continue
        if len(found) != 1:
            raise SystemExit(f"{code} {row.new_name} ({row.new_province_code}): found {found}")
        target = listed[found[0]]
        if code in listed:
            why = f"which the list gives to {listed[code]['name']}"
        else:
            why = "which the list does not have"
        out.append(
            {
                "table_code": code,
                "code": found[0],
                "reason": (
                    f"the table gives {row.new_name} (province {row.new_province_code}) the code "
                    f"{code}, {why}; the list's {target['name']} of province "
                    f"{target['province_code']} is {found[0]}"
                ),
            }
        )
    return out


def fixes(rows, old: dict[str, dict]) -> list[dict]:
    named = {row.old_code for row in rows if row.old_code}
    out = [
        {"old_code": code, "new_code": "", "action": "skip", "reason": NOT_IN_JANUARY_LIST}
        for code in sorted(named - set(old))
    ]
    out += [
        {"old_code": code, "new_code": "", "action": "skip", "reason": MERGED_EARLY_2025}
        for code in sorted(set(old) - named)
    ]
    return sorted(out, key=lambda fix: fix["old_code"])


def write(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path.relative_to(ROOT)}: {len(rows)} rows")


def main() -> None:
    rows = read_table(LINEAGE / "2025-07-01.csv")
    write(LINEAGE / "new-codes.csv", NEW_CODES_COLUMNS, new_codes(rows, communes("2025")))
    write(LINEAGE / "fixes.csv", FIXES_COLUMNS, fixes(rows, communes("2021")))


if __name__ == "__main__":
    main()
