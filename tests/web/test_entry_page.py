"""The entry page fitted to the work (#15 item 6): after a refused save a list leads to each
field in error."""

import html
import re

import pytest

from communes.models import Commune
from criteria.models import Assessment, AssessmentValue, WorkflowStep, YearClosure
from criteria.services import create_assessment, save_values
from tests.web.test_assessment_pages import (
    PAGE,
    _form_data,
    _submit_new,
    _vietnamese_by_default,
    as_user,
    draft,
    rows,
    text,
)

# The fixtures shared with the assessment pages' tests (the page in Vietnamese, a draft).
__all__ = ["_vietnamese_by_default", "draft"]


def test_a_refused_save_lists_each_field_in_error_with_a_link_to_it(client, cast, draft):
    as_user(client, cast.officer_74)
    data = _form_data(client.get(PAGE)) | {
        "income": "abc",
        "irrigation": "180",
        "crafts__na": "on",
    }
    response = client.post(PAGE, data)
    assert response.status_code == 400
    body = response.content.decode()
    summary = re.search(r'<ol class="error-links".*?</ol>', body, re.S).group(0)
    links = re.findall(r'<a href="#([^"]+)">', summary)
    # In the order of the page, each to an input that exists.
    assert links == ["id_income", "id_irrigation", "id_crafts__note"]  # n/a needs its note
    for anchor in links:
        assert f'id="{anchor}"' in body
    assert "Tỷ lệ phần trăm phải từ 0 đến 100." in text(response)


def test_a_saved_page_has_no_list_of_errors(client, cast, draft):
    as_user(client, cast.officer_74)
    response = client.get(PAGE)
    assert 'class="error-links"' not in response.content.decode()


# --- closing a year asks first ---------------------------------------------------------------

YEAR_2023 = "/approvals/2021/74/2023/"


def test_closing_a_year_asks_for_confirmation_first(client, cast, draft):
    as_user(client, cast.approver_74)
    page = client.get("/approvals/").content.decode()
    assert f'action="{YEAR_2023}close/confirm/"' in page  # the panel's button asks first

    response = client.post(f"{YEAR_2023}close/confirm/", {"note": "Hết hạn 31/12"})
    assert response.status_code == 200
    shown = text(response)
    assert not YearClosure.objects.exists()  # asking closes nothing
    assert "Hết hạn 31/12" in shown
    assert re.search(r'id="closing-warning"', response.content.decode())  # the draft
    body = response.content.decode()
    assert f'action="{YEAR_2023}close/"' in body
    assert '<input type="hidden" name="note" value="Hết hạn 31/12">' in body
    # "Cancel" goes back to the year with the note still typed.
    cancel = html.unescape(re.search(r'id="cancel-close" href="([^"]+)"', body).group(1))
    back = client.get(cancel).content.decode()
    assert '<textarea name="note" id="id_note_2023">Hết hạn 31/12</textarea>' in back
    assert not YearClosure.objects.exists()

    response = client.post(f"{YEAR_2023}close/", {"note": "Hết hạn 31/12"})
    assert response["Location"] == "/approvals/?province=2021-74#closure-2023"
    assert YearClosure.objects.get().note == "Hết hạn 31/12"


def test_only_the_province_approver_is_asked(client, cast, draft):
    as_user(client, cast.officer_74)
    assert client.post(f"{YEAR_2023}close/confirm/", {}).status_code == 403
    as_user(client, cast.approver_20)
    assert client.post(f"{YEAR_2023}close/confirm/", {}).status_code == 404
    assert not YearClosure.objects.exists()


# --- approving several assessments of the queue at once ---------------------------------------


@pytest.fixture
def submitted(small_set, bach_dang):
    """Three submitted assessments of Bình Dương, 2023, at version 2."""
    communes = Commune.objects.rural().filter(province__code="74")[:3]
    return [_submit_new(commune) for commune in communes]


def _bulk(client, chosen, action="approve", comment="", versions=None):
    data = {"action": action, "comment": comment, "selected": [a.pk for a in chosen]}
    for a in chosen:
        data[f"version_{a.pk}"] = (versions or {}).get(a.pk, a.version)
    return client.post("/approvals/approve/", data, follow=True)


def test_the_queue_approves_the_selected_assessments_each_with_its_own_step(
    client, cast, submitted
):
    as_user(client, cast.approver_74)
    queue = client.get("/approvals/").content.decode()
    for a in submitted:
        assert f'name="selected" value="{a.pk}"' in queue
        assert f'name="version_{a.pk}" value="{a.version}"' in queue

    response = _bulk(client, submitted[:2], comment="Số liệu khớp báo cáo huyện")
    assert re.search(r'class="message success"[^>]*>[^<]*2 ', response.content.decode())
    statuses = dict(Assessment.objects.values_list("pk", "status"))
    assert [statuses[a.pk] for a in submitted] == ["approved", "approved", "submitted"]
    for a in submitted[:2]:
        step = WorkflowStep.objects.get(assessment=a, action="approve")
        assert (step.user, step.comment) == (cast.approver_74, "Số liệu khớp báo cáo huyện")
        assert a.history.filter(status="approved", history_user=cast.approver_74).count() == 1
    assert list(rows(response)) == [submitted[2].commune.code]


def test_one_stale_assessment_and_none_of_the_selection_moves(client, cast, submitted):
    as_user(client, cast.approver_74)
    first, second = submitted[:2]
    response = _bulk(client, [first, second], versions={second.pk: 1}, comment="Đã kiểm tra")
    assert response.status_code == 409
    assert second.commune.name in text(response)
    assert not Assessment.objects.filter(status="approved").exists()
    assert not WorkflowStep.objects.filter(action="approve").exists()
    # The queue again with what was ticked and typed, but for the one read stale: unticked.
    body = response.content.decode()
    assert re.search(rf'name="selected" value="{first.pk}" id="select-{first.pk}" checked', body)
    for a in (second, submitted[2]):
        assert not re.search(rf'value="{a.pk}" id="select-{a.pk}" checked', body)
    assert '<textarea name="comment" id="id_bulk_comment">Đã kiểm tra</textarea>' in body


def test_after_a_refusal_one_that_changed_is_unticked_and_marked(client, cast, submitted):
    """Re-ticked with its new version, a second click would approve what the approver has not
    read: it comes back unticked, marked as changed."""
    from criteria.services import move

    as_user(client, cast.approver_74)
    first, second, third = submitted
    read = {a.pk: a.version for a in submitted}
    move(assessment=second, action="return", version=second.version, comment="Thiếu hồ sơ")
    second.refresh_from_db()
    save_values(assessment=second, values={"income": 45}, version=second.version)
    second.refresh_from_db()
    move(assessment=second, action="submit", version=second.version)
    response = _bulk(client, [first, second], versions=read, comment="Đã kiểm tra")
    assert response.status_code == 409
    body = response.content.decode()
    assert re.search(rf'id="select-{first.pk}" checked', body)
    assert not re.search(rf'id="select-{second.pk}" checked', body)
    row = re.search(rf'<tr data-commune="{second.commune.code}">(.*?)</tr>', body, re.S).group(1)
    assert "data-moved" in row
    assert "Nothing was done" not in text(response)  # said in Vietnamese
    assert not Assessment.objects.filter(status="approved").exists()


def test_one_that_left_the_queue_is_named_and_nothing_moves(client, cast, submitted):
    from criteria.services import move

    as_user(client, cast.approver_74)
    first, second = submitted[:2]
    read = {a.pk: a.version for a in submitted}
    move(assessment=second, action="approve", version=second.version, user=cast.national)
    response = _bulk(client, [first, second], versions=read, comment="Đã kiểm tra")
    assert response.status_code == 400
    page = text(response)
    assert "Không còn chờ phê duyệt" in page and f"{second.commune.name} (2023)" in page
    first.refresh_from_db()
    assert first.status == "submitted"
    body = response.content.decode()
    assert re.search(rf'id="select-{first.pk}" checked', body)  # the rest still ticked


def test_a_selection_that_is_no_number_is_refused_not_a_crash(client, cast, submitted):
    as_user(client, cast.approver_74)
    response = client.post(
        "/approvals/approve/", {"action": "approve", "selected": ["²", "9" * 40]}
    )
    assert response.status_code == 400
    assert not Assessment.objects.filter(status="approved").exists()


def test_returning_the_selection_needs_a_comment(client, cast, submitted):
    as_user(client, cast.approver_74)
    response = _bulk(client, submitted, action="return", comment=" ")
    assert "Hãy ghi rõ lý do (bước này bắt buộc có nhận xét)." in text(response)
    assert Assessment.objects.filter(status="submitted").count() == 3
    _bulk(client, submitted, action="return", comment="Thiếu minh chứng")
    assert Assessment.objects.filter(status="returned").count() == 3
    assert WorkflowStep.objects.filter(action="return", comment="Thiếu minh chứng").count() == 3


def test_nothing_selected_or_outside_the_queue_moves_nothing(
    client, cast, submitted, lang_son_commune
):
    as_user(client, cast.approver_74)
    response = client.post("/approvals/approve/", {"action": "approve"}, follow=True)
    assert 'class="message error"' in response.content.decode()
    elsewhere = _submit_new(lang_son_commune)  # another province's: not in this queue
    response = _bulk(client, [submitted[0], elsewhere])
    assert not Assessment.objects.filter(status="approved").exists()
    assert lang_son_commune.name not in text(response)  # another province's is not named
    as_user(client, cast.officer_74)
    assert _bulk(client, submitted[:1]).status_code == 403
    assert not Assessment.objects.filter(status="approved").exists()


# --- save and submit in one request ------------------------------------------------------------


def test_save_and_submit_saves_the_typing_then_submits(client, cast, draft):
    as_user(client, cast.officer_74)
    page = client.get(PAGE)
    body = page.content.decode()
    # The one submit button sits in the entry form, beside "Save values".
    assert 'name="then" value="submit"' in body
    assert f'action="{PAGE}submit/"' not in body
    data = _form_data(page) | {"income": "55", "irrigation": "85", "plan": "yes", "then": "submit"}
    response = client.post(PAGE, data, follow=True)
    assert 'class="message success"' in response.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("submitted", 3)  # saved (2), then submitted (3)
    assert AssessmentValue.objects.filter(assessment=draft).count() == 3
    actions = list(WorkflowStep.objects.filter(assessment=draft).values_list("action", flat=True))
    assert sorted(actions) == ["create", "submit"]


def test_save_and_submit_with_nothing_changed_submits(client, cast, draft):
    as_user(client, cast.officer_74)
    client.post(PAGE, _form_data(client.get(PAGE)) | {"then": "submit"})
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("submitted", 2)


def test_a_refused_save_submits_nothing_and_keeps_the_typing(client, cast, draft):
    as_user(client, cast.officer_74)
    data = _form_data(client.get(PAGE)) | {"income": "abc", "plan": "yes", "then": "submit"}
    response = client.post(PAGE, data)
    assert response.status_code == 400
    assert 'name="income" value="abc"' in response.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("draft", 1)
    assert not AssessmentValue.objects.filter(assessment=draft).exists()


def test_a_viewer_cannot_save_and_submit(client, cast, draft):
    as_user(client, cast.viewer_74)
    data = {"version": "1", "income": "55", "then": "submit"}
    assert client.post(PAGE, data).status_code in (403, 404)
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("draft", 1)


# --- criteria folded, with their state and a jump list ----------------------------------------


def _criteria(body: str) -> dict[str, tuple[str, bool]]:
    """{criterion id: (its state, unfolded)} as the page folds them."""
    found = re.findall(
        r'<details class="criterion" id="crit-([^"]+)" data-status="(\w+)"( open)?>', body
    )
    return {key: (status, bool(unfolded)) for key, status, unfolded in found}


def test_criteria_are_folded_once_met_and_listed_at_the_top(client, cast, draft):
    save_values(assessment=draft, values={"income": 55, "irrigation": 85}, version=1)
    as_user(client, cast.officer_74)
    body = client.get(PAGE).content.decode()
    assert _criteria(body) == {
        "standard-1": ("met", False),
        "standard-2": ("met", False),
        "standard-3": ("incomplete", True),
        "advanced-1": ("not_met", True),
        "advanced-2": ("incomplete", True),
    }
    jumps = re.search(r'<nav class="card jump-list".*?</nav>', body, re.S).group(0)
    assert re.findall(r'href="#crit-([^"]+)"', jumps) == list(_criteria(body))
    # The note and the evidence of each value are folded too, until asked for.
    assert '<details class="extras" id="extras-income">' in body


def test_a_refused_save_unfolds_the_criteria_of_the_fields_in_error(client, cast, draft):
    save_values(assessment=draft, values={"income": 55, "irrigation": 85}, version=1)
    as_user(client, cast.officer_74)
    data = _form_data(client.get(PAGE)) | {"irrigation": "180", "income__evidence": "x"}
    body = client.post(PAGE, data).content.decode()
    assert _criteria(body)["standard-2"] == ("met", True)
    assert _criteria(body)["standard-1"] == ("met", True)
    assert '<details class="extras" id="extras-income" open>' in body


# --- last year's values carried forward ---------------------------------------------------------


@pytest.fixture
def carried(small_set, bach_dang, cast):
    """2022 saved, then 2023 created from it: income and irrigation carried forward."""
    previous = create_assessment(commune=bach_dang, year=2022, user=cast.officer_74)
    save_values(assessment=previous, values={"income": 55, "irrigation": 85}, version=1)
    return create_assessment(commune=bach_dang, year=2023, user=cast.officer_74)


def _still_carried(assessment) -> set[str]:
    marked = assessment.values.filter(carried_forward=True)
    return set(marked.values_list("measure__code", flat=True))


def test_carried_values_are_marked_until_confirmed_or_changed(client, cast, carried):
    as_user(client, cast.officer_74)
    page = client.get(PAGE)
    body = page.content.decode()
    assert 'id="carried"' in body  # the notice at the top
    assert 'id="carried-income"' in body and 'id="carried-irrigation"' in body
    assert 'id="carried-plan"' not in body
    assert 'name="income__confirm"' in body
    assert 'name="income" value="55"' in body  # the starting point, in the input

    client.post(PAGE, _form_data(page) | {"irrigation__confirm": "on"})
    assert _still_carried(carried) == {"income"}  # confirmed: irrigation, as it stands
    carried.refresh_from_db()
    assert carried.values.get(measure__code="irrigation").number == 85

    client.post(PAGE, _form_data(client.get(PAGE)) | {"income": "57"})
    assert _still_carried(carried) == set()
    assert 'id="carried"' not in client.get(PAGE).content.decode()


def test_one_button_confirms_every_value_carried_forward(client, cast, carried):
    as_user(client, cast.officer_74)
    page = client.get(PAGE)
    assert 'name="confirm_carried"' in page.content.decode()
    client.post(PAGE, _form_data(page) | {"confirm_carried": "1"})
    assert _still_carried(carried) == set()
    carried.refresh_from_db()
    assert carried.version == 2


def test_a_stale_confirmation_shows_only_the_values_that_differ(client, cast, carried):
    """Confirming every carried value after someone else saved: the conflict shows the one
    value that differs, not every value confirmed as it stands."""
    as_user(client, cast.officer_74)
    page = client.get(PAGE)
    save_values(assessment=carried, values={"plan": True}, version=1, user=cast.approver_74)
    response = client.post(PAGE, _form_data(page) | {"confirm_carried": "1", "irrigation": "90"})
    assert response.status_code == 409
    body = response.content.decode()
    # The income is confirmed as it stands (still carried): no row of its own.
    assert re.findall(r'<tr data-measure="(\w+)">', body) == ["irrigation"]


def test_the_overview_offers_the_province_years_files_and_dashboard(client, cast, small_set):
    client.force_login(cast.officer_74)
    page = client.get("/", {"year": 2023}).content.decode()
    for href in (
        "/api/v1/exports/values.csv?province=74&amp;year=2023",
        "/api/v1/exports/report.xlsx?province=74&amp;year=2023",
        "/imports/",
        "/dashboard/provinces/74/?year=2023",
    ):
        assert f'href="{href}"' in page, href
    # The links lead to the files the officer may read: their own province's, drafts included.
    report = client.get("/api/v1/exports/report.xlsx", {"province": "74", "year": 2023})
    assert report.status_code == 200
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_queue_says_which_assessments_hold_last_years_values_unconfirmed(
    client, cast, small_set, bach_dang
):
    """Submitting does not require confirming what was carried forward: the approver sees how
    many values are still last year's before approving, alone or with others."""
    from criteria.services import move

    last = create_assessment(commune=bach_dang, year=2023, user=cast.officer_74)
    save_values(assessment=last, values={"income": 50, "irrigation": 80, "plan": True}, version=1)
    new = create_assessment(commune=bach_dang, year=2024, user=cast.officer_74)
    save_values(assessment=new, values={"income": 55}, version=1)  # confirms the income only
    new.refresh_from_db()
    move(assessment=new, action="submit", version=new.version)
    as_user(client, cast.approver_74)
    body = client.get("/approvals/").content.decode()
    row = re.search(r'<tr data-commune="25930">(.*?)</tr>', body, re.S).group(1)
    assert 'data-carried="2"' in row
    assert "2 giá trị vẫn là của năm trước, chưa xác nhận" in text_of(row)
    # crafts was never given: the result is incomplete, and the queue says so (it said only
    # "no level yet", as if the values had failed).
    assert "Thiếu số liệu: kết quả chưa đầy đủ" in text_of(row)
    new.values.create(measure=new.criteria_set.measures.get(code="crafts"), flag=True)
    type(new).objects.filter(pk=new.pk).update(complete=True)
    body = client.get("/approvals/").content.decode()
    row = re.search(r'<tr data-commune="25930">(.*?)</tr>', body, re.S).group(1)
    assert "data-incomplete" not in row


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
