from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from accounts.services import set_portal_user


class Command(BaseCommand):
    help = "Create or update a portal user with a role, scoped to a province or the country."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--province", metavar="CODE", help="province code (officer, approver)")
        parser.add_argument("--password", help="set this password (else unusable for a new user)")
        parser.add_argument("--structure", help="structure of the province code (default newest)")
        staff = parser.add_mutually_exclusive_group()
        staff.add_argument(
            "--staff",
            action="store_true",
            default=None,
            help="may open the admin (/admin/), to review there what the role allows; "
            "only for an approver or a national user",
        )
        staff.add_argument(
            "--no-staff", dest="staff", action="store_false", help="may no longer open the admin"
        )

    def handle(
        self, *args, username, role, province, password, structure, staff, verbosity, **opts
    ):
        try:
            user, created = set_portal_user(
                username=username,
                role=role,
                province_code=province,
                password=password,
                structure=structure,
                staff=staff,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        if verbosity:
            verb = "created" if created else "updated"
            admin = ", may open the admin" if user.is_staff else ""
            scope = province or "whole country"
            self.stdout.write(f"{verb} {user.username}: {role} {scope}{admin}")
