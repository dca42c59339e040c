"""Load the funding sources and kinds of work the provinces report by (data, not code)."""

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from programme import services

DEFAULT = Path(settings.BASE_DIR) / "fixtures" / "programme" / "kinds.json"


class Command(BaseCommand):
    help = "Create or update the programme's funding sources and kinds of work from a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT, help="JSON file to load.")
        parser.add_argument("--dry-run", action="store_true", help="Check, write nothing.")

    def handle(self, *args, file: Path, dry_run: bool, verbosity: int, **options):
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        try:
            with transaction.atomic():
                sources, kinds = services.load_kinds(data)
                if dry_run:
                    transaction.set_rollback(True)
        except (ValidationError, KeyError) as error:
            raise CommandError(f"{file}: {error}") from None
        if verbosity:
            done = "Checked" if dry_run else "Loaded"
            self.stdout.write(f"{done} {sources} funding sources and {kinds} kinds of work.")
