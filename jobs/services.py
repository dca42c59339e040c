"""Starting and running background jobs. A job runs on a Celery worker when a broker is
configured (settings.CELERY_BROKER_URL), sent once the starter's transaction commits (so the
worker finds its row); else inline, at once, in the request or command that started it. Either
way its row tells how far it got and how it ended."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs import registry
from jobs.models import Job
from jobs.runner import run

logger = logging.getLogger(__name__)


def start(kind: str, *, user=None, params: dict | None = None) -> Job:
    """Record a job of this kind, then run it here or send it to the workers. Bad parameters
    raise ValidationError and record nothing."""
    checked = registry.get(kind).check(dict(params or {}))
    job = Job.objects.create(kind=kind, started_by=user, params=checked)
    if settings.CELERY_BROKER_URL:
        transaction.on_commit(lambda: _send(job))
    else:
        run(job.pk)
        job.refresh_from_db()
    return job


def _send(job: Job) -> None:
    """Queue the job for the workers; a broker that cannot be reached fails the job, said in
    its row, rather than the request (a 500) with the job left queued for ever."""
    from jobs.tasks import run_job

    try:
        run_job.delay(job.pk)
    except Exception as exc:  # noqa: BLE001 (kombu's OperationalError, or the broker's own)
        logger.exception("job %s (%s) could not be queued", job.pk, job.kind)
        error = _(
            "The job queue could not be reached, so the job was not started: try again later."
        )
        failed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.FAILED, finished_at=timezone.now(), error=f"{error} ({exc})"
        )
        if failed:
            _abandon(job)
        job.refresh_from_db()


def fail_stuck(started_before) -> list[int]:
    """Fail the jobs still running that started before ``started_before``: their worker
    stopped (killed, out of memory, its machine lost) before they ended, and a job a worker
    took is never sent again. Their starters see them failed, and start them again. The ids
    failed."""
    stuck = Job.objects.filter(status=Job.Status.RUNNING, started_at__lt=started_before)
    error = _("The worker stopped before the job ended; start it again.")
    with transaction.atomic():  # the rows locked: a job ending meanwhile is not said failed
        jobs = list(stuck.select_for_update(skip_locked=True).order_by("pk"))
        Job.objects.filter(pk__in=[job.pk for job in jobs]).update(
            status=Job.Status.FAILED, finished_at=timezone.now(), error=error
        )
    for job in jobs:
        _abandon(job)
    return [job.pk for job in jobs]


def _abandon(job: Job) -> None:
    try:
        registry.get(job.kind).abandon(job.params)
    except Exception:  # noqa: BLE001 (a kind unknown here, a file already gone: logged)
        logger.exception("job %s (%s): what it left was not cleared", job.pk, job.kind)
