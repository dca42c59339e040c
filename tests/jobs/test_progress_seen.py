"""A job's progress on PostgreSQL, on committed rows (transactional_db): seen by a watcher
while the job works inside a transaction of its own, and written without waiting on its
starter's lock. Not under the django_db mark of the other jobs tests: that mark's database
helper would empty the tables after reloads_units_after had loaded the units again."""

import pytest
from django.db import connection, transaction

from jobs import registry, runner
from jobs.models import Job


@pytest.mark.postgres
def test_progress_made_inside_a_jobs_own_transaction_is_seen_at_once(
    reloads_units_after, transactional_db, monkeypatch
):
    """An import is all or nothing: it reports its rows read from inside its transaction.
    Before, that progress was written into the same transaction, and a watcher on another
    server read "0 of 0" until the job was done."""

    seen = []

    def watcher_reads(job_id: int) -> tuple:
        other = connection.get_new_connection(connection.get_connection_params())
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT done, total, message FROM jobs_job WHERE id = %s", [job_id])
                return cursor.fetchone()
        finally:
            other.close()

    def all_or_nothing(params, progress):
        with transaction.atomic():
            Job.objects.filter(pk=params["me"]).exists()  # the job's own reads and writes
            progress(5000, 0, "5000 rows read")
            seen.append(watcher_reads(params["me"]))
            progress(10000, 0, "10000 rows read")
            seen.append(watcher_reads(params["me"]))
        return {}

    monkeypatch.setitem(registry._kinds, "atomic", registry.JobKind("atomic", all_or_nothing, dict))
    job = Job.objects.create(kind="atomic", params={})
    job.params = {"me": job.pk}
    job.save()
    runner.run(job.pk)  # as a worker runs it: the row committed, the job in its transaction
    assert seen == [(5000, 0, "5000 rows read"), (10000, 0, "10000 rows read")]
    job.refresh_from_db()
    assert (job.status, job.done) == ("done", 10000)


@pytest.mark.postgres
def test_a_job_run_inside_its_starters_transaction_reports_through_it(
    reloads_units_after, transactional_db, monkeypatch
):
    """Run inside a transaction that holds the job's row (taken: running), a second
    connection's report waited on that lock for ever; the job reports through its own."""

    def all_or_nothing(params, progress):
        with transaction.atomic():
            progress(1, 2, "half")
        return {}

    monkeypatch.setitem(registry._kinds, "atomic", registry.JobKind("atomic", all_or_nothing, dict))
    job = Job.objects.create(kind="atomic", params={})  # committed
    with transaction.atomic():
        runner.run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.message) == ("done", 1, 2, "half")
