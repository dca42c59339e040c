"""What the statistics keep of their own: the count of writes that tells a cached figure from a
stale one (stats.freshness)."""

from django.db import models


class DataChange(models.Model):
    """One committed write the statistics read (a statement), inserted by the PostgreSQL
    triggers of stats.freshness in the writing transaction, since the last compaction.
    Insert-only: a writer takes no lock another transaction could wait for. SQLite's triggers
    add to DataVersion directly."""

    id = models.BigAutoField(primary_key=True)

    class Meta:
        db_table = "stats_datachange"

    def __str__(self) -> str:
        return str(self.id)


class DataVersion(models.Model):
    """The writes compacted out of DataChange (on SQLite, every write): the version is ``n``
    plus DataChange's rows, a sum that never goes down."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    n = models.BigIntegerField(default=0)

    class Meta:
        db_table = "stats_dataversion"

    def __str__(self) -> str:
        return str(self.n)
