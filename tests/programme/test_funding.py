"""Funding entered at the level the province knows it, counted once: an entry that would count
the same money as another (same province, year, planned/actual and source family, nested
places) is refused with the entry it overlaps; the totals are then plain sums."""

from decimal import Decimal

import pytest

from tests.programme.conftest import BASE

pytestmark = pytest.mark.django_db
FUNDINGS = f"{BASE}fundings/"


@pytest.fixture
def officer(api, cast, kinds):
    return api(cast.officer_20)


@pytest.fixture
def post(officer):
    def post(**body):
        return officer.post(FUNDINGS, {"province": "20", "year": 2021, **body}, format="json")

    return post


def _errors(response, code=400):
    assert response.status_code == code, response.json()
    return response.json()["errors"]


def test_a_commune_entry_under_a_province_total_is_refused(post, lang_son):
    first = post(source="central_budget", kind="actual", amount=1000)
    assert first.status_code == 201
    errors = _errors(
        post(source="central_budget", kind="actual", amount=5, commune=lang_son[0].code)
    )
    assert f"entry {first.json()['id']}" in errors["source"][0]
    assert "count the same money twice" in errors["source"][0]


def test_a_province_total_over_commune_detail_is_refused(post, lang_son):
    assert (
        post(source="credit", kind="actual", amount=5, commune=lang_son[0].code).status_code == 201
    )
    assert "source" in _errors(post(source="credit", kind="actual", amount=1000))


def test_a_district_entry_over_one_of_its_communes_is_refused(post, lang_son):
    commune = lang_son[0]
    assert post(source="credit", kind="actual", amount=5, commune=commune.code).status_code == 201
    refused = post(source="credit", kind="actual", amount=9, district=commune.district.code)
    assert "source" in _errors(refused)


def test_a_source_and_its_parts_overlap_in_the_same_place(post, lang_son):
    assert post(source="community", kind="actual", amount=100).status_code == 201
    refused = post(source="community_cash", kind="actual", amount=5, commune=lang_son[0].code)
    assert "source" in _errors(refused)


def test_what_does_not_overlap_is_summed(api, post, cast, lang_son):
    first, second = (
        lang_son[0],
        next(c for c in lang_son if c.district_id != lang_son[0].district_id),
    )
    entries = [
        post(source="community_cash", kind="actual", amount="10,5", commune=first.code),
        post(source="community_land", kind="actual", amount=20, commune=first.code),
        post(source="community_cash", kind="actual", amount=30, commune=second.code),
        post(source="community_cash", kind="planned", amount=1000),  # planned, not actual
        post(source="central_budget", kind="actual", amount=200),
        post(source="central_budget", kind="actual", amount=7, year=2020),
    ]
    for response in entries:
        assert response.status_code == 201, response.json()
        for user, step in ((cast.officer_20, "submit"), (cast.approver_20, "approve")):
            url = f"{FUNDINGS}{response.json()['id']}/step/"
            assert api(user).post(url, {"action": step}, format="json").status_code == 200
    actual = api().get(f"{BASE}stats/provinces/20/", {"year": 2021}).json()["resources"]["actual"]
    assert Decimal(str(actual["total"])) == Decimal("260.5")
    assert Decimal(str(actual["community"])) == Decimal("60.5")
    assert Decimal(str(actual["previous_total"])) == 7
    assert Decimal(str(actual["change"])) == Decimal("253.5")
    assert Decimal(str(actual["by_group"]["budget"]["share"])) == Decimal("76.78")  # 200/260.5


def test_bad_input_names_the_field_and_writes_nothing(post, lang_son):
    from programme.models import Funding

    errors = _errors(post(source="credit", kind="actual", amount="12abc"))
    assert "is not a number" in errors["amount"][0]
    assert "amount" in _errors(post(source="credit", kind="actual", amount=-3))
    assert "year" in _errors(post(source="credit", kind="actual", amount=3, year=2010))
    assert "source" in _errors(post(source="no-such-source", kind="actual", amount=3))
    other = _errors(post(source="credit", kind="actual", amount=3, commune="25930"))
    assert "commune" in other  # Bạch Đằng, Bình Dương: not in Lạng Sơn
    assert not Funding.objects.exists()
