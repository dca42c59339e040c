"""A province's closed year freezes its programme records as it freezes its assessments: no new
record, change, deletion, submission or reopening until the year is reopened; what was
submitted before the deadline can still be approved or returned."""

import pytest

from communes.models import Province
from criteria.services.closures import close_year, reopen_year
from programme.models import HamletTitle, Step
from tests.programme.conftest import BASE

pytestmark = pytest.mark.django_db
TITLES = f"{BASE}hamlet-titles/"


def _title(commune, holder):
    return {
        "kind": "model_area",
        "commune": commune.code,
        "year": 2023,
        "holder": holder,
        "decision_number": "9/QĐ-UBND",
        "decision_date": "2023-10-02",
    }


@pytest.fixture
def records(api, cast, kinds, lang_son, small_set):
    """A draft and a submitted title of Lạng Sơn's 2023, then the year closed."""
    officer = api(cast.officer_20)
    found = {}
    for name in ("draft", "submitted"):
        response = officer.post(TITLES, _title(lang_son[0], f"Thôn {name}"), format="json")
        assert response.status_code == 201, response.json()
        found[name] = response.json()
    url = f"{TITLES}{found['submitted']['id']}/step/"
    found["submitted"] = officer.post(url, {"action": "submit", "version": 1}).json()
    close_year(province=Province.objects.get(structure="2021", code="20"), year=2023)
    return found


def _count():
    return HamletTitle.objects.count(), Step.objects.count()


def test_nothing_new_changed_deleted_or_submitted_in_a_closed_year(api, cast, lang_son, records):
    officer, before = api(cast.officer_20), _count()
    response = officer.post(TITLES, _title(lang_son[1], "Thôn mới"), format="json")
    assert response.status_code == 400
    assert "Year 2023 of this province is closed" in str(response.json()["errors"]["year"])
    draft = f"{TITLES}{records['draft']['id']}/"
    response = officer.patch(draft, {"holder": "Thôn khác", "version": 1}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "year_closed")
    assert officer.delete(draft).status_code == 409
    response = officer.post(f"{draft}step/", {"action": "submit", "version": 1})
    assert (response.status_code, response.json()["code"]) == (409, "year_closed")
    assert _count() == before
    assert HamletTitle.objects.get(pk=records["draft"]["id"]).holder == "Thôn draft"


def test_what_was_submitted_is_still_approved_but_not_reopened(api, cast, records):
    url = f"{TITLES}{records['submitted']['id']}/step/"
    version = records["submitted"]["version"]
    response = api(cast.approver_20).post(url, {"action": "approve", "version": version})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    response = api(cast.approver_20).post(
        url, {"action": "reopen", "version": version + 1, "comment": "sai số"}
    )
    assert (response.status_code, response.json()["code"]) == (409, "year_closed")


def test_reopening_the_year_frees_the_records(api, cast, lang_son, records):
    province = Province.objects.get(structure="2021", code="20")
    reopen_year(province=province, year=2023, reason="gia hạn báo cáo")
    response = api(cast.officer_20).post(TITLES, _title(lang_son[1], "Thôn mới"), format="json")
    assert response.status_code == 201, response.json()
