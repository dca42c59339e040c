"""Who reads and writes the programme records, as for assessments, and the workflow's record."""

import pytest
from django.core.management import call_command

from programme.models import FundingSource, HamletTitle, Step, WorkKind
from tests.programme.conftest import BASE

pytestmark = pytest.mark.django_db
TITLES = f"{BASE}hamlet-titles/"


def _title(commune, holder="Thôn Nà Pàn", **extra):
    return {
        "kind": "model_area",
        "commune": commune.code,
        "year": 2021,
        "holder": holder,
        "decision_number": "123/QĐ-UBND",
        "decision_date": "2021-11-20",
        **extra,
    }


@pytest.fixture
def draft(api, cast, kinds, lang_son):
    response = api(cast.officer_20).post(TITLES, _title(lang_son[0]), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _step(client, record, action, **extra):
    return client.post(f"{TITLES}{record['id']}/step/", {"action": action, **extra}, format="json")


def test_an_officer_of_another_province_is_refused(api, cast, kinds, lang_son):
    response = api(cast.officer_74).post(TITLES, _title(lang_son[0]), format="json")
    assert response.status_code == 403
    assert api().post(TITLES, _title(lang_son[0]), format="json").status_code == 401
    assert api(cast.viewer_74).post(TITLES, _title(lang_son[0]), format="json").status_code == 403
    assert not HamletTitle.objects.exists()


def test_the_public_sees_approved_records_only(api, cast, draft):
    assert api().get(TITLES).json()["count"] == 0
    assert api(cast.officer_74).get(f"{TITLES}{draft['id']}/").status_code == 404
    assert api(cast.officer_20).get(TITLES).json()["count"] == 1
    assert api(cast.national).get(TITLES).json()["count"] == 1
    stats = api().get(f"{BASE}stats/provinces/20/", {"year": 2021}).json()
    assert stats["hamlet_titles"]["model_area"]["total"] == 0
    _step(api(cast.officer_20), draft, "submit")
    _step(api(cast.approver_20), draft, "approve")
    listed = api().get(TITLES, {"province": "20", "year": 2021}).json()
    assert [row["id"] for row in listed["results"]] == [draft["id"]]
    stats = api().get(f"{BASE}stats/provinces/20/", {"year": 2021}).json()
    titles = stats["hamlet_titles"]["model_area"]
    assert titles["total"] == 1
    assert sum(d["count"] for d in titles["by_district"]) == 1


def test_approving_is_for_approvers_of_the_province(api, cast, draft):
    assert _step(api(cast.officer_20), draft, "submit").status_code == 200
    assert _step(api(cast.officer_20), draft, "approve").status_code == 403
    assert _step(api(cast.approver_74), draft, "approve").status_code == 404  # not visible
    assert _step(api(cast.approver_20), draft, "approve").json()["status"] == "approved"


def test_the_workflow_leaves_history(api, cast, draft):
    officer, approver = api(cast.officer_20), api(cast.approver_20)
    assert _step(approver, draft, "approve").status_code == 409  # a draft is not approved
    assert _step(officer, draft, "submit", version=99).status_code == 409  # stale version
    assert _step(officer, draft, "submit", version=1).json()["status"] == "submitted"
    refused = _step(approver, draft, "return")
    assert "comment" in refused.json()["errors"]
    assert _step(approver, draft, "return", comment="Thiếu quyết định").status_code == 200
    url = f"{TITLES}{draft['id']}/"
    # A change names the version it was made on: without it, someone else's save since would
    # be overwritten unseen (before, it was taken).
    unversioned = officer.patch(url, {"holder": "Thôn Bản Cáu"}, format="json")
    assert unversioned.status_code == 400
    assert list(unversioned.json()["errors"]) == ["version"]
    assert officer.patch(url, {"holder": "X", "version": 1}, format="json").status_code == 409
    current = HamletTitle.objects.get(pk=draft["id"]).version
    changed = officer.patch(url, {"holder": "Thôn Bản Cáu", "version": current}, format="json")
    assert changed.json()["holder"] == "Thôn Bản Cáu"
    _step(officer, draft, "submit")
    assert _step(approver, draft, "approve").json()["status"] == "approved"
    current = HamletTitle.objects.get(pk=draft["id"]).version
    locked = officer.patch(url, {"holder": "Khác", "version": current}, format="json")
    assert locked.status_code == 409
    steps = Step.objects.filter(record_type="hamlettitle", record_id=draft["id"])
    assert [(s.action, s.to_status) for s in steps] == [
        ("submit", "submitted"),
        ("return", "returned"),
        ("submit", "submitted"),
        ("approve", "approved"),
    ]
    assert steps[1].comment == "Thiếu quyết định" and steps[3].user == cast.approver_20
    history = HamletTitle.objects.get(pk=draft["id"]).history.order_by("history_date")
    assert [h.status for h in history] == [
        "draft",
        "submitted",
        "returned",
        "returned",
        "submitted",
        "approved",
    ]
    assert history.last().history_user == cast.approver_20


def test_a_returned_record_is_deleted_by_its_province_only(api, cast, draft):
    assert api(cast.officer_74).delete(f"{TITLES}{draft['id']}/").status_code == 404
    assert api(cast.officer_20).delete(f"{TITLES}{draft['id']}/").status_code == 204
    assert not HamletTitle.objects.exists()


def test_lists_and_statistics_cost_a_fixed_number_of_queries(
    api, cast, kinds, lang_son, django_assert_max_num_queries
):
    officer = api(cast.officer_20)
    for index, commune in enumerate(lang_son[:12]):
        body = _title(commune, holder=f"Thôn {index}", kind="model_garden")
        assert officer.post(TITLES, body, format="json").status_code == 201
        work = {"commune": commune.code, "year": 2021, "kind": "school", "mode": "new"}
        assert (
            officer.post(f"{BASE}works/", {**work, "quantity": 1}, format="json").status_code == 201
        )
        model = {"province": "20", "year": 2021, "name": f"Mô hình {index}"}
        model["communes"] = [c.code for c in lang_son[index : index + 3]]
        response = officer.post(f"{BASE}production-models/", model, format="json")
        assert response.status_code == 201
    national = api(cast.national)
    # session user + portal access, count, page (one join each)
    for path in ("hamlet-titles", "works"):
        with django_assert_max_num_queries(4):
            assert national.get(f"{BASE}{path}/").json()["count"] == 12
    with django_assert_max_num_queries(5):  # ... and the communes, prefetched
        assert national.get(f"{BASE}production-models/").json()["count"] == 12
    # the year's map, province, districts, titles, figures, plans, fundings, sources, works,
    # kinds of work, models, fundings by district
    with django_assert_max_num_queries(12):
        assert api().get(f"{BASE}stats/provinces/20/", {"year": 2021}).status_code == 200


def test_the_categories_are_data_loaded_by_a_command(kinds, capsys):
    call_command("load_programme_kinds")  # again: updated by code, not duplicated
    assert "Loaded 9 funding sources and 7 kinds of work." in capsys.readouterr().out
    assert FundingSource.objects.get(code="community_land").parent.code == "community"
    assert WorkKind.objects.get(code="new_road").unit == "km"
    assert FundingSource.objects.count() == 9


def test_an_unknown_province_or_a_missing_year_is_a_clear_error(api):
    assert api().get(f"{BASE}stats/provinces/99/", {"year": 2021}).status_code == 404
    response = api().get(f"{BASE}stats/provinces/20/")
    assert "year" in response.json()["errors"]
