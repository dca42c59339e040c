"""Each domain question has one answer, asked by every caller: the set that governs a year,
the title a commune holds, who may take a workflow step, and the demo flag of the threshold
that applied (the scoring engine's, never re-derived)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.access import ANONYMOUS, Access
from accounts.models import Role
from communes.models import Commune
from criteria import scoring, selectors
from criteria.models import Assessment, CriteriaSet, Level, Recognition
from criteria.services import create_assessment, workflow

# --- the set that governs a year ------------------------------------------------------------


def _set(code, first, last):
    cset = CriteriaSet.objects.create(
        code=code,
        name_vi=code,
        name_en=code,
        legal_basis="test",
        first_year=first,
        last_year=last,
        classification="region",
    )
    Level.objects.create(criteria_set=cset, code="standard", rank=1, name_vi="Đạt", name_en="Std")
    return cset


@pytest.mark.django_db
def test_no_set_covers_the_year():
    assert CriteriaSet.objects.for_year(2031) is None
    assert selectors.ladder_for_year(2031).criteria_set is None
    with pytest.raises(ValidationError) as error:
        CriteriaSet.objects.for_year_or_error(2031)
    assert error.value.message_dict == {"year": ["No criteria set is in force in 2031."]}


@pytest.mark.django_db
def test_one_set_governs_its_period_only():
    old = _set("OLD", 2021, 2025)
    assert [CriteriaSet.objects.for_year(y) for y in (2020, 2021, 2025, 2026)] == [
        None,
        old,
        old,
        None,
    ]


@pytest.mark.django_db
def test_where_two_sets_overlap_the_one_that_began_last_governs(db):
    # A rural commune of the merged map, on which 2026 is assessed.
    commune = Commune.objects.rural(2026).filter(structure="2025").first()
    old = _set("OLD", 2021, 2026)
    new = _set("NEW", 2026, 2030)
    assert CriteriaSet.objects.for_year(2025) == old
    assert CriteriaSet.objects.for_year(2026) == new
    # Every caller follows: the ladder of the pages and statistics, and new assessments.
    assert selectors.ladder_for_year(2026).criteria_set == new
    governed = create_assessment(commune=commune, year=2026)
    assert governed.criteria_set == new
    # The unit lists and overview join the commune's assessment of the year once, under the
    # set that governs it: the old set's assessment of the same year is not the commune's.
    Assessment.objects.create(commune=commune, year=2026, criteria_set=old, level="standard")
    country = Access(Role.APPROVER, None, authenticated=True)
    own = Access(Role.OFFICER, commune.province_id, authenticated=True)
    for access in (country, own):
        rows = selectors.communes_for_year(Commune.objects.filter(pk=commune.pk), access, 2026)
        assert [(c.assessment_id, c.computed_level) for c in rows] == [(governed.pk, "none")]
        counts = selectors.levels_by_unit(access, 2026, "commune__province", [commune.province_id])
        assert counts == {commune.province_id: {"none": 1}}
    # A draft of the governing set is the staff's alone; the public sees no assessment.
    public = selectors.communes_for_year(Commune.objects.filter(pk=commune.pk), ANONYMOUS, 2026)
    assert [c.assessment_id for c in public] == [None]


# --- the title held ------------------------------------------------------------------------


def _title(commune, level, *, year, decided, revoked=None):
    return Recognition.objects.create(
        commune=commune,
        level=level,
        title_year=year,
        decision_number=f"{year}/QĐ-UBND",
        decision_date=decided,
        issuer="UBND tỉnh",
        revoked_date=revoked,
    )


@pytest.mark.django_db
def test_the_title_held_is_on_31_december_on_the_governing_ladder(small_set, bach_dang):
    standard = small_set.levels.get(code="standard")
    advanced = small_set.levels.get(code="advanced")
    _title(bach_dang, standard, year=2022, decided=datetime.date(2022, 11, 1))
    _title(
        bach_dang,
        advanced,
        year=2023,
        decided=datetime.date(2023, 12, 31),
        revoked=datetime.date(2024, 3, 1),
    )

    def held(year):
        return selectors.recognised_level(bach_dang, year, small_set)

    assert held(2021) is None  # decided in 2022
    assert held(2022) == standard
    assert held(2023) == advanced  # decided on the last day, revoked only later
    assert held(2024) == standard  # revoked in March: the older title remains
    other = _set("OTHER", 2021, 2025)
    _title(bach_dang, other.levels.get(), year=2022, decided=datetime.date(2022, 1, 5))
    # Another period's ladder is another ladder.
    assert list(Recognition.objects.held(2022, small_set).values_list("level", flat=True)) == [
        standard.pk
    ]


# --- who may take a workflow step -----------------------------------------------------------

HOME, ELSEWHERE = 1, 2


@pytest.mark.parametrize(
    ("access", "allowed"),
    [
        (ANONYMOUS, set()),
        (Access(Role.VIEWER, HOME, authenticated=True), set()),
        (Access(Role.OFFICER, HOME, authenticated=True), {"submit"}),
        (
            Access(Role.APPROVER, HOME, authenticated=True),
            {"submit", "approve", "return", "reopen"},
        ),
        (
            Access(Role.NATIONAL, None, authenticated=True),
            {"submit", "approve", "return", "reopen"},
        ),
        (Access(Role.APPROVER, ELSEWHERE, authenticated=True), set()),
    ],
)
def test_who_may_take_each_step(access, allowed):
    actions = ("submit", "approve", "return", "reopen", "delete")
    assert {a for a in actions if workflow.may_take(access, a, HOME)} == allowed


# --- the demo flag comes from the engine ----------------------------------------------------


def test_a_threshold_scaled_from_a_demo_value_is_a_demo_value():
    base = scoring.ThresholdRule(scope=scoring.Scope.PROVINCE, scope_value="74", value=Decimal(50))
    demo = scoring.ThresholdRule(
        scope=scoring.Scope.PROVINCE, scope_value="74", value=Decimal(50), demo=True
    )
    scaled = scoring.ThresholdRule(
        scope=scoring.Scope.NATIONAL, relative_to=("standard", "1.1"), factor=Decimal("1.1")
    )
    subject = scoring.Subject(year=2023, province="74", class_value="dnb")
    for rule, expected in ((base, False), (demo, True)):
        rules = scoring.RuleSet(
            code="T",
            levels=(
                scoring.LevelRule(
                    code="standard",
                    rank=1,
                    criteria=(
                        scoring.CriterionRule(
                            code="1",
                            indicators=(
                                scoring.IndicatorRule(
                                    "1.1", "income", scoring.Comparison.GTE, (rule,)
                                ),
                            ),
                        ),
                    ),
                ),
                scoring.LevelRule(
                    code="advanced",
                    rank=2,
                    criteria=(
                        scoring.CriterionRule(
                            code="1",
                            indicators=(
                                scoring.IndicatorRule(
                                    "1.1", "income", scoring.Comparison.GTE, (scaled,)
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        )
        own = scoring.resolve_threshold(
            rules, "standard", rules.levels[0].criteria[0].indicators[0], subject
        )
        derived = scoring.resolve_threshold(
            rules, "advanced", rules.levels[1].criteria[0].indicators[0], subject
        )
        assert (own.demo, derived.demo, derived.value) == (expected, expected, Decimal("55.0"))
