"""Saving values rescores at once; bad input, stale versions and locks change nothing."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection

from communes.models import Commune
from criteria import registry
from criteria.models import Assessment, AssessmentValue, CommuneClass, CriterionResult, Threshold
from criteria.services import (
    LockedError,
    StaleVersionError,
    create_assessment,
    recompute,
    save_values,
)
from tests.criteria.builders import indicator

pytestmark = pytest.mark.django_db

ALL_STANDARD = {"income": 55, "irrigation": "80", "plan": True}


def _values(assessment) -> dict:
    return {
        v.measure.code: (v.number, v.flag, v.not_applicable, v.note)
        for v in assessment.values.select_related("measure")
    }


def test_a_new_assessment_starts_at_no_level(small_set, bach_dang):
    assessment = create_assessment(commune=bach_dang, year=2023)
    assert (assessment.level, assessment.criteria_met, assessment.version) == ("none", 0, 1)
    assessment.refresh_from_db()
    assert assessment.class_value == "dnb"
    assert assessment.criteria_met_by_level == {"standard": [0, 3], "advanced": [0, 2]}
    assert assessment.complete is False
    assert CriterionResult.objects.filter(assessment=assessment).count() == 5


def test_saving_values_rescores_in_the_same_call(small_set, bach_dang):
    assessment = create_assessment(commune=bach_dang, year=2023)
    result = save_values(assessment=assessment, values=ALL_STANDARD, version=1)
    assessment.refresh_from_db()
    assert result.level == "standard"
    assert (assessment.level, assessment.criteria_met, assessment.version) == ("standard", 3, 2)
    assert assessment.criteria_met_by_level == {"standard": [3, 3], "advanced": [0, 2]}
    assert _values(assessment)["income"] == (Decimal("55"), None, False, "")
    assert result.next_level == "advanced"
    assert [(i.code, i.outcome) for i in result.gap] == [("1.1", "fail"), ("2.1", "missing")]


def test_region_threshold_applies_to_the_commune_region(small_set, bach_dang, lang_son_commune):
    # 45 passes the national 40 in Lạng Sơn but not the Southeast's 50 in Bình Dương.
    values = {"income": 45, "irrigation": 90, "plan": True}
    southeast = create_assessment(commune=bach_dang, year=2023)
    north = create_assessment(commune=lang_son_commune, year=2023)
    assert save_values(assessment=southeast, values=values, version=1).level == "none"
    assert save_values(assessment=north, values=values, version=1).level == "standard"


def test_a_commune_class_override_changes_its_thresholds(small_set, bach_dang):
    CommuneClass.objects.create(
        commune=bach_dang,
        criteria_set=small_set,
        year=2023,
        class_value="tdmnpb",
        reason="especially difficult commune",
    )
    assessment = create_assessment(commune=bach_dang, year=2023)
    result = save_values(assessment=assessment, values={**ALL_STANDARD, "income": 45}, version=1)
    assessment.refresh_from_db()
    assert (result.level, assessment.class_value) == ("standard", "tdmnpb")


def test_a_province_threshold_beats_the_region(small_set, bach_dang):
    Threshold.objects.create(
        indicator=small_set.levels.get(code="standard").criteria.get(number="1").indicators.get(),
        scope="province",
        province=bach_dang.province,
        value=Decimal("56"),
        source="demo",
        demo=True,
        first_year=2023,
        last_year=2023,
    )
    assessment = create_assessment(commune=bach_dang, year=2023)
    result = save_values(assessment=assessment, values=ALL_STANDARD, version=1)
    income = result.level_result("standard").criteria[0].indicators[0]
    assert (income.outcome, income.threshold.value, income.threshold.scope) == (
        "fail",
        Decimal("56"),
        "province",
    )


def test_reaching_advanced(small_set, bach_dang):
    assessment = create_assessment(commune=bach_dang, year=2024)
    values = {**ALL_STANDARD, "income": 60, "crafts": {"not_applicable": True, "note": "none"}}
    result = save_values(assessment=assessment, values=values, version=1)
    assert (result.level, result.next_level, result.gap) == ("advanced", None, ())
    assessment.refresh_from_db()
    assert assessment.complete is True


def test_clearing_a_value_makes_it_missing(small_set, bach_dang):
    assessment = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=assessment, values=ALL_STANDARD, version=1)
    result = save_values(assessment=assessment, values={"plan": None}, version=2)
    assert "plan" not in _values(assessment)
    assert result.level == "none"
    assert result.level_result("standard").criteria[2].status == "incomplete"


def test_a_stale_version_is_refused_and_changes_nothing(small_set, bach_dang):
    assessment = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=assessment, values={"income": 41}, version=1)
    with pytest.raises(StaleVersionError) as error:
        save_values(assessment=assessment, values={"income": 99}, version=1)
    assert error.value.current_version == 2
    assert "version 2" in str(error.value)
    assert _values(assessment)["income"][0] == Decimal("41")
    assessment.refresh_from_db()
    assert assessment.version == 2


def test_an_approved_assessment_is_locked(small_set, bach_dang):
    assessment = create_assessment(commune=bach_dang, year=2023)
    Assessment.objects.filter(pk=assessment.pk).update(status="approved")
    with pytest.raises(LockedError, match="approved and locked"):
        save_values(assessment=assessment, values={"income": 41}, version=1)
    assert not AssessmentValue.objects.filter(assessment=assessment).exists()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"irrigation": 100.5}, "irrigation", "A percentage is between 0 and 100."),
        ({"income": -1}, "income", "The value cannot be negative."),
        ({"income": "abc"}, "income", "“abc” is not a number."),
        ({"income": True}, "income", "Enter a number, not yes/no."),
        ({"income": "1.23456"}, "income", "at most 10 digits before and 4 after"),
        ({"income": "NaN"}, "income", "“NaN” is not a number."),
        ({"income": "١٢"}, "income", "“١٢” is not a number."),  # other scripts' digits
        ({"income": "1e3"}, "income", "“1e3” is not a number."),  # no exponent
        ({"income": "1 000"}, "income", "Write digits 0-9"),  # no grouping
        ({"plan": "yes"}, "plan", "Answer yes (true) or no (false)."),
        (
            {"plan": {"not_applicable": True, "note": "x"}},
            "plan",
            "cannot be marked not applicable",
        ),
        ({"crafts": {"not_applicable": True}}, "crafts", "a note is required"),
        (
            {"crafts": {"not_applicable": True, "value": True, "note": "x"}},
            "crafts",
            "cannot also have a value",
        ),
        ({"income": {"value": 1, "colour": "red"}}, "income", "Unknown keys: colour."),
        ({"ocop_products": 2}, "ocop_products", "computed from other data"),
        ({"nonsense": 1}, "nonsense", "Unknown measure “nonsense” in TEST-2021-2025."),
    ],
)
def test_bad_values_are_refused_with_the_reason(small_set, bach_dang, values, field, message):
    assessment = create_assessment(commune=bach_dang, year=2023)
    with pytest.raises(ValidationError) as error:
        save_values(assessment=assessment, values={"irrigation": 90, **values}, version=1)
    assert list(error.value.message_dict) == [field]
    assert message in error.value.message_dict[field][0]
    assert not AssessmentValue.objects.filter(assessment=assessment).exists()
    assessment.refresh_from_db()
    assert assessment.version == 1


def test_decimal_comma_is_accepted(small_set, bach_dang):
    assessment = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=assessment, values={"irrigation": "80,5"}, version=1)
    assert _values(assessment)["irrigation"][0] == Decimal("80.5")


def test_only_rural_communes_and_one_per_year(small_set, bach_dang):
    ward = Commune.objects.get(structure="2021", code="25933")
    with pytest.raises(ValidationError, match="Only rural communes"):
        create_assessment(commune=ward, year=2023)
    create_assessment(commune=bach_dang, year=2023)
    with pytest.raises(ValidationError, match="already has an assessment for 2023"):
        create_assessment(commune=bach_dang, year=2023)
    with pytest.raises(ValidationError, match="No criteria set is in force in 2031"):
        create_assessment(commune=bach_dang, year=2031)


def test_derived_values_come_from_the_registry(small_set, bach_dang):
    advanced = small_set.levels.get(code="advanced")
    measure = small_set.measures.get(code="ocop_products")
    indicator(advanced, "3", "3.1", measure, ">=", ("national", None, "1"))
    registry.register("test.ocop_products", lambda ids, year: {i: 2 for i in ids})
    try:
        assessment = create_assessment(commune=bach_dang, year=2023)
        values = {**ALL_STANDARD, "income": 60, "crafts": True}
        result = save_values(assessment=assessment, values=values, version=1)
    finally:
        registry.unregister("test.ocop_products")
    ocop = result.level_result("advanced").criteria[2].indicators[0]
    assert (ocop.value, ocop.outcome) == (Decimal(2), "pass")
    assert result.level == "advanced"


def test_a_derived_measure_without_provider_is_missing(small_set, bach_dang):
    measure = small_set.measures.get(code="ocop_products")
    indicator(
        small_set.levels.get(code="advanced"), "3", "3.1", measure, ">=", ("national", None, "1")
    )
    assessment = create_assessment(commune=bach_dang, year=2023)
    result = save_values(
        assessment=assessment, values={**ALL_STANDARD, "income": 60, "crafts": True}, version=1
    )
    assert result.level_result("advanced").criteria[2].status == "incomplete"
    assert result.level == "standard"


def test_recompute_applies_changed_thresholds(small_set, bach_dang, lang_son_commune):
    first = create_assessment(commune=bach_dang, year=2023)
    second = create_assessment(commune=lang_son_commune, year=2023)
    for assessment in (first, second):
        save_values(assessment=assessment, values=ALL_STANDARD, version=1)
    Threshold.objects.filter(indicator__code="2.1", scope="national", value=80).update(value=85)
    out = io.StringIO()
    call_command("recompute_scores", "--year", "2023", stdout=out)
    assert out.getvalue().strip() == "rescored 2 assessment(s)"
    assert set(Assessment.objects.values_list("level", flat=True)) == {"none"}


def test_recompute_costs_the_same_queries_for_more_assessments(
    small_set, django_assert_max_num_queries
):
    communes = list(Commune.objects.rural().filter(structure="2021", province__code="74")[:12])
    for commune in communes:
        create_assessment(commune=commune, year=2023)
    # ids, assessments, 4 for the rules, criterion ids, values, classes, derived measures,
    # bulk update, delete and insert of criterion results, the editions in force, the sets'
    # shared lock, savepoints: constant in the count.
    with django_assert_max_num_queries(20):
        assert recompute(year=2023) == 12


def test_recompute_refuses_an_unknown_province():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="unknown province code 99"):
        call_command("recompute_scores", "--province", "99")


def test_one_assessment_per_commune_year_and_set(small_set, bach_dang):
    Assessment.objects.create(commune=bach_dang, year=2023, criteria_set=small_set)
    with pytest.raises(IntegrityError):
        Assessment.objects.create(commune=bach_dang, year=2023, criteria_set=small_set)


def test_threshold_scope_must_be_consistent(small_set):
    indicator = small_set.levels.get(code="standard").criteria.get(number="1").indicators.get()
    with pytest.raises(IntegrityError):
        Threshold.objects.create(indicator=indicator, scope="province", value=1, source="x")


def test_not_applicable_needs_a_note_in_the_database(small_set, bach_dang):
    assessment = Assessment.objects.create(commune=bach_dang, year=2023, criteria_set=small_set)
    with pytest.raises(IntegrityError):
        AssessmentValue.objects.create(
            assessment=assessment,
            measure=small_set.measures.get(code="crafts"),
            not_applicable=True,
        )


def test_a_save_scores_once_in_a_fixed_number_of_queries(
    small_set, bach_dang, django_assert_num_queries
):
    assessment = create_assessment(commune=bach_dang, year=2023)
    # The set's shared lock, locked row, the year's closure, its set, measures, existing
    # values, insert and its history, version and its history; the assessment loaded for
    # scoring, the rules' fingerprint (compiled when the assessment was created), values,
    # classes, criterion ids; result update, criterion results read and updated in place
    # (one statement per new status: here met and not met); refresh; 4 savepoints (the
    # editions in force come with the compiled rules). Scoring twice (or a query per
    # indicator) would show. On PostgreSQL the criterion results are read as one line and
    # changed by one statement (not 2 updates).
    with django_assert_num_queries(23 if connection.vendor == "postgresql" else 24):
        save_values(assessment=assessment, values=ALL_STANDARD, version=1)


def test_a_derived_change_rescores_open_assessments_only(small_set, bach_dang, lang_son_commune):
    counts = {}
    registry.register("test.ocop_products", lambda ids, year: {i: counts.get(i) for i in ids})
    try:
        advanced = small_set.levels.get(code="advanced")
        indicator(
            advanced,
            "3",
            "3.1",
            small_set.measures.get(code="ocop_products"),
            ">=",
            ("national", None, "1"),
        )
        open_one = create_assessment(commune=bach_dang, year=2023)
        approved = create_assessment(commune=lang_son_commune, year=2023)
        Assessment.objects.filter(pk=approved.pk).update(status="approved")
        counts.update({bach_dang.pk: 1, lang_son_commune.pk: 1})

        registry.changed("test.ocop_products", [bach_dang.pk, lang_son_commune.pk])

        # The approved assessment keeps the result it was approved with.
        rows = CriterionResult.objects.filter(criterion__number="3", criterion__level=advanced)
        assert set(rows.values_list("assessment_id", "status")) == {
            (open_one.pk, "met"),
            (approved.pk, "incomplete"),
        }
    finally:
        registry.unregister("test.ocop_products")


def test_a_change_measure_takes_a_negative_rate_and_others_do_not(small_set):
    from criteria.models import Measure
    from criteria.services import parse_value

    change = Measure(criteria_set=small_set, code="growth", value_type="change")
    assert parse_value(change, "-3,5").number == Decimal("-3.5")
    assert parse_value(change, "140").number == Decimal("140")
    money = Measure(criteria_set=small_set, code="money", value_type="money")
    with pytest.raises(ValidationError, match="cannot be negative"):
        parse_value(money, "-3")


def test_a_count_is_a_whole_number(small_set):
    from criteria.models import Measure
    from criteria.services import parse_value

    villages = Measure(criteria_set=small_set, code="villages", value_type="count")
    assert parse_value(villages, "4").number == 4
    assert parse_value(villages, "4,0").number == 4  # written with a decimal, still whole
    for typed in ("2.7", "1,5", "0.0001"):
        with pytest.raises(ValidationError, match="A count is a whole number."):
            parse_value(villages, typed)
    with pytest.raises(ValidationError, match="cannot be negative"):
        parse_value(villages, "-1")


def test_the_real_sets_counts_are_counts(db):
    """The 2021-2025 set's villages, products and fields are counted, not measured."""
    from criteria.loading import CRITERIA_DIR, read_criteria_file

    doc = read_criteria_file(CRITERIA_DIR / "ntm-2021-2025.json")
    types = {code: m["value_type"] for code, m in doc.measures.items()}
    assert {code for code, kind in types.items() if kind == "count"} == {
        "ocop_certified_products",
        "smart_villages_count",
        "outstanding_fields_count",
    }
    assert types["public_green_land_per_capita"] == "number"  # m² a person: not whole


def test_minus_zero_is_zero_and_a_comma_is_a_decimal_point(small_set):
    from criteria.models import Measure
    from criteria.services import parse_value

    income = Measure(criteria_set=small_set, code="income", value_type="money")
    assert str(parse_value(income, "-0").number) == "0"
    assert parse_value(income, "55,5").number == Decimal("55.5")
    assert parse_value(income, 55.5).number == Decimal("55.5")
