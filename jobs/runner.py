"""Running a recorded job and recording how far it got and how it ended: the same on a
Celery worker (jobs.tasks) and inline (jobs.services.start without a broker)."""

import logging
import traceback
from contextlib import nullcontext

from django.db import connection, transaction
from django.utils import timezone

from jobs import registry
from jobs.models import Job

logger = logging.getLogger(__name__)


def run(job_id: int) -> None:
    """Run a queued job and record its end; a job already taken (a redelivered message) is
    left alone."""
    taken = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    if not taken:
        return
    job = Job.objects.get(pk=job_id)
    # A job run outside any transaction (on a worker) may report through a connection of its
    # own; one run inside its starter's transaction never does (it holds the row's lock).
    reporter = _Reporter(job_id, aside=not connection.in_atomic_block)
    try:
        with _failure_recordable():
            result = registry.get(job.kind).run(job.params, reporter)
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job_id, Job.Status.FAILED, error=_describe(exc))
    else:
        _finish(job_id, Job.Status.DONE, result=result)
    finally:
        reporter.close()


def _failure_recordable():
    """Inside a caller's transaction (an inline job), a savepoint: a job that fails on the
    database leaves the transaction usable to record its failure. Outside one (a worker), the
    job commits its own work step by step, and a watcher sees its progress."""
    return transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()


class _Reporter:
    """``progress(done, total, message)``: written at once, so that a watcher (its starter on
    another server) sees it. A job reporting from inside a transaction of its own (an import:
    all or nothing) would write its progress into that transaction, unseen until the end: on
    PostgreSQL, such progress goes through a connection of its own, in autocommit, when the
    job was run outside any transaction (``aside``: a worker's run, the job's row committed
    and unlocked). Run inside its starter's transaction, which holds the row, a job writes
    through its own connection, as the other would wait on that lock for ever. SQLite has one
    writer at a time: its jobs write through their own connection. A report that cannot be
    written is logged, never the job's failure."""

    def __init__(self, job_id: int, aside: bool):
        self.job_id = job_id
        self.aside = aside and connection.vendor == "postgresql"
        self.side = None  # the connection of its own, opened at the first report that needs it

    def __call__(self, done: int, total: int, message: str = "") -> None:
        fields = {"done": done, "total": total, "message": message[:255]}
        if not (self.aside and connection.in_atomic_block):
            Job.objects.filter(pk=self.job_id).update(**fields)
            return
        try:
            if self.side is None:
                self.side = connection.get_new_connection(connection.get_connection_params())
                self.side.autocommit = True
                with self.side.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '5s'")  # a guard: never wait for ever
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {Job._meta.db_table} SET done = %s, total = %s, message = %s "
                    "WHERE id = %s",
                    [done, total, fields["message"], self.job_id],
                )
        except Exception:  # noqa: BLE001 (progress is for watchers: the job goes on)
            logger.exception("job %s: progress not written", self.job_id)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def _finish(job_id: int, status: str, **fields) -> None:
    """Record the job's end, unless it has ended already: failed by the operator as stuck
    (services.fail_stuck), it stays failed, as its starter was told."""
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        status=status, finished_at=timezone.now(), **fields
    )


def _describe(exc: Exception) -> str:
    return "".join(traceback.format_exception_only(exc)).strip()
