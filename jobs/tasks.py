"""The one Celery task: run a recorded job on a worker (jobs.services.run)."""

from celery import shared_task

from jobs import services


@shared_task(name="jobs.run_job")
def run_job(job_id: int) -> None:
    services.run(job_id)
