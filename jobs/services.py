"""Starting and running background jobs. A job runs on a Celery worker when a broker is
configured (settings.CELERY_BROKER_URL), sent once the starter's transaction commits (so the
worker finds its row); else inline, at once, in the request or command that started it. Either
way its row tells how far it got and how it ended."""

from django.conf import settings
from django.db import transaction

from jobs import registry
from jobs.models import Job
from jobs.runner import run


def start(kind: str, *, user=None, params: dict | None = None) -> Job:
    """Record a job of this kind, then run it here or send it to the workers. Bad parameters
    raise ValidationError and record nothing."""
    checked = registry.get(kind).check(dict(params or {}))
    job = Job.objects.create(kind=kind, started_by=user, params=checked)
    if settings.CELERY_BROKER_URL:
        from jobs.tasks import run_job

        transaction.on_commit(lambda: run_job.delay(job.pk))
    else:
        run(job.pk)
        job.refresh_from_db()
    return job
