"""Advanced NTM indicator 13.2 ("the commune has a certified OCOP product still valid"), fed by
the OCOP registry through criteria's registry: recording or revoking a rating rescores the open
assessments of the product's commune in the same transaction."""

import datetime

import pytest
from django.core.management import call_command

from criteria.models import CriterionResult
from criteria.selectors import result_for
from criteria.services import create_assessment
from ocop import services
from tests.ocop.builders import evaluate

pytestmark = pytest.mark.django_db

day = datetime.date


@pytest.fixture
def assessment(bach_dang):
    call_command("load_criteria", verbosity=0)
    return create_assessment(commune=bach_dang, year=2024)


def _indicator(assessment):
    """13.2 at the advanced level as scored now, and as stored by the last rescoring."""
    advanced = result_for(assessment).level_result("advanced")
    indicator = next(i for c in advanced.criteria for i in c.indicators if i.code == "13.2")
    stored = CriterionResult.objects.get(
        assessment=assessment, criterion__level__code="advanced", criterion__number="13"
    )
    return indicator, stored.status


def test_without_products_13_2_fails_with_zero_not_missing(assessment):
    indicator, stored = _indicator(assessment)
    assert (indicator.outcome, indicator.value) == ("fail", 0)
    assert stored == "not_met"


def test_certified_product_passes_13_2_and_revocation_fails_it_again(assessment, product):
    evaluate(product, day(2024, 5, 1), score="72")  # 4 stars, valid through 2027-04-30
    indicator, stored = _indicator(assessment)
    assert (indicator.outcome, indicator.value) == ("pass", 1)
    assert stored == "met"  # rescored by the registry listener, not only when read

    evaluation = product.evaluations.get()
    services.revoke_evaluation(
        evaluation=evaluation,
        revoked_date=day(2024, 10, 1),
        reason="Vi phạm quy trình sản xuất đã công bố",
        decision="3763/QĐ-UBND",
    )
    indicator, stored = _indicator(assessment)
    assert (indicator.outcome, indicator.value) == ("fail", 0)
    assert stored == "not_met"


def test_two_star_product_does_not_count(assessment, product):
    evaluate(product, day(2024, 5, 1), score="45")
    indicator, stored = _indicator(assessment)
    assert (indicator.outcome, indicator.value) == ("fail", 0)
    assert stored == "not_met"


def test_rating_expired_before_31_december_does_not_count(assessment, product):
    evaluate(product, day(2021, 12, 31), score="60")  # valid through 2024-12-30
    indicator, _ = _indicator(assessment)
    assert (indicator.outcome, indicator.value) == ("fail", 0)


def test_product_of_another_commune_does_not_count(assessment, producer, neighbour):
    elsewhere = services.create_product(
        producer=producer, name="Chè", group="drinks", commune=neighbour
    )
    evaluate(elsewhere, day(2024, 5, 1), score="80")
    indicator, stored = _indicator(assessment)
    assert (indicator.outcome, indicator.value) == ("fail", 0)
    assert stored == "not_met"
