"""programme.services and programme.selectors called directly: changes, the rules of each kind
of record, and the plan's progress."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.access import access_for
from communes.models import Commune, Province
from programme import selectors, services
from programme.models import (
    Funding,
    FundingSource,
    HamletTitle,
    ProductionModel,
    Status,
    YearPlan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(db):
    return Province.objects.get(structure="2021", code="20")


@pytest.fixture
def officer(cast):
    return access_for(cast.officer_20)


@pytest.fixture
def approver(cast):
    return access_for(cast.approver_20)


def _approve(record, officer, approver):
    record = services.move(record, action="submit", access=officer)
    return services.move(record, action="approve", access=approver)


def _funding(officer, province, **data):
    source = FundingSource.objects.get(code=data.pop("source", "credit"))
    base = {"province": province, "year": 2021, "source": source, "kind": "actual"}
    return services.create(Funding, access=officer, data={**base, **data})


def test_an_update_is_checked_as_a_creation(kinds, officer, province, lang_son):
    total = _funding(officer, province, amount="100")
    detail = _funding(officer, province, amount="5", kind="planned", commune=lang_son[0])
    assert detail.district == lang_son[0].district  # the commune's district, set for it
    with pytest.raises(ValidationError) as refused:
        services.update(detail, access=officer, data={"kind": "actual"})
    assert "source" in refused.value.message_dict
    updated = services.update(total, access=officer, version=1, data={"amount": "120,25"})
    assert (updated.amount, updated.version) == (Decimal("120.25"), 2)
    with pytest.raises(services.StateError) as stale:
        services.update(total, access=officer, version=1, data={"amount": "1"})
    assert stale.value.code == "stale_version"
    assert Funding.objects.get(pk=total.pk).amount == Decimal("120.25")


def test_a_record_stays_in_its_province(kinds, officer, cast, province, lang_son):
    funding = _funding(officer, province, amount="1")
    bach_dang = Commune.objects.get(structure="2021", code="25930")
    with pytest.raises(ValidationError) as refused:
        services.update(funding, access=officer, data={"commune": bach_dang})
    assert "commune" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.update(funding, access=access_for(cast.officer_74), data={"amount": "2"})


def test_a_production_model_lists_communes_of_its_province(kinds, officer, province, lang_son):
    bach_dang = Commune.objects.get(structure="2021", code="25930")
    data = {"province": province, "year": 2021, "name": "Mô hình hồi", "communes": [bach_dang]}
    with pytest.raises(ValidationError) as refused:
        services.create(ProductionModel, access=officer, data=data)
    assert "communes" in refused.value.message_dict
    data["communes"] = lang_son[:2]
    model = services.create(ProductionModel, access=officer, data={**data, "area_ha": "12,5"})
    assert set(model.communes.all()) == set(lang_son[:2])
    assert model.area_ha == Decimal("12.5")


def test_a_count_of_communes_names_its_level(kinds, officer, province):
    base = {"province": province, "year": 2022, "value": "10"}
    with pytest.raises(ValidationError) as refused:
        services.create(YearPlan, access=officer, data={**base, "kind": "more_communes"})
    assert "level" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        data = {**base, "kind": "average_criteria", "level": "standard"}
        services.create(YearPlan, access=officer, data=data)
    assert "level" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        data = {**base, "kind": "model_areas", "per_district": True, "value_max": "3,5"}
        data["value"] = "4"
        services.create(YearPlan, access=officer, data=data)
    assert "value_max" in refused.value.message_dict


def test_progress_against_a_target_in_each_district(kinds, officer, approver, province, lang_son):
    first = lang_son[0]
    others = [c for c in lang_son if c.district_id != first.district_id]
    plan = services.create(
        YearPlan,
        access=officer,
        data={"province": province, "year": 2021, "kind": "model_gardens", "per_district": True}
        | {"value": "2"},
    )
    _approve(plan, officer, approver)
    for index, commune in enumerate([first, first, others[0]]):
        title = services.create(
            HamletTitle,
            access=officer,
            data={
                "kind": "model_garden",
                "commune": commune,
                "year": 2021,
                "holder": f"Hộ {index}",
                "decision_number": f"{index}/QĐ-UBND",
                "decision_date": datetime.date(2021, 12, 1),
            },
        )
        _approve(title, officer, approver)
    report = selectors.province_report(province, 2021)
    (progress,) = report["plan"]
    assert (progress["actual"], progress["districts_met"], progress["met"]) == (3, 1, False)
    by_district = report["hamlet_titles"]["model_garden"]["by_district"]
    assert {d["code"]: d["count"] for d in by_district if d["count"]} == {
        first.district.code: 2,
        others[0].district.code: 1,
    }


def test_drafts_do_not_count(kinds, officer, province):
    _funding(officer, province, amount="100")
    assert selectors.province_report(province, 2021)["resources"]["actual"]["total"] == 0
    assert Funding.objects.get().status == Status.DRAFT
