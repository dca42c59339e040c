"""Statistics from the cache, never stale (stats.freshness): the second identical request is
answered from the cache for one query, and any committed write the statistics read, by any
path (the services, a bulk update, raw SQL), makes the next request count again."""

import datetime

import pytest
from django.db import connection, transaction

from communes.models import Commune
from criteria.models import Assessment
from criteria.services.recognitions import record_recognition, set_target
from stats import freshness
from stats.models import DataChange
from tests.criteria.builders import approved

pytestmark = pytest.mark.django_db
PROVINCE = "/api/v1/stats/provinces/74/"
NATIONAL = "/api/v1/stats/national/"


@pytest.fixture
def communes(db, bach_dang):
    rural = Commune.objects.rural().filter(structure="2021", province__code="74")
    return [bach_dang, *rural.exclude(pk=bach_dang.pk).order_by("code")[:2]]


@pytest.fixture
def year_2023(small_set, communes):
    approved(communes[0], {"income": 55, "irrigation": 85, "plan": True})
    return small_set


def _stats(client, url=PROVINCE):
    response = client.get(url, {"year": 2023})
    assert response.status_code == 200, response.json()
    return response.json()


def test_every_table_the_statistics_read_has_its_triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'stats_log_%'")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'stats_log_%'"
            )
        found = {row[0] for row in cursor.fetchall()}
    expected = {f"stats_log_{t}_{e}" for t in freshness.TABLES for e in freshness.EVENTS}
    expected |= {f"stats_log_{t}_upd" for t in freshness.COLUMNS}  # updates of some columns
    assert found == expected


def test_the_second_request_is_served_from_the_cache(client, year_2023, django_assert_num_queries):
    first = _stats(client)
    with django_assert_num_queries(1):  # the counters, nothing counted again
        assert _stats(client) == first
    national = _stats(client, NATIONAL)
    with django_assert_num_queries(1):
        assert _stats(client, NATIONAL) == national


def test_a_new_approval_is_counted_on_the_next_request(client, year_2023, communes):
    assert _stats(client)["assessed"] == 1
    approved(communes[1], {"income": 45, "irrigation": 85, "plan": True})
    assert _stats(client)["assessed"] == 2
    assert _stats(client, NATIONAL)["assessed"] == 2


def test_a_recognition_and_a_target_are_counted_on_the_next_request(client, year_2023, communes):
    assert _stats(client)["recognized"]["standard"] == 0
    record_recognition(
        level_code="standard",
        title_year=2023,
        decision_number="5/QĐ-UBND",
        decision_date=datetime.date(2023, 10, 1),
        issuer="UBND tỉnh",
        commune=communes[0],
    )
    assert _stats(client)["recognized"]["standard"] == 1
    assert _stats(client)["targets"] == []
    set_target(province=communes[0].province, level_code="standard", year=2025, count=3)
    assert [t["target"] for t in _stats(client)["targets"]] == [3]


def test_a_bulk_update_and_raw_sql_are_seen_too(client, year_2023, communes):
    assert _stats(client)["computed"]["standard"] == 1
    Assessment.objects.filter(commune=communes[0]).update(level="none")  # no save(), no signal
    assert _stats(client)["computed"]["standard"] == 0
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE criteria_assessment SET level = %s WHERE commune_id = %s",
            ["standard", communes[0].pk],
        )
    assert _stats(client)["computed"]["standard"] == 1


def test_a_write_rolled_back_leaves_the_counters_alone(year_2023, communes):
    before = freshness.version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Assessment.objects.filter(commune=communes[0]).update(level="none")
        assert freshness.version() > before  # seen inside the writing transaction only
        raise RuntimeError
    assert freshness.version() == before


def test_a_statement_is_counted_once_and_compaction_keeps_the_version(year_2023, communes):
    for commune in communes[1:]:
        approved(commune, {"income": 45, "irrigation": 85, "plan": True})
    before, rows = freshness.version(), DataChange.objects.count()
    assert Assessment.objects.filter(commune__in=communes).update(level="none") == 3
    logged = DataChange.objects.count() - rows
    # PostgreSQL: one statement-level trigger, one row; SQLite counts a row per row changed in
    # DataVersion itself and logs nothing.
    assert logged == (1 if connection.vendor == "postgresql" else 0)
    counted = 1 if connection.vendor == "postgresql" else 3
    assert freshness.version() == before + counted
    assert Assessment.objects.filter(pk=-1).update(level="none") == 0  # nothing changed
    assert DataChange.objects.count() - rows == logged
    now = freshness.version()
    assert now == before + counted
    freshness.compact()
    assert DataChange.objects.count() == 0
    assert freshness.version() == now  # moved into the sum, not lost


def test_readers_compact_a_long_log_on_postgresql_only(year_2023, monkeypatch):
    monkeypatch.setattr(freshness, "COMPACT_AT", 5)
    DataChange.objects.bulk_create([DataChange() for _ in range(10)])
    logged = DataChange.objects.count()
    before = freshness.version()  # read, then compacted (PostgreSQL)
    # SQLite: a write in a read would lock the log against other threads' reads.
    assert DataChange.objects.count() == (0 if connection.vendor == "postgresql" else logged)
    assert freshness.version() == before


def test_every_table_the_statistics_read_is_watched(client, year_2023):
    """Each table the cached answers read has its triggers (or none could change them): a
    table added to the statistics without a trigger would serve stale figures."""
    from django.apps import apps
    from django.test.utils import CaptureQueriesContext

    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    with CaptureQueriesContext(connection) as queries:
        for url in (PROVINCE, NATIONAL, "/api/v1/stats/districts/719/"):
            assert client.get(url, {"year": 2023}).status_code == 200
        trend = {"first_year": 2021, "last_year": 2023, "province": "74"}
        assert client.get("/api/v1/stats/trend/", trend).status_code == 200
    read = {
        table
        for query in queries.captured_queries
        for table in tables
        if f'"{table}"' in query["sql"]
    }
    # Read but never changed by users: the regions a province is in (fixtures only).
    unwatched = {freshness.LOG, freshness.BASE, "communes_region"}
    assert read - unwatched <= set(freshness.TABLES), read - unwatched - set(freshness.TABLES)
    assert "criteria_assessment" in read  # the check looks at the real queries


def test_counting_goes_on_when_the_counter_row_is_gone(year_2023, communes):
    """A database emptied table by table (transactional tests do it) loses DataVersion's row:
    the next write still counts (SQLite's triggers upsert it)."""
    from stats.models import DataVersion

    DataVersion.objects.all().delete()
    DataChange.objects.all().delete()
    assert freshness.version() == 0
    Assessment.objects.filter(commune=communes[0]).update(level="none")
    assert freshness.version() == 1
