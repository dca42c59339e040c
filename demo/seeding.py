"""Writing the demo as the portal's users would have written it: each assessment created with
its values (scored as they are saved), then submitted, and approved or returned with a comment,
so that its workflow steps and history are those of real work. The assessments go through the
criteria services' bulk paths (create_assessments, move_many), which write the same rows as the
one-at-a-time services in a few statements per table; the recognitions are written as
record_recognition and revoke_recognition write them, history included; targets by set_target.

A run first removes what an earlier run wrote, with its history, and nothing else. The
fingerprint of what the demo is built from is stored with it (demo.models.Seeding), so that a
later run can see that the demo in the database is current and leave it alone.
"""

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.memory import without_cyclic_gc
from criteria.models import (
    Assessment,
    AssessmentValue,
    CriterionResult,
    EditionChange,
    Evidence,
    Recognition,
    Target,
    Threshold,
    WorkflowStep,
)
from criteria.services.recognitions import set_target
from criteria.services.values import create_assessments
from criteria.services.workflow import move_many
from demo import ocop_products, programme_records, records, thresholds, values
from demo.models import Seeding
from demo.plan import YEARS, DemoPlan, Status, ocop_needs

Action = WorkflowStep.Action
RETURN_COMMENT = (
    "Minh họa (demo): đề nghị bổ sung số liệu và minh chứng còn thiếu rồi trình lại / "
    "Demo: please complete the missing figures and evidence, then submit again"
)
# What revoke_recognition changes.
REVOKED_FIELDS = ["revoked_date", "revoked_reason", "revoked_decision"]
# The steps each planned status took, in order, with the comment a step needs.
STORIES = {
    Status.DRAFT: (),
    Status.SUBMITTED: ((Action.SUBMIT, ""),),
    Status.APPROVED: ((Action.SUBMIT, ""), (Action.APPROVE, "")),
    Status.RETURNED: ((Action.SUBMIT, ""), (Action.RETURN, RETURN_COMMENT)),
}


@dataclass(frozen=True)
class Written:
    thresholds: int
    assessments: int
    values: int
    recognitions: int
    district_recognitions: int
    targets: int
    ocop: ocop_products.Written
    programme: programme_records.Written


def demo_assessments(plan: DemoPlan) -> QuerySet:
    return Assessment.objects.filter(_assessment_scope(plan))


def _assessment_scope(plan: DemoPlan) -> Q:
    # Also matches the history rows of assessments written by an earlier run.
    provinces = [pp.province for pp in plan.provinces]
    return Q(criteria_set=plan.criteria_set, commune__province__in=provinces, year__in=YEARS)


def _threshold_scope(plan: DemoPlan) -> Q:
    provinces = [pp.province for pp in plan.provinces]
    in_set = Q(indicator__criterion__level__criteria_set=plan.criteria_set)
    return Q(demo=True, province__in=provinces) & in_set


def _recognition_scope(plan: DemoPlan) -> Q:
    provinces = [pp.province for pp in plan.provinces]
    demo = Q(decision_number__startswith=records.DECISION_PREFIX)
    return demo & (Q(commune__province__in=provinces) | Q(district__province__in=provinces))


# --------------------------------------------------------------------------- being current


def fingerprint(plan: DemoPlan) -> str:
    """What the demo is built from: its own code, and what it reads (the criteria set as
    configured, without the demo's own thresholds, and the demo provinces' rural communes)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    digest.update(repr(_inputs(plan)).encode())
    return digest.hexdigest()


def _inputs(plan: DemoPlan) -> tuple:
    shape = plan.shape
    rules = [
        (
            shape.code(step),
            criterion.code,
            criterion.requires_level,
            indicator.code,
            indicator.measure,
            indicator.comparison,
            sorted(repr(t) for t in indicator.thresholds if not t.demo),
        )
        for step in shape.steps
        for criterion in shape.criteria(step)
        for indicator in sorted(criterion.indicators, key=lambda i: i.code)
    ]
    measures = sorted(
        (m.code, m.value_type, m.source, m.allows_not_applicable, m.derived_from)
        for m in shape.measures.values()
    )
    communes = [
        (c.code, c.province.region.code, c.district and (c.district.code, c.district.kind))
        for c in (cp.commune for cp in plan.commune_plans())
    ]
    return rules, measures, communes


def current(plan: DemoPlan) -> Seeding | None:
    """The stored seeding, if the demo in the database was built from exactly what ``plan``
    is built from. Rows deleted or edited by hand since are not noticed (seed_demo --force)."""
    return Seeding.objects.filter(fingerprint=fingerprint(plan)).first()


# --------------------------------------------------------------------------- writing


def _delete_quietly(queryset: QuerySet) -> None:
    # One statement, without loading the rows or sending the signals with which history would
    # record each deletion: an earlier run's demo is replaced, not edited by anyone.
    queryset._raw_delete(queryset.db)


def clear(plan: DemoPlan) -> None:
    """Remove what an earlier run wrote, with its history, and nothing else."""
    Seeding.objects.all().delete()
    programme_records.clear()
    provinces = [pp.province for pp in plan.provinces]
    _delete_quietly(Recognition.objects.filter(_recognition_scope(plan)))
    Recognition.history.filter(_recognition_scope(plan)).delete()
    demo_targets = Q(province__in=provinces, source__startswith=records.TARGET_MARK)
    _delete_quietly(Target.objects.filter(demo_targets))
    Target.history.filter(demo_targets).delete()
    assessments = demo_assessments(plan)
    ever = Assessment.history.filter(_assessment_scope(plan)).values("id")
    _delete_quietly(AssessmentValue.objects.filter(assessment__in=assessments))
    WorkflowStep.objects.filter(assessment__in=assessments).delete()
    CriterionResult.objects.filter(assessment__in=assessments).delete()
    Evidence.objects.filter(assessment__in=assessments).delete()  # files: through the ORM
    _delete_quietly(assessments)
    for model in (AssessmentValue, Evidence):
        model.history.filter(assessment_id__in=ever).delete()
    Assessment.history.filter(_assessment_scope(plan)).delete()
    thresholds.forget_unused_editions(plan)
    demo_rows = Threshold.objects.filter(_threshold_scope(plan))
    EditionChange.objects.filter(threshold__in=demo_rows).update(threshold=None)
    _delete_quietly(demo_rows)
    Threshold.history.filter(_threshold_scope(plan)).delete()


def _tell_stories(plan: DemoPlan, created: list[Assessment]) -> None:
    """Take each assessment through the steps its planned status took: all submits first,
    then the approvals and returns, as a province's year goes."""
    statuses = {
        (cp.commune.pk, year): yp.status
        for cp in plan.commune_plans()
        for year, yp in cp.years.items()
    }
    taking: dict[tuple[str, str], list[Assessment]] = {}
    for assessment in created:
        for action, comment in STORIES[statuses[assessment.commune_id, assessment.year]]:
            taking.setdefault((action, comment), []).append(assessment)
    for (action, comment), assessments in taking.items():
        # Each step on the version the previous one left (move_many moves these copies too).
        versions = {assessment.pk: assessment.version for assessment in assessments}
        move_many(assessments=assessments, action=action, comment=comment, versions=versions)


def _record(plan: DemoPlan, planned: list[records.PlannedRecognition]) -> None:
    """What record_recognition, then revoke_recognition for the revoked title, write: each
    recognition with its history row, and the revoked one's second history row; in a few
    statements rather than a dozen queries a recognition (its checks are the database's
    constraints here, and the demo tests')."""
    levels = {level.code: level for level in plan.criteria_set.levels.all()}
    rows = bulk_create_with_history(
        [
            Recognition(
                commune=p.commune,
                district=p.district,
                level=levels[p.level],
                title_year=p.title_year,
                decision_number=p.decision_number,
                decision_date=p.decision_date,
                issuer=p.issuer,
            )
            for p in planned
        ],
        Recognition,
    )
    revoked = []
    for row, p in zip(rows, planned, strict=True):
        if p.revoked is not None:
            row.revoked_date, row.revoked_decision = p.revoked.date, p.revoked.decision
            row.revoked_reason = p.revoked.reason
            revoked.append(row)
    bulk_update_with_history(revoked, Recognition, REVOKED_FIELDS)


def _set_targets(planned: list[records.PlannedTarget]) -> None:
    for p in planned:
        set_target(
            level_code=p.level, year=p.year, province=p.province, percent=p.percent, source=p.source
        )


@without_cyclic_gc()
@transaction.atomic
def seed(plan: DemoPlan) -> Written:
    """Replace the demo data with the plan's, and store what it was built from."""
    clear(plan)
    demo_thresholds = thresholds.demo_thresholds(plan)
    # As an edition, checked, with each row's history, like the national office's.
    thresholds.publish(plan, demo_thresholds)
    # Before the assessments: advanced 13.2 is derived from the OCOP registry as they are scored.
    ocop = ocop_products.seed(ocop_needs(plan))
    entries = values.entries(plan)
    _tell_stories(plan, create_assessments(entries=entries))
    communes, districts = records.recognitions(plan)
    _record(plan, communes + districts)
    targets = records.targets(plan)
    _set_targets(targets)
    programme = programme_records.seed(plan)
    written = Written(
        thresholds=len(demo_thresholds),
        assessments=len(entries),
        values=sum(len(entry.values) for entry in entries),
        recognitions=len(communes),
        district_recognitions=len(districts),
        targets=len(targets),
        ocop=ocop,
        programme=programme,
    )
    Seeding.objects.create(fingerprint=fingerprint(plan), written=asdict(written))
    return written


# --------------------------------------------------------------------------- reading back


@dataclass
class YearCounts:
    levels: Counter
    statuses: Counter

    @property
    def assessed(self) -> int:
        return sum(self.statuses.values())


def year_counts(plan: DemoPlan) -> dict[tuple[str, int], YearCounts]:
    """{(province code, year): assessments by computed level and by status}, in one query."""
    counts = {
        (pp.province.code, year): YearCounts(Counter(), Counter())
        for pp in plan.provinces
        for year in YEARS
    }
    rows = (
        demo_assessments(plan)
        .values_list("commune__province__code", "year", "level", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for province, year, level, status, n in rows:
        counts[province, year].levels[level] += n
        counts[province, year].statuses[status] += n
    return counts


def below_plan(plan: DemoPlan) -> int:
    """Assessments scoring below their planned level: those still waiting for the OCOP
    products ``ocop_needs`` lists (advanced 13.2 is derived, not entered)."""
    planned = {
        (cp.commune.pk, year): plan.shape.code(yp.level)
        for cp in plan.commune_plans()
        for year, yp in cp.years.items()
    }
    rows = demo_assessments(plan).values_list("commune_id", "year", "level")
    return sum(level != planned[commune_id, year] for commune_id, year, level in rows)
