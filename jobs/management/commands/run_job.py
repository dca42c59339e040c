import time

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jobs import registry, services
from jobs.models import Job


def _pair(raw: str) -> tuple[str, str]:
    key, sep, value = raw.partition("=")
    if not sep or not key:
        raise CommandError(f"--param takes key=value, not {raw!r}")
    return key, value


class Command(BaseCommand):
    help = (
        "Start a background job (e.g. rescore_year --param year=2024) and follow its progress "
        "until it ends. It runs on a Celery worker when CELERY_BROKER_URL is set, else here."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help="the job's kind: " + ", ".join(registry.names()))
        parser.add_argument("--param", action="append", default=[], type=_pair, metavar="K=V")
        parser.add_argument("--user", help="the username the job is started for (who may see it)")
        parser.add_argument("--no-wait", action="store_true", help="start it and return at once")
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between reports")

    def handle(self, *args, kind, param, user, no_wait, poll, verbosity, **options):
        try:
            job = services.start(kind, user=self._user(user), params=dict(param))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if verbosity:
            self.stdout.write(f"job {job.pk} ({kind}) started")
        if not no_wait:
            self._follow(job, poll, verbosity)

    def _user(self, username):
        if not username:
            return None
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {username!r}") from None

    def _follow(self, job: Job, poll: float, verbosity: int) -> None:
        seen = None
        while True:
            job.refresh_from_db()
            state = (job.status, job.done, job.total)
            if verbosity and state != seen:
                self.stdout.write(
                    f"job {job.pk}: {job.status} {job.done}/{job.total} {job.message}"
                )
                seen = state
            if job.finished:
                break
            time.sleep(poll)
        if job.status == Job.Status.FAILED:
            raise CommandError(f"job {job.pk} failed: {job.error}")
        if verbosity:
            self.stdout.write(f"job {job.pk} done: {job.result}")
