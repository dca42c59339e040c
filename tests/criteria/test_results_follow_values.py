"""Stored results follow the values: verify_results finds every one that does not, recompute
mends the open ones and leaves approved ones as they were approved, and a value save racing an
OCOP change never leaves a stored result that disagrees with the values (PostgreSQL)."""

import datetime
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from criteria import selectors
from criteria.models import Assessment, Indicator, Threshold
from criteria.services import create_assessment, move, recompute, save_values
from criteria.services.results import disagreements
from ocop import services as ocop
from tests.concurrency import in_thread
from tests.criteria.builders import indicator, measure


def _verify(*args) -> list[str]:
    out = StringIO()
    call_command("verify_results", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def two_assessments(small_set, bach_dang, lang_son_commune):
    """An open assessment and an approved one, both meeting the standard level in 2023."""
    values = {"income": 55, "irrigation": 85, "plan": True}
    open_one = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=open_one, values=values, version=1)
    approved = create_assessment(commune=lang_son_commune, year=2023)
    save_values(assessment=approved, values=values, version=1)
    move(assessment=approved, version=approved.version, action="submit")
    move(assessment=approved, version=approved.version, action="approve")
    return open_one, approved


def test_verify_results_finds_what_a_threshold_change_left_behind(two_assessments):
    open_one, approved = two_assessments
    assert _verify() == ["checked 2 assessment(s): 0 stored result(s) disagree"]
    income = Indicator.objects.get(criterion__level__code="standard", code="1.1")
    Threshold.objects.filter(indicator=income).update(value=Decimal("60"))
    with pytest.raises(CommandError, match="checked 2 assessment.s.: 2 stored result.s. disagree"):
        _verify()
    assert recompute(year=2023) == 1  # the open one only
    open_one.refresh_from_db()
    approved.refresh_from_db()
    assert (open_one.level, approved.level) == ("none", "standard")
    out = StringIO()
    with pytest.raises(CommandError, match="1 stored result.s. disagree"):
        call_command("verify_results", "--year", "2023", stdout=out)
    assert out.getvalue().splitlines() == [
        f"{approved.pk} {approved.commune.code} {approved.commune.name} 2023 (approved): "
        "level 'standard' -> 'none', criteria_met 3 -> 2, "
        "criteria_met_by_level {'advanced': [0, 2], 'standard': [3, 3]} -> "
        "{'advanced': [0, 2], 'standard': [2, 3]}"
    ]


def test_verify_results_refuses_an_unknown_province(db):
    with pytest.raises(CommandError, match="unknown province code 99"):
        _verify("--province", "99")


# --- a value save racing an OCOP change (PostgreSQL row locks) --------------------------------

ROUNDS = 12


@pytest.fixture
def ocop_decides(transactional_db, small_set, bach_dang):
    """Advanced criterion 3: at least one certified OCOP product (derived from ocop), so that
    the result depends on both the officer's values and the OCOP registry."""
    products = measure(
        small_set, "certified", "number", source="derived", derived_from=ocop.CERTIFIED_PRODUCTS
    )
    advanced = small_set.levels.get(code="advanced")
    indicator(advanced, "3", "3.1", products, ">=", ("national", None, "1"))
    producer = ocop.create_producer(name="HTX Bạch Đằng", kind="cooperative", commune=bach_dang)
    product = ocop.create_product(producer=producer, name="Bưởi", group="food")
    assessment = create_assessment(commune=bach_dang, year=2023)
    values = {"income": 70, "irrigation": 85, "plan": True, "crafts": True}
    save_values(assessment=assessment, values=values, version=1)
    return assessment, product


@pytest.mark.postgres
def test_a_value_save_racing_an_ocop_change_leaves_a_true_result(reloads_units_after, ocop_decides):
    assessment, product = ocop_decides
    wrong = []
    for n in range(ROUNDS):
        version = Assessment.objects.get(pk=assessment.pk).version
        barrier, errors = threading.Barrier(2), []

        def officer(n=n, version=version):
            values = {"income": 70 if n % 2 else 50}
            save_values(assessment=assessment, values=values, version=version)

        def registry(n=n):
            if n % 2 == 0:
                ocop.record_evaluation(
                    product=product,
                    score=Decimal("75"),
                    level="province",
                    decision_number=f"{n}/QĐ-UBND",
                    decision_date=datetime.date(2023, 3, 1) + datetime.timedelta(days=n),
                )
            else:
                current = product.evaluations.order_by("-decision_date").first()
                ocop.revoke_evaluation(
                    evaluation=current,
                    revoked_date=datetime.date(2023, 9, 1),
                    reason="Kiểm tra lại",
                    decision=f"{n}/QĐ-UBND-TH",
                )

        threads = [in_thread(officer, barrier, errors), in_thread(registry, barrier, errors)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        stored = selectors.assessments_for_scoring([assessment.pk]).get()
        wrong += [n for _a, _s, _l in disagreements([stored])]
    assert wrong == []


# --- saves and new assessments racing a publication (PostgreSQL) --------------------------------


@pytest.fixture
def published_set(transactional_db, small_set, bach_dang):
    from tests.criteria.builders import first_edition

    first_edition(small_set)
    assessment = create_assessment(commune=bach_dang, year=2023)
    save_values(
        assessment=assessment, values={"income": 55, "irrigation": 85, "plan": True}, version=1
    )
    return assessment


@pytest.mark.postgres
def test_saves_and_new_assessments_racing_a_publication_leave_true_results(
    reloads_units_after, published_set, small_set
):
    from communes.models import Commune
    from criteria.models import EditionChange
    from criteria.services.editions import ChangeEntry, publish_now

    assessment = published_set
    newcomers = list(
        Commune.objects.rural().filter(structure="2021", province__code="74")[1 : ROUNDS + 1]
    )
    wrong = []
    for n in range(ROUNDS):
        version = Assessment.objects.get(pk=assessment.pk).version
        southeast = Threshold.objects.get(class_value="dnb")
        barrier, errors = threading.Barrier(3), []

        def officer(n=n, version=version):
            save_values(assessment=assessment, values={"income": 55 + n % 2 * 10}, version=version)

        def newcomer(n=n):
            create_assessment(commune=newcomers[n], year=2023)

        def office(n=n, southeast=southeast):
            publish_now(
                criteria_set=small_set,
                title=f"Vòng {n}",
                first_year=2021,
                last_year=2025,
                entries=[
                    ChangeEntry(
                        1,
                        EditionChange.Kind.CHANGE_THRESHOLD,
                        {"value": "60" if n % 2 == 0 else "50"},
                        southeast.pk,
                    )
                ],
                decision_number=f"{n}/QĐ",
                decision_date=datetime.date(2024, 1, 1),
                user=None,
            )

        threads = [in_thread(work, barrier, errors) for work in (officer, newcomer, office)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        everything = list(selectors.assessments_for_scoring(selectors.assessment_ids()))
        wrong += [(n, a.pk) for a, _s, _l in disagreements(everything)]
    assert wrong == []


# --- two creations of one commune's year racing (PostgreSQL) ----------------------------------


@pytest.mark.postgres
def test_two_creations_racing_give_one_assessment_and_one_conflict_with_its_id(
    reloads_units_after, transactional_db, small_set, bach_dang
):
    from criteria.services import AlreadyExistsError

    for year in (2021, 2022, 2023, 2024, 2025):
        barrier, errors, refused = threading.Barrier(2), [], []

        def create(year=year, refused=refused):
            try:
                create_assessment(commune=bach_dang, year=year)
            except AlreadyExistsError as error:
                refused.append(error.existing_id)

        threads = [in_thread(create, barrier, errors) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        existing = Assessment.objects.get(commune=bach_dang, year=year)
        assert refused == [existing.pk]
