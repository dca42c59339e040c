from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from criteria.services.imports import APPROVED, COUNTED, DRAFT, ImportRefused, import_values

PROGRESS_EVERY = 5000  # rows: the service reads the file in chunks of this size


class Command(BaseCommand):
    help = (
        "Import assessments' values from a long CSV (commune_code,year,measure_code,value,note). "
        "All or nothing: a file with any error is refused and every error is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file (UTF-8, with or without BOM)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--user",
            help="import as this user (username), with their province and role; "
            "without it, as the operator with national scope",
        )
        parser.add_argument("--status", choices=[DRAFT, APPROVED], default=DRAFT)

    def handle(self, *args, file, dry_run, user, status, verbosity, **options):
        account = self._user(user)
        try:
            with open(file, "rb") as stream:
                report = import_values(
                    file=stream,
                    user=account,
                    status=status,
                    dry_run=dry_run,
                    progress=self._progress if verbosity else None,
                )
        except OSError as error:
            raise CommandError(str(error)) from None
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        except ImportRefused as refused:
            for line in refused.report.error_lines():
                self.stderr.write(line)
            raise CommandError(str(refused)) from None
        if verbosity:
            self._print(report)

    @staticmethod
    def _user(username):
        if username is None:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None

    def _progress(self, rows: int) -> None:
        self.stderr.write(f"{rows} rows read…")

    def _print(self, report) -> None:
        if report.dry_run:
            self.stdout.write("Dry run: nothing was written.")
        for name in COUNTED:
            if name != "error_count":
                self.stdout.write(f"{name.replace('_', ' ')}: {getattr(report, name)}")
