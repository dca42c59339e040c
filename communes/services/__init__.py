"""Write operations on administrative units, by topic: loading the official lists (units),
recording a unit's change of kind (kind_changes), loading the lineage of the 1 July 2025
reorganisation (lineage). The unit loader's names are re-exported here, where callers have
always imported them from."""

from communes.services.units import (
    ADMIN_UNITS_DIR,
    Counts,
    LoadReport,
    SourceError,
    available_structures,
    load_admin_units,
    read_source,
)

__all__ = [
    "ADMIN_UNITS_DIR",
    "Counts",
    "LoadReport",
    "SourceError",
    "available_structures",
    "load_admin_units",
    "read_source",
]
