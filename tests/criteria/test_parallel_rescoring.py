"""A year rescored at the terminal (recompute_scores) scores its batches in one process a core
on PostgreSQL, and ends as one process would have left it; where processes cannot share the
work (SQLite, an open transaction, a job queue's daemon worker) it stays in this process."""

import multiprocessing
import os
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from communes.models import Commune
from criteria import selectors
from criteria.models import Assessment, Indicator, Threshold
from criteria.services import create_assessment, results, save_values
from criteria.services.results import disagreements, parallel_workers, recompute

VALUES = {"income": 55, "irrigation": 85, "plan": True}


def _stale_year(communes) -> list[int]:
    """Open assessments meeting the standard level, then a threshold raised past their
    income: every stored result is stale."""
    ids = []
    for commune in communes:
        assessment = create_assessment(commune=commune, year=2023)
        save_values(assessment=assessment, values=VALUES, version=1)
        ids.append(assessment.pk)
    income = Indicator.objects.get(criterion__level__code="standard", code="1.1")
    Threshold.objects.filter(indicator=income).update(value=Decimal("60"))
    return ids


@pytest.mark.postgres
def test_two_processes_rescore_a_year_as_one_would(
    reloads_units_after, transactional_db, small_set, monkeypatch, tmp_path
):
    communes = list(Commune.objects.rural().filter(structure="2021").order_by("code")[:5])
    ids = _stale_year(communes)
    assert set(Assessment.objects.filter(pk__in=ids).values_list("level", flat=True)) == {
        "standard"
    }
    scored_by = tmp_path / "pids"
    original = results.rescore_open

    def rescore_open(batch):  # which process scored each batch (the forked ones inherit it)
        with scored_by.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return original(batch)

    monkeypatch.setattr(results, "rescore_open", rescore_open)
    heard = []
    count = recompute(
        year=2023, batch_size=1, workers=2, progress=lambda done, total: heard.append(done)
    )
    assert count == 5
    assert heard == [0, 1, 2, 3, 4, 5]  # in order, whichever process finished first
    pids = scored_by.read_text().split()
    assert len(pids) == 5 and len(set(pids)) == 2 and str(os.getpid()) not in pids
    stored = list(selectors.assessments_for_scoring(ids))
    assert {a.level for a in stored} == {"none"}
    assert disagreements(stored) == []


def test_the_command_passes_its_workers_on(small_set, bach_dang, monkeypatch):
    _stale_year([bach_dang])
    asked = []
    monkeypatch.setattr(results, "parallel_workers", lambda n, b: asked.append(n) or 1)
    out = StringIO()
    call_command("recompute_scores", "--year", "2023", "--workers", "3", stdout=out)
    assert (asked, out.getvalue()) == ([3], "rescored 1 assessment(s)\n")
    assert Assessment.objects.get(commune=bach_dang).level == "none"


def test_one_process_inside_a_transaction_or_on_sqlite(db):
    # The test runs inside a transaction: a forked process could not see its rows.
    assert parallel_workers(2, 10) == 1


def test_one_process_for_one_batch_or_when_asked():
    assert parallel_workers(1, 10) == 1
    assert parallel_workers(4, 1) == 1


@pytest.mark.postgres
def test_a_daemon_process_scores_alone(reloads_units_after, transactional_db, monkeypatch):
    assert parallel_workers(2, 10) == 2
    assert parallel_workers(8, 3) == 3
    daemon = SimpleNamespace(daemon=True)
    monkeypatch.setattr(multiprocessing, "current_process", lambda: daemon)
    assert parallel_workers(2, 10) == 1


def test_sqlite_is_scored_in_this_process(reloads_units_after, transactional_db):
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL forks: test_a_daemon_process_scores_alone")
    # No transaction open: only the database keeps the work here.
    assert not connection.in_atomic_block
    assert parallel_workers(2, 10) == 1
