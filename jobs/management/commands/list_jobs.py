import argparse
import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from jobs import services
from jobs.models import Job


def _positive(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"a whole number from 1, not {raw!r}")
    return int(raw)


class Command(BaseCommand):
    help = (
        "List the background jobs, newest first (--status to keep one status), and with "
        "--fail-running-since MINUTES fail the jobs running for longer: their worker stopped "
        "before they ended (a job a worker took is never sent again)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--status", choices=Job.Status.values)
        parser.add_argument("--limit", type=_positive, default=50)
        parser.add_argument("--fail-running-since", type=_positive, metavar="MINUTES")

    def handle(self, *args, status, limit, fail_running_since, **options):
        if fail_running_since is not None:
            since = timezone.now() - datetime.timedelta(minutes=fail_running_since)
            failed = services.fail_stuck(since)
            self.stdout.write(f"{len(failed)} job(s) failed: " + ", ".join(map(str, failed)))
        jobs = Job.objects.select_related("started_by")
        if status:
            jobs = jobs.filter(status=status)
        for job in jobs[:limit]:
            who = job.started_by.username if job.started_by else "-"
            started = timezone.localtime(job.started_at).isoformat() if job.started_at else "-"
            self.stdout.write(
                f"{job.pk}\t{job.kind}\t{job.status}\t{job.done}/{job.total}\t{who}\t"
                f"{started}\t{job.message or job.error[:80]}"
            )
