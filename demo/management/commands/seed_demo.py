"""Fill three demo provinces with illustrative NTM data (demo/) and, on request, demo logins
for them. A run on a database whose demo is current leaves the data alone (--force rebuilds)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.services import set_portal_user
from criteria.models import Assessment
from criteria.services.errors import WorkflowError, YearClosedError
from demo import seeding
from demo.plan import LADDER, STRUCTURE, YEARS, DemoError, DemoPlan, build_plan

# Demo logins: a viewer, an officer and an approver per demo province, and a national user.
DEMO_ROLES = ("viewer", "officer", "approver")


def _message(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


class Command(BaseCommand):
    help = (
        "Create or recreate the demo data of Bình Dương, Quảng Ninh and Lạng Sơn (2021-2025): "
        "province-scope demo thresholds, assessments with values, workflow steps and history, "
        "recognitions with DEMO- numbers, 2025 targets, OCOP producers and products. "
        "Deterministic: a second run gives the same data; a run on a database whose demo is "
        "current writes nothing unless --force. Needs load_admin_units --structure 2021 and "
        "load_criteria."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--users-password",
            metavar="PASSWORD",
            help="also create demo logins (viewer_74, officer_74, approver_74, ... and "
            "national) with this password, updated on every run: for a local demo only",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="rebuild the demo data even if the database holds the current demo",
        )

    def handle(self, *args, verbosity, users_password, force, **options):
        try:
            plan = build_plan()
            found = None if force else seeding.current(plan)
            written = None if found else seeding.seed(plan)
        except DemoError as error:
            raise CommandError(str(error)) from error
        except (ValidationError, WorkflowError, YearClosedError) as error:
            # A service refused the demo (e.g. a demo year closed by hand): nothing was written.
            raise CommandError(f"The demo cannot be written: {_message(error)}") from error
        if users_password:
            users = self._users(plan, users_password)
        if verbosity >= 1:
            self.stdout.write("\n".join(self._summary(plan)))
            self.stdout.write(self._written(written) if written else self._current(found))
            if users_password:
                self.stdout.write(f"Demo logins: {', '.join(users)}.")

    @transaction.atomic
    def _users(self, plan: DemoPlan, password: str) -> list[str]:
        names = []
        for pp in plan.provinces:
            for role in DEMO_ROLES:
                name = f"{role}_{pp.province.code}"
                set_portal_user(
                    username=name, role=role, province_code=pp.province.code, structure=STRUCTURE
                )
                names.append(name)
        set_portal_user(username="national", role="national")
        names.append("national")
        # The logins share the password: hashed once, not ten times (a second each, by design).
        get_user_model().objects.filter(username__in=names).update(password=make_password(password))
        return names

    @staticmethod
    def _written(written: seeding.Written) -> str:
        ocop = written.ocop
        return (
            f"Wrote {written.thresholds} demo thresholds, {written.assessments} assessments, "
            f"{written.values} values, {written.recognitions} commune and "
            f"{written.district_recognitions} district recognitions, {written.targets} targets.\n"
            f"OCOP: {ocop.producers} producers, {ocop.products} products, "
            f"{ocop.evaluations} evaluations.\n"
            f"Programme: {written.programme.records} records (capital, works, models, hamlet "
            "titles, plans)."
        )

    @staticmethod
    def _current(found) -> str:
        when = timezone.localtime(found.seeded_at)
        return (
            f"The demo data written on {when:%Y-%m-%d %H:%M} is current: nothing rewritten "
            "(--force rebuilds it)."
        )

    def _summary(self, plan: DemoPlan) -> list[str]:
        counts = seeding.year_counts(plan)
        lines = []
        for pp in plan.provinces:
            total = len(pp.communes)
            lines.append(f"{pp.config.name} ({pp.province.code}): {total} rural communes")
            for year in YEARS:
                lines.append(f"  {year}: {self._year_line(counts[pp.province.code, year], total)}")
        below = seeding.below_plan(plan)
        if below:
            lines.append(f"Note: {below} assessments score below their planned level.")
        return lines

    @staticmethod
    def _year_line(counts: seeding.YearCounts, total: int) -> str:
        not_yet = total - counts.assessed
        assessed = f"{counts.assessed} assessed" + (f", {not_yet} not yet" if not_yet else "")
        levels = ", ".join(f"{code} {counts.levels[code]}" for code in ("none", *LADDER))
        statuses = ", ".join(
            f"{status} {counts.statuses[status]}"
            for status in Assessment.Status.values
            if counts.statuses[status]
        )
        return f"{assessed} | {levels} | {statuses}"
