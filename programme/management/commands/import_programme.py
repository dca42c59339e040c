from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from programme.imports import KINDS, STATUSES, ProgrammeImportRefused, import_records

COUNTED = ("rows", "created", "submitted", "approved")


class Command(BaseCommand):
    help = (
        "Import a province's programme records of one kind from a spreadsheet (.csv or .xlsx, "
        "one record a row). All or nothing: a file with any error is refused and every error is "
        "listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .csv (UTF-8, with or without BOM) or .xlsx file")
        parser.add_argument("--kind", required=True, choices=list(KINDS))
        parser.add_argument(
            "--user", required=True, help="import as this user (username), with their province"
        )
        parser.add_argument("--status", choices=STATUSES, default=STATUSES[0])
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args, file, kind, user, status, dry_run, verbosity, **options):
        account = self._user(user)
        try:
            with open(file, "rb") as stream:
                report = import_records(kind, stream, user=account, status=status, dry_run=dry_run)
        except OSError as error:
            raise CommandError(str(error)) from None
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        except ProgrammeImportRefused as refused:
            for line in refused.report.error_lines():
                self.stderr.write(line)
            raise CommandError(str(refused)) from None
        if verbosity:
            self._print(report)

    @staticmethod
    def _user(username):
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None

    def _print(self, report) -> None:
        if report.dry_run:
            self.stdout.write("Dry run: nothing was written.")
        for name in COUNTED:
            self.stdout.write(f"{name}: {getattr(report, name)}")
