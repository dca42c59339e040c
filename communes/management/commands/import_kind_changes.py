from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from communes.services.kind_changes import import_kind_changes


class Command(BaseCommand):
    help = (
        "Record the changes of kind of a .csv or .xlsx file (structure, code, date, new_kind, "
        "legal_source, and optionally note, old_kind): all of them, or none with every error "
        "at its row."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="e.g. fixtures/kind_changes.csv")

    def handle(self, *args, file, verbosity, **options):
        try:
            with open(file, "rb") as handle:
                created = import_kind_changes(upload=File(handle, name=file))
        except OSError as error:
            raise CommandError(str(error)) from error
        except ValidationError as error:
            lines = [
                f"{key}: {'; '.join(messages)}" for key, messages in error.message_dict.items()
            ]
            raise CommandError("\n".join(lines)) from None
        if verbosity:
            self.stdout.write(f"{len(created)} changes of kind recorded")
