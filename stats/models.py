"""What the statistics keep of their own: the counters that tell a cached figure from a stale
one (stats.freshness)."""

from django.db import models


class DataVersion(models.Model):
    """How many committed writes a province's statistics have seen, bumped by the triggers of
    stats.freshness in the same transaction as the write. Province 0: what every province's
    figures read (the ladder, the lineage, the units). A plain integer, not a foreign key: a
    province removed keeps its count, and the sum never goes down."""

    province_id = models.IntegerField(primary_key=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        db_table = "stats_dataversion"

    def __str__(self) -> str:
        return f"{self.province_id}: {self.n}"
