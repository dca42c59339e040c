"""Running a recorded job and recording how far it got and how it ended: the same on a
Celery worker (jobs.tasks) and inline (jobs.services.start without a broker)."""

import logging
import traceback
from contextlib import nullcontext

from django.db import transaction
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
    try:
        with _failure_recordable():
            result = registry.get(job.kind).run(job.params, _reporter(job_id))
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job_id, Job.Status.FAILED, error=_describe(exc))
    else:
        _finish(job_id, Job.Status.DONE, result=result)


def _failure_recordable():
    """Inside a caller's transaction (an inline job), a savepoint: a job that fails on the
    database leaves the transaction usable to record its failure. Outside one (a worker), the
    job commits its own work step by step, and a watcher sees its progress."""
    return transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()


def _reporter(job_id: int) -> registry.Progress:
    def progress(done: int, total: int, message: str = "") -> None:
        # Written at once (the job runs outside any transaction), so a watcher sees it.
        Job.objects.filter(pk=job_id).update(done=done, total=total, message=message[:255])

    return progress


def _finish(job_id: int, status: str, **fields) -> None:
    Job.objects.filter(pk=job_id).update(status=status, finished_at=timezone.now(), **fields)


def _describe(exc: Exception) -> str:
    return "".join(traceback.format_exception_only(exc)).strip()
