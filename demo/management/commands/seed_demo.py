"""Fill three demo provinces with illustrative NTM data (demo/assessments.py,
demo/ocop_products.py) and, on request, demo logins for them."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.services import set_portal_user
from criteria.models import Assessment
from demo import assessments as demo
from demo import ocop_products as ocop_demo

# Demo logins: a viewer, an officer and an approver per demo province, and a national user.
DEMO_ROLES = ("viewer", "officer", "approver")


class Command(BaseCommand):
    help = (
        "Create or recreate the demo data of Bình Dương, Quảng Ninh and Lạng Sơn (2021-2025): "
        "province-scope demo thresholds, assessments with values and statuses, recognitions "
        "with DEMO- numbers, 2025 targets, OCOP producers and products. Deterministic: a second "
        "run gives the same data. Needs load_admin_units --structure 2021 and load_criteria."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--users-password",
            metavar="PASSWORD",
            help="also create demo logins (viewer_74, officer_74, approver_74, ... and "
            "national) with this password: for a local demo only",
        )

    def handle(self, *args, verbosity, users_password, **options):
        try:
            plan, written, ocop = self._seed()
        except demo.DemoError as error:
            raise CommandError(str(error)) from error
        if users_password:
            users = self._users(plan, users_password)
        if verbosity >= 1:
            self.stdout.write("\n".join(self._summary(plan, written)))
            self.stdout.write(
                f"OCOP: {ocop.producers} producers, {ocop.products} products, "
                f"{ocop.evaluations} evaluations."
            )
            if users_password:
                self.stdout.write(f"Demo logins: {', '.join(users)}.")

    @transaction.atomic
    def _seed(self) -> tuple[demo.DemoPlan, demo.Written, ocop_demo.Written]:
        plan = demo.build_plan()
        written = demo.write(plan)
        # Before scoring: approved assessments are locked, so products placed after scoring
        # would never lift the advanced and model levels the plan designed.
        ocop = ocop_demo.seed(demo.ocop_needs(plan))
        demo.score(plan)
        return plan, written, ocop

    def _users(self, plan: demo.DemoPlan, password: str) -> list[str]:
        names = []
        for pp in plan.provinces:
            for role in DEMO_ROLES:
                name = f"{role}_{pp.province.code}"
                set_portal_user(
                    username=name,
                    role=role,
                    province_code=pp.province.code,
                    password=password,
                    structure=demo.STRUCTURE,
                )
                names.append(name)
        set_portal_user(username="national", role="national", password=password)
        return [*names, "national"]

    def _summary(self, plan: demo.DemoPlan, written: demo.Written) -> list[str]:
        counts = demo.year_counts(plan)
        lines = []
        for pp in plan.provinces:
            total = len(pp.communes)
            lines.append(f"{pp.config.name} ({pp.province.code}): {total} rural communes")
            for year in demo.YEARS:
                lines.append(f"  {year}: {self._year_line(counts[pp.province.code, year], total)}")
        lines.append(
            f"Wrote {written.thresholds} demo thresholds, {written.assessments} assessments, "
            f"{written.values} values, {written.recognitions} commune and "
            f"{written.district_recognitions} district recognitions, {written.targets} targets."
        )
        lines += self._waiting(plan)
        return lines

    @staticmethod
    def _year_line(counts: demo.YearCounts, total: int) -> str:
        not_yet = total - counts.assessed
        assessed = f"{counts.assessed} assessed" + (f", {not_yet} not yet" if not_yet else "")
        levels = ", ".join(f"{code} {counts.levels[code]}" for code in ("none", *demo.LADDER))
        statuses = ", ".join(
            f"{status} {counts.statuses[status]}"
            for status in Assessment.Status.values
            if counts.statuses[status]
        )
        return f"{assessed} | {levels} | {statuses}"

    @staticmethod
    def _waiting(plan: demo.DemoPlan) -> list[str]:
        below = demo.below_plan(plan)
        if not below:
            return []
        return [f"Note: {below} assessments score below their planned level."]
