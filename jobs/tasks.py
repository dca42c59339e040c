"""The one Celery task: run a recorded job on a worker (jobs.runner.run)."""

from celery import shared_task

from jobs import runner


@shared_task(name="jobs.run_job")
def run_job(job_id: int) -> None:
    runner.run(job_id)
