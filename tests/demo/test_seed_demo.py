"""seed_demo: the demo provinces' data comes out as its plan designed, with the workflow steps
and history the services would have written for the same story; a second run changes nothing,
and a run on a current demo writes nothing at all.

The command runs once for the module (it writes some 100,000 values), inside a transaction
rolled back at the end so that no other module sees the demo data; each test's own changes are
rolled back after it. Advanced 13.2 is answered by the OCOP registry itself, from the demo's own
products (demo/ocop_products.py).
"""

import contextlib
import datetime
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Max

from communes.models import Commune, Province
from criteria import registry, selectors, services
from criteria.models import (
    Assessment,
    AssessmentValue,
    CriteriaSet,
    Indicator,
    Recognition,
    Target,
    Threshold,
    WorkflowStep,
)
from demo import plan as demo
from demo import records, seeding, thresholds
from demo.models import Seeding
from programme.models import Funding, HamletTitle, Step, YearPlan
from stats import annual

# Its module fixtures are built once: its tests stay on one worker (make test: --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo.test_seed_demo")]

OCOP = "ocop.certified_products"
DEMO_CODES = {"74", "22", "20"}
# 2025, as the plan designs it: communes by level, by status, and without an assessment.
LEVELS_2025 = {
    "74": {"none": 1, "standard": 12, "advanced": 19, "model": 5},
    "22": {"none": 1, "standard": 25, "advanced": 48, "model": 13},
    "20": {"none": 71, "standard": 60, "advanced": 27, "model": 8},
}
STATUSES_2025 = {
    "74": {"approved": 21, "submitted": 8, "draft": 5, "returned": 3},
    "22": {"approved": 55, "submitted": 18, "draft": 9, "returned": 5},
    "20": {"approved": 70, "submitted": 44, "draft": 35, "returned": 17},
}
NOT_ASSESSED_2025 = {"74": 2, "22": 4, "20": 9}


@dataclass(frozen=True)
class Seeded:
    plan: demo.DemoPlan
    output: str


@contextlib.contextmanager
def ocop_provider(answer):
    """Answer the OCOP measure with ``answer``, then give back the ocop app's own provider."""
    previous = registry.provider_for(OCOP)
    registry.register(OCOP, answer)
    try:
        yield
    finally:
        if previous is None:
            registry.unregister(OCOP)
        else:
            registry.register(OCOP, previous)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_criteria", verbosity=0)
        call_command("load_programme_kinds", verbosity=0)
        plan = demo.build_plan()
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        yield Seeded(plan, out.getvalue())
        transaction.set_rollback(True)


def _assessments(plan) -> dict[tuple[int, int], Assessment]:
    return {(a.commune_id, a.year): a for a in seeding.demo_assessments(plan)}


def _planned(plan):
    for cp in plan.commune_plans():
        for year, yp in cp.years.items():
            yield cp, year, yp


def _role(plan, role: str) -> demo.CommunePlan:
    return next(cp for cp in plan.commune_plans() if cp.role == role)


def _snapshot(plan) -> dict[str, list]:
    """Everything the demo writes, without primary keys or timestamps."""
    assessments = seeding.demo_assessments(plan)
    queries = {
        "assessments": assessments.values_list(
            "commune__code",
            "year",
            "status",
            "level",
            "criteria_met",
            "criteria_met_by_level",
            "complete",
            "uses_unverified",
        ),
        "values": AssessmentValue.objects.filter(assessment__in=assessments).values_list(
            "assessment__commune__code",
            "assessment__year",
            "measure__code",
            "number",
            "flag",
            "not_applicable",
            "note",
        ),
        "thresholds": Threshold.objects.filter(
            demo=True, province__code__in=DEMO_CODES
        ).values_list(
            "indicator__criterion__level__code",
            "indicator__code",
            "province__code",
            "first_year",
            "last_year",
            "value",
            "source",
        ),
        "recognitions": Recognition.objects.filter(
            decision_number__startswith=records.DECISION_PREFIX
        ).values_list(
            "commune__code",
            "district__code",
            "level__code",
            "title_year",
            "decision_number",
            "decision_date",
            "issuer",
            "revoked_date",
            "revoked_decision",
        ),
        "targets": Target.objects.filter(source__startswith=records.TARGET_MARK).values_list(
            "province__code", "level__code", "percent", "source"
        ),
        "steps": WorkflowStep.objects.filter(assessment__in=assessments).values_list(
            "assessment__commune__code",
            "assessment__year",
            "action",
            "from_status",
            "to_status",
            "comment",
        ),
        "assessment history": _assessment_history(plan).values_list(
            "commune__code", "year", "history_type", "status", "version"
        ),
        # Counted: the rows themselves are the values' (test_the_history_records_...).
        "value history": AssessmentValue.history.filter(
            assessment_id__in=_assessment_history(plan).values("id")
        )
        .values_list("assessment__commune__province__code", "assessment__year", "history_type")
        .annotate(n=Count("pk"))
        .order_by(),
        "recognition history": Recognition.history.filter(
            decision_number__startswith=records.DECISION_PREFIX
        ).values_list("commune__code", "district__code", "decision_number", "history_type"),
        "threshold history": Threshold.history.filter(
            demo=True, province__code__in=DEMO_CODES
        ).values_list(
            "indicator__criterion__level__code",
            "indicator__code",
            "province__code",
            "first_year",
            "value",
            "history_type",
        ),
        "fundings": Funding.objects.filter(note__startswith=records.TARGET_MARK).values_list(
            "province__code", "year", "source__code", "kind", "amount", "status", "version"
        ),
        "hamlet titles": HamletTitle.objects.filter(
            note__startswith=records.TARGET_MARK
        ).values_list("commune__code", "year", "kind", "holder", "decision_number", "status"),
        "programme steps": Step.objects.values_list("record_type", "action", "to_status")
        .annotate(n=Count("pk"))
        .order_by(),
    }
    return {name: sorted(query, key=repr) for name, query in queries.items()}


def _assessment_history(plan):
    """The history rows of every demo assessment, those of an earlier run included."""
    return Assessment.history.filter(
        criteria_set=plan.criteria_set, commune__province__code__in=DEMO_CODES, year__in=demo.YEARS
    )


# --------------------------------------------------------------------------- levels


def test_every_assessment_scores_as_planned(seeded):
    plan, found = seeded.plan, _assessments(seeded.plan)
    assert len(found) == sum(len(cp.years) for cp in plan.commune_plans()) == 1510
    for cp, year, yp in _planned(plan):
        a = found[cp.commune.pk, year]
        worked_on = plan.shape.code(yp.worked_on)
        assert (a.level, a.status) == (plan.shape.code(yp.level), yp.status), (cp.commune, year)
        assert a.criteria_met_by_level[worked_on][0] == yp.met, (cp.commune, year)
        assert a.complete is (yp.missing == 0), (cp.commune, year)


def test_2025_mixes_every_level_and_status(seeded):
    counts = seeding.year_counts(seeded.plan)
    communes = Counter(
        Commune.objects.rural()
        .filter(structure="2021", province__code__in=DEMO_CODES)
        .values_list("province__code", flat=True)
    )
    assert communes == {"74": 39, "22": 91, "20": 175}
    for code in DEMO_CODES:
        year = counts[code, 2025]
        assert dict(year.levels) == LEVELS_2025[code]
        assert dict(year.statuses) == STATUSES_2025[code]
        assert communes[code] - year.assessed == NOT_ASSESSED_2025[code]


def test_regional_pictures_follow_decision_263(seeded):
    # Share of assessed communes at standard or above in 2025: Red River Delta near 100%,
    # Southeast high, northern mountains between half and 60%.
    at_standard = {
        code: 1 - levels["none"] / sum(levels.values()) for code, levels in LEVELS_2025.items()
    }
    assert at_standard["22"] > 0.98 and at_standard["74"] > 0.95
    assert 0.5 <= at_standard["20"] <= 0.6
    total = sum(sum(levels.values()) for levels in LEVELS_2025.values())
    advanced = sum(levels["advanced"] + levels["model"] for levels in LEVELS_2025.values())
    model = sum(levels["model"] for levels in LEVELS_2025.values())
    assert (total, advanced, model) == (290, 120, 26)  # 41% advanced or model, 9% model


def test_levels_progress_over_the_years(seeded):
    counts = seeding.year_counts(seeded.plan)
    lang_son = [counts["20", year].levels["none"] for year in demo.YEARS]
    assert lang_son == [131, 117, 95, 82, 71]
    quang_ninh_advanced = [
        counts["22", year].levels["advanced"] + counts["22", year].levels["model"]
        for year in demo.YEARS
    ]
    assert quang_ninh_advanced == [0, 16, 36, 51, 61]
    for code in DEMO_CODES:
        assert dict(counts[code, 2021].statuses) == {"approved": len(_province(seeded, code))}


def _province(seeded, code: str) -> tuple:
    return next(pp.communes for pp in seeded.plan.provinces if pp.province.code == code)


def test_failing_and_missing_cases_exist(seeded):
    assessments = seeding.demo_assessments(seeded.plan)
    seventeen = assessments.filter(level="none", criteria_met=17)
    assert seventeen.count() == 84  # 17 of 19 standard criteria met
    incomplete = assessments.filter(complete=False)
    assert incomplete.count() == 49
    assert set(incomplete.values_list("status", "year").distinct()) == {("draft", 2025)}
    drafts = assessments.filter(status="draft")
    measures = services.criteria_set_for_year(2025).measures.filter(source="entered").count()
    values = Counter(
        AssessmentValue.objects.filter(assessment__in=drafts).values_list(
            "assessment_id", flat=True
        )
    )
    lacking = sum(measures - n for n in values.values())
    assert lacking == sum(yp.missing for _cp, _y, yp in _planned(seeded.plan)) == 84


def test_a_failed_criterion_shows_value_threshold_and_gap(seeded):
    assessments = seeding.demo_assessments(seeded.plan)
    a = assessments.filter(level="none", criteria_met=17, complete=True).first()
    result = selectors.result_for(selectors.assessments_for_scoring([a.pk]).get())
    failed = [i for i in result.gap if i.outcome == "fail"]
    assert len({i.criterion for i in failed}) == 2
    for indicator in failed:
        assert indicator.threshold.scope in ("province", "national")
        assert indicator.value is not None


def test_not_applicable_values_carry_a_note(seeded):
    rows = AssessmentValue.objects.filter(
        assessment__in=seeding.demo_assessments(seeded.plan), not_applicable=True
    )
    assert rows.count() == 69
    assert set(rows.values_list("measure__code", flat=True)) == {
        "traditional_craft_preservation_plan"
    }
    assert all("không có làng nghề" in note for note in rows.values_list("note", flat=True))


def test_every_assessment_is_flagged_as_using_unverified_thresholds(seeded):
    assessments = seeding.demo_assessments(seeded.plan)
    assert assessments.count() == assessments.filter(uses_unverified=True).count() == 1510


def test_each_commune_needing_ocop_holds_a_certified_product_every_year(seeded):
    from ocop.selectors import certified_products_count

    needs = demo.ocop_needs(seeded.plan)
    for year in demo.YEARS:
        counts = certified_products_count(list(needs), year)
        holding = {pk for pk, count in counts.items() if count >= 1}
        assert holding == {pk for pk, first in needs.items() if first <= year}, year
    assert "OCOP: 123 producers, 175 products, 204 evaluations." in seeded.output


def test_ocop_needs_follow_the_planned_levels(seeded):
    needs = demo.ocop_needs(seeded.plan)
    assert len(needs) == 123
    assert Counter(needs.values()) == {2022: 29, 2023: 35, 2024: 34, 2025: 25}
    for cp in seeded.plan.commune_plans():
        first = next((y for y in demo.YEARS if cp.achieved[y] >= demo.ADVANCED), None)
        assert needs.get(cp.commune.pk) == first


def test_without_ocop_products_planned_advanced_communes_score_standard(seeded):
    plan = seeded.plan
    advanced = [
        (cp.commune.pk, 2025)
        for cp in plan.commune_plans()
        if cp.years.get(2025) and cp.years[2025].level >= demo.ADVANCED
    ][:3]
    ids = [_assessments(plan)[key].pk for key in advanced]
    with ocop_provider(lambda commune_ids, year: {pk: Decimal(0) for pk in commune_ids}):
        services.rescore_many(list(selectors.assessments_for_scoring(ids)))
    assert set(Assessment.objects.filter(pk__in=ids).values_list("level", flat=True)) == {
        "standard"
    }
    assert seeding.below_plan(plan) == 3


def test_the_plan_is_deterministic(seeded):
    def shape(plan):
        return [(cp.commune.code, cp.role, cp.achieved, cp.years) for cp in plan.commune_plans()]

    assert shape(demo.build_plan()) == shape(seeded.plan)


# --------------------------------------------------------------------------- workflow and history

# The steps each status took, as (action, from, to).
STEPS = {
    "draft": [("create", "", "draft")],
    "submitted": [("create", "", "draft"), ("submit", "draft", "submitted")],
    "approved": [
        ("create", "", "draft"),
        ("submit", "draft", "submitted"),
        ("approve", "submitted", "approved"),
    ],
    "returned": [
        ("create", "", "draft"),
        ("submit", "draft", "submitted"),
        ("return", "submitted", "returned"),
    ],
}


def test_each_assessment_went_through_the_steps_of_its_status(seeded):
    assessments = seeding.demo_assessments(seeded.plan)
    steps = defaultdict(list)
    rows = WorkflowStep.objects.filter(assessment__in=assessments).order_by("at", "pk")
    for row in rows.values_list("assessment_id", "action", "from_status", "to_status"):
        steps[row[0]].append(row[1:])
    found = dict(assessments.values_list("pk", "status"))
    for pk, status in found.items():
        assert steps[pk] == STEPS[status], pk
    planned = Counter(yp.status for _cp, _y, yp in _planned(seeded.plan))
    assert Counter(found.values()) == planned
    assert planned == {"approved": 1359, "submitted": 76, "draft": 49, "returned": 26}
    assert Counter(rows.values_list("action", flat=True)) == {
        "create": 1510,
        "submit": 1510 - 49,
        "approve": 1359,
        "return": 26,
    }
    returns = rows.filter(action="return")
    assert set(returns.values_list("comment", flat=True)) == {seeding.RETURN_COMMENT}


def test_the_history_records_each_save_and_step(seeded):
    assessments = seeding.demo_assessments(seeded.plan)
    history = defaultdict(list)
    rows = _assessment_history(seeded.plan).order_by("history_date", "history_id")
    for row in rows.values_list("id", "history_type", "status", "version"):
        history[row[0]].append(row[1:])
    for pk, status, version in assessments.values_list("pk", "status", "version"):
        # Created, its values saved, then one row per step; the last is the assessment now.
        assert [h[0] for h in history[pk]] == ["+", "~"] + ["~"] * (len(STEPS[status]) - 1)
        assert history[pk][-1][1:] == (status, version) == (status, len(STEPS[status]) + 1)
    values = AssessmentValue.objects.filter(assessment__in=assessments)
    fields = ("assessment_id", "measure_id", "number", "flag", "not_applicable", "note")
    recorded = AssessmentValue.history.filter(assessment_id__in=assessments.values("pk"))
    assert set(recorded.values_list("history_type", flat=True)) == {"+"}
    assert sorted(recorded.values_list(*fields)) == sorted(values.values_list(*fields))
    recognitions = Recognition.history.filter(decision_number__startswith=records.DECISION_PREFIX)
    assert Counter(recognitions.values_list("history_type", flat=True)) == {"+": 369, "~": 1}
    assert recognitions.get(history_type="~").revoked_date == datetime.date(2024, 6, 20)
    demo_thresholds = Threshold.history.filter(demo=True)
    assert Counter(demo_thresholds.values_list("history_type", flat=True)) == {"+": 198}


def _story(assessment: Assessment) -> dict:
    """What the workflow, the history and the scoring of one assessment left, without keys
    or times."""
    assessment.refresh_from_db()
    return {
        "assessment": (
            assessment.status,
            assessment.version,
            assessment.level,
            assessment.criteria_met_by_level,
            assessment.complete,
            assessment.uses_unverified,
            assessment.class_value,
        ),
        "steps": list(
            assessment.steps.order_by("at", "pk").values_list(
                "action", "from_status", "to_status", "comment", "user"
            )
        ),
        "history": list(
            Assessment.history.filter(id=assessment.pk)
            .order_by("history_date", "history_id")
            .values_list("history_type", "status", "version", "history_user")
        ),
        "value history": sorted(
            AssessmentValue.history.filter(assessment_id=assessment.pk).values_list(
                "measure__code", "history_type", "number", "flag", "not_applicable", "note"
            )
        ),
        "results": sorted(assessment.criterion_results.values_list("criterion_id", "status")),
    }


def _as_submitted(assessment: Assessment) -> dict:
    """The assessment's values as an officer would send them to save_values."""
    raw = {}
    for v in assessment.values.select_related("measure"):
        if v.not_applicable:
            raw[v.measure.code] = {"not_applicable": True, "note": v.note}
        else:
            raw[v.measure.code] = {"value": v.number if v.flag is None else v.flag, "note": v.note}
    return raw


@pytest.mark.parametrize(
    ("status", "last_step", "comment"),
    [("approved", "approve", ""), ("returned", "return", seeding.RETURN_COMMENT)],
)
def test_the_demo_writes_what_the_one_at_a_time_services_write(seeded, status, last_step, comment):
    demo_made = (
        seeding.demo_assessments(seeded.plan)
        .filter(status=status, year=2025, complete=True)
        .order_by("commune__code")
        .first()
    )
    expected, raw = _story(demo_made), _as_submitted(demo_made)
    commune = demo_made.commune
    demo_made.delete()
    # The demo writes each year's values itself: nothing carried forward from 2024 (#15).
    replayed = services.create_assessment(commune=commune, year=2025, carry_forward=False)
    services.save_values(assessment=replayed, values=raw, version=replayed.version)
    replayed = services.move(assessment=replayed, version=replayed.version, action="submit")
    replayed = services.move(
        assessment=replayed, version=replayed.version, action=last_step, comment=comment
    )
    assert _story(replayed) == expected


# --------------------------------------------------------------------------- thresholds


def test_demo_thresholds_are_province_demo_unverified_and_only_in_demo_provinces(seeded):
    rows = Threshold.objects.filter(demo=True).select_related("province", "indicator")
    per_province = Counter(t.province.code for t in rows)
    assert per_province == {"74": 66, "22": 66, "20": 66}
    assert {(t.scope, t.verified, t.province.structure) for t in rows} == {
        ("province", False, "2021")
    }
    for t in rows:
        name = next(c.name for c in demo.DEMO_PROVINCES if c.code == t.province.code)
        assert t.source == (
            f"Giá trị minh họa (demo) cho tỉnh {name}, không phải số liệu pháp lý / "
            f"Illustrative demo value for {name}, not a legal figure"
        )
    assert not Threshold.objects.filter(demo=False, province__isnull=False).exists()


def test_no_demo_threshold_where_the_set_configures_one(seeded):
    configured = {("standard", "3.1"), ("advanced", "13.2"), ("model", "2.1")}
    demo_rows = set(
        Threshold.objects.filter(demo=True).values_list(
            "indicator__criterion__level__code", "indicator__code"
        )
    )
    assert not demo_rows & configured
    assert not Threshold.objects.filter(demo=True, indicator__comparison="true").exists()


def _income(level: str, province: str) -> list[tuple[int, int, Decimal]]:
    return list(
        Threshold.objects.filter(
            demo=True,
            indicator__measure__code="income_per_capita",
            indicator__criterion__level__code=level,
            province__code=province,
        )
        .order_by("first_year")
        .values_list("first_year", "last_year", "value")
    )


def test_income_rises_by_year_and_is_higher_at_advanced(seeded):
    standard = _income("standard", "74")
    assert [(first, last) for first, last, _v in standard] == [(y, y) for y in demo.YEARS]
    assert [v for *_y, v in standard] == [Decimal(v) for v in ("54", "58", "62", "66", "70")]
    advanced = [v for *_y, v in _income("advanced", "74")]
    assert advanced == [Decimal(v) for v in ("59.4", "63.8", "68.2", "72.6", "77.0")]
    assert [v for *_y, v in _income("standard", "20")][0] == Decimal("36")


def test_model_income_resolves_through_the_province_advanced_threshold(seeded):
    plan = seeded.plan
    cp = next(
        cp
        for cp in _province(seeded, "74")
        if 2025 in cp.years and cp.years[2025].level == demo.MODEL
    )
    a = _assessments(plan)[cp.commune.pk, 2025]
    result = selectors.result_for(selectors.assessments_for_scoring([a.pk]).get())
    income = result.level_result("model").criteria[1].indicators[0]
    assert income.threshold.value == Decimal("1.10") * Decimal("77.0")
    assert income.threshold.relative_to == ("advanced", "10.1")
    assert income.threshold.verified is False
    assert income.outcome == "pass"


def test_a_configured_threshold_leaves_no_room_for_a_demo_value(seeded):
    indicator = Indicator.objects.get(
        criterion__level__criteria_set__code=demo.SET_CODE,
        criterion__level__code="advanced",
        code="2.1",
    )
    binh_duong = Province.objects.get(structure="2021", code="74")
    indicator.thresholds.create(
        scope="province",
        province=binh_duong,
        value=Decimal("95"),
        first_year=2021,
        last_year=2023,
        source="UBND tỉnh Bình Dương (test)",
    )
    rows = [
        (t.province.code, t.first_year, t.last_year)
        for t in thresholds.demo_thresholds(seeded.plan)
        if t.indicator == indicator
    ]
    assert rows == [("74", 2024, 2025), ("22", 2021, 2025), ("20", 2021, 2025)]


# --------------------------------------------------------------------------- recognitions


def test_recognitions_are_demo_decisions_of_the_following_first_half(seeded):
    communes = Recognition.objects.filter(commune__isnull=False).select_related("commune__province")
    assert communes.count() == 360
    names = {c.code: c.name for c in demo.DEMO_PROVINCES}
    for r in communes:
        assert re.fullmatch(r"DEMO-\d{4}/QĐ-UBND", r.decision_number)
        assert r.decision_date.year == r.title_year + 1 and r.decision_date.month <= 6
        assert r.issuer == f"UBND tỉnh {names[r.commune.province.code]}"
    assert Counter(communes.values_list("level__code", flat=True)) == {
        "standard": 225,
        "advanced": 112,
        "model": 23,
    }


def test_recognitions_follow_approved_levels(seeded):
    found = _assessments(seeded.plan)
    for r in Recognition.objects.filter(commune__isnull=False).select_related("level"):
        a = found[r.commune_id, r.title_year]
        assert a.status == "approved"
        assert a.level in demo.LADDER[r.level.rank - 1 :], r


def test_an_eligible_commune_is_not_recognised(seeded):
    cp = _role(seeded.plan, demo.ELIGIBLE_NOT_RECOGNISED)
    assert cp.commune.code == "06757"
    found = _assessments(seeded.plan)
    assert [
        (found[cp.commune.pk, y].status, found[cp.commune.pk, y].level) for y in (2024, 2025)
    ] == [
        ("approved", "standard"),
        ("approved", "standard"),
    ]
    assert not Recognition.objects.filter(commune=cp.commune).exists()


def test_a_recognised_commune_no_longer_meets_the_criteria(seeded):
    cp = _role(seeded.plan, demo.NO_LONGER_MEETS)
    assert cp.commune.code == "25882"
    recognition = Recognition.objects.get(commune=cp.commune)
    assert (recognition.level.code, recognition.title_year) == ("standard", 2021)
    assert recognition.revoked_date is None
    latest = _assessments(seeded.plan)[cp.commune.pk, 2025]
    assert (latest.status, latest.level) == ("approved", "none")


def test_one_recognition_is_revoked_with_a_reason(seeded):
    revoked = Recognition.objects.exclude(revoked_date=None).get()
    assert revoked.commune == _role(seeded.plan, demo.REVOKED).commune
    assert revoked.commune.code == "06121"
    assert revoked.revoked_date == datetime.date(2024, 6, 20)
    assert re.fullmatch(r"DEMO-\d{4}/QĐ-UBND", revoked.revoked_decision)
    assert "no longer fully meets" in revoked.revoked_reason


def test_districts_whose_communes_all_met_the_standard_are_recognised(seeded):
    districts = Recognition.objects.filter(district__isnull=False).select_related("district")
    assert sorted((r.district.code, r.title_year) for r in districts) == [
        ("199", 2022),
        ("200", 2022),
        ("201", 2023),
        ("202", 2024),
        ("203", 2023),
        ("207", 2024),
        ("719", 2022),
        ("720", 2023),
        ("726", 2024),
    ]
    found = _assessments(seeded.plan)
    for r in districts:
        assert r.commune is None and r.issuer == "Thủ tướng Chính phủ"
        assert re.fullmatch(r"DEMO-\d{4}/QĐ-TTg", r.decision_number)
        communes = Commune.objects.rural().filter(district=r.district)
        levels = {found[c.pk, r.title_year].level for c in communes}
        assert "none" not in levels


# --------------------------------------------------------------------------- targets


def test_targets_apply_decision_263_as_an_illustration(seeded):
    targets = Target.objects.select_related("province", "level")
    assert {(t.province.code, t.year, t.level.code): t.percent for t in targets} == {
        ("74", 2025, "standard"): Decimal("95"),
        ("22", 2025, "standard"): Decimal("100"),
        ("20", 2025, "standard"): Decimal("60"),
        **{(p, 2025, "advanced"): Decimal("40") for p in DEMO_CODES},
        **{(p, 2025, "model"): Decimal("10") for p in DEMO_CODES},
    }
    for t in targets:
        assert "263/QĐ-TTg" in t.source and "as an illustration" in t.source


# --------------------------------------------------------------------------- the command


def test_summary_lists_levels_and_statuses_per_province_and_year(seeded):
    lines = seeded.output.splitlines()
    assert lines[0] == "Bình Dương (74): 39 rural communes"
    assert (
        "  2025: 37 assessed, 2 not yet | none 1, standard 12, advanced 19, model 5 | "
        "draft 5, submitted 8, approved 21, returned 3"
    ) in lines
    assert "Wrote 198 demo thresholds, 1510 assessments" in seeded.output
    assert "Note:" not in seeded.output  # every planned level holds with the OCOP answers


def test_second_run_is_identical_and_leaves_other_data_alone(seeded):
    _place_other_data()
    before, others = _snapshot(seeded.plan), _other_data()
    other_records = _other_records()
    assert [len(rows) for rows in others.values()] == [1, 7, 1, 1]
    out = io.StringIO()
    call_command("seed_demo", "--force", verbosity=0, stdout=out)
    assert out.getvalue() == ""
    after = _snapshot(seeded.plan)
    for name, rows in before.items():
        assert len(after[name]) == len(rows), name
        assert after[name] == rows, name
    assert _other_data() == others
    assert _other_records() == other_records


def test_a_run_on_the_current_demo_rewrites_nothing(seeded):
    before = _written_rows()
    out = io.StringIO()
    call_command("seed_demo", "--users-password", "demo-pass", stdout=out)
    assert "is current: nothing rewritten (--force rebuilds it)" in out.getvalue()
    assert "Bình Dương (74): 39 rural communes" in out.getvalue()
    assert _written_rows() == before
    logins = get_user_model().objects.filter(username__in=["officer_74", "approver_20", "national"])
    assert len(logins) == 3 and all(user.check_password("demo-pass") for user in logins)
    assert logins.get(username="approver_20").portal_access.role == "approver"


def test_a_changed_configuration_makes_the_demo_out_of_date(seeded):
    # A threshold the national office configures changes the demo's inputs: rebuilt next run.
    assert seeding.current(seeded.plan) is not None
    indicator = Indicator.objects.get(criterion__level__code="standard", code="2.1")
    indicator.thresholds.create(
        scope="national", value=Decimal("75"), first_year=2030, source="Quyết định (test)"
    )
    assert seeding.current(demo.build_plan()) is None


def _written_rows() -> dict[str, tuple[int, int | None]]:
    """How many rows each table holds, and its highest key: unchanged if nothing was written."""
    tables = {
        "assessments": Assessment.objects,
        "values": AssessmentValue.objects,
        "steps": WorkflowStep.objects,
        "assessment history": Assessment.history,
        "value history": AssessmentValue.history,
        "recognitions": Recognition.objects,
        "thresholds": Threshold.objects,
        "seedings": Seeding.objects,
    }
    return {
        name: tuple(rows.aggregate(n=Count("pk"), last=Max("pk")).values())
        for name, rows in tables.items()
    }


def _other_records() -> dict[str, list]:
    """The workflow steps and history of assessments that are not the demo's."""
    others = Assessment.objects.exclude(commune__province__code__in=DEMO_CODES)
    return {
        "steps": sorted(
            WorkflowStep.objects.filter(assessment__in=others).values_list("pk", "action")
        ),
        "history": sorted(
            Assessment.history.exclude(commune__province__code__in=DEMO_CODES).values_list(
                "history_id", "history_type"
            )
        ),
        "threshold history": sorted(
            Threshold.history.exclude(demo=True, province__code__in=DEMO_CODES).values_list(
                "history_id", "history_type"
            )
        ),
    }


def _place_other_data() -> None:
    """An assessment elsewhere, a demo threshold elsewhere, a configured threshold in a demo
    province, a real-looking recognition and a province's own target."""
    ha_noi = Commune.objects.rural().filter(structure="2021", province__code="01").first()
    services.create_assessment(commune=ha_noi, year=2023)
    indicator = Indicator.objects.get(criterion__level__code="standard", code="2.1")
    for code, is_demo, first_year in (("01", True, 2021), ("74", False, 2026)):
        indicator.thresholds.create(
            scope="province",
            province=Province.objects.get(structure="2021", code=code),
            value=Decimal("90"),
            first_year=first_year,
            source="kept",
            demo=is_demo,
        )
    levels = CriteriaSet.objects.get(code=demo.SET_CODE).levels
    Recognition.objects.create(
        commune=Commune.objects.rural().filter(structure="2021", province__code="22").first(),
        level=levels.get(code="standard"),
        title_year=2022,
        decision_number="1161/QĐ-UBND",
        decision_date=datetime.date(2023, 6, 5),
        issuer="UBND tỉnh Quảng Ninh",
    )
    Target.objects.create(
        province=Province.objects.get(structure="2021", code="20"),
        year=2025,
        level=levels.get(code="advanced"),
        count=30,
        source="Kế hoạch của tỉnh",
    )


def _other_data() -> dict[str, list]:
    """Every row that is not the demo's own."""
    queries = {
        "assessments": Assessment.objects.exclude(
            commune__province__code__in=DEMO_CODES
        ).values_list("pk", "level", "status", "version"),
        "thresholds": Threshold.objects.exclude(
            demo=True, province__code__in=DEMO_CODES
        ).values_list("pk", "value", "province__code", "demo"),
        "recognitions": Recognition.objects.exclude(
            decision_number__startswith=records.DECISION_PREFIX
        ).values_list("pk", "decision_number"),
        "targets": Target.objects.exclude(source__startswith=records.TARGET_MARK).values_list(
            "pk", "count"
        ),
    }
    return {name: sorted(query) for name, query in queries.items()}


def test_missing_criteria_set_names_the_command_to_run(seeded):
    CriteriaSet.objects.filter(code=demo.SET_CODE).update(code="RENAMED")
    with pytest.raises(CommandError, match=r"Run: python manage.py load_criteria"):
        call_command("seed_demo", verbosity=0)


def test_missing_units_name_the_command_to_run(seeded):
    Province.objects.filter(structure="2021", code="74").update(code="99")
    with pytest.raises(CommandError, match=r"load_admin_units --structure 2021"):
        call_command("seed_demo", verbosity=0)


def test_the_demo_provinces_have_approved_programme_records(seeded):
    """Capital, works, models and hamlet titles of 2023 and 2024 and the plan of 2025, entered
    and approved through programme.services, so that the programme page, its statistics and
    the annual report show something after make run."""
    for code in DEMO_CODES:
        fundings = Funding.objects.filter(province__code=code, province__structure="2021")
        assert sorted(set(fundings.values_list("year", flat=True))) == [2023, 2024]
        assert set(fundings.values_list("status", flat=True)) == {"approved"}
        assert all(
            note.startswith("Minh họa (demo)") for note in fundings.values_list("note", flat=True)
        )
        titles = HamletTitle.objects.filter(province__code=code, province__structure="2021")
        assert titles.filter(decision_number__startswith="DEMO-").count() == titles.count() > 0
        assert YearPlan.objects.filter(province__code=code, year=2025, status="approved").exists()
    steps = Step.objects.filter(record_type="funding").values_list("action", flat=True)
    assert sorted(set(steps)) == ["approve", "submit"]
    text = annual.text(
        annual.annual_report(Province.objects.get(structure="2021", code="20"), 2024)
    )
    assert "Tổng nguồn vốn huy động thực hiện Chương trình năm 2024:" in text
    assert "Kế hoạch năm 2025:" in text
