"""Closing a year on the approvals page, and what officers meet afterwards, through real HTTP
requests: the approver closes, reopens a commune by exception or the whole year; the officer's
changes are refused with the reason; another province sees nothing; the API answers 409."""

import re

import pytest
from django.utils import timezone

from criteria.models import AssessmentValue, ClosureException, YearClosure
from criteria.services import close_year, create_assessment, move, open_commune_by_exception
from tests.web.test_assessment_pages import COMMUNE, PAGE, _form_data, as_user, text

pytestmark = pytest.mark.django_db

YEAR_2023 = "/approvals/2021/74/2023/"
# What an officer reads once the year is closed (the date is the closing day's).
CLOSED = "Năm 2023 của Tỉnh Bình Dương đã khóa sổ (từ ngày {day}): không thể tạo, lưu, gửi duyệt"


@pytest.fixture(autouse=True)
def _vietnamese_by_default(settings):
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def draft(small_set, bach_dang, cast):
    return create_assessment(commune=bach_dang, year=2023, user=cast.officer_74)


@pytest.fixture
def neighbour_draft(small_set, bach_dang):
    neighbour = bach_dang.province.communes.rural().exclude(pk=bach_dang.pk).first()
    return create_assessment(commune=neighbour, year=2023)


def closed() -> str:
    return CLOSED.format(day=timezone.localdate().strftime("%d/%m/%Y"))


def panel(response, year=2023) -> str:
    """The text of one year's panel on the approvals page."""
    body = response.content.decode()
    found = re.search(
        rf'<section class="card closure" id="closure-{year}".*?</section>', body, re.S
    )
    return text_of(found.group(0)) if found else ""


def text_of(fragment: str) -> str:
    import html

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


# --- the approver's panel -------------------------------------------------------------------------


def test_an_approver_closes_a_year_from_the_approvals_page(client, cast, draft):
    as_user(client, cast.approver_74)
    page = client.get("/approvals/")
    assert "Khóa sổ năm" in text(page)
    assert "Năm 2023 Đang mở" in panel(page) and "Khóa sổ năm 2023" in panel(page)
    assert [int(y) for y in re.findall(r'data-year="(\d+)"', page.content.decode())] == [
        2025,
        2024,
        2023,
        2022,
        2021,
    ]

    response = client.post(f"{YEAR_2023}close/", {"note": "Hết hạn báo cáo 31/12"})
    assert response["Location"] == "/approvals/?province=2021-74#closure-2023"
    page = client.get("/approvals/")
    assert "Đã khóa sổ năm 2023 của Tỉnh Bình Dương." in text(page)
    shown = panel(page)
    assert shown.startswith("Năm 2023 Đã khóa sổ Khóa sổ lúc")
    assert "approver_74" in shown and "Hết hạn báo cáo 31/12" in shown
    assert "Mở lại một xã theo ngoại lệ" in shown and "Mở lại năm 2023" in shown
    closure = YearClosure.objects.get()
    assert (closure.closed_by, closure.note) == (cast.approver_74, "Hết hạn báo cáo 31/12")


def test_the_officer_is_refused_with_the_reason_and_nothing_is_saved(client, cast, draft):
    as_user(client, cast.officer_74)
    seen = _form_data(client.get(PAGE))
    close_year(province=draft.commune.province, year=2023, user=cast.approver_74)

    response = client.post(PAGE, seen | {"income": "55"}, follow=True)
    assert closed() in text(response)
    draft.refresh_from_db()
    assert draft.version == 1 and not AssessmentValue.objects.exists()

    page = client.get(PAGE)
    banner = text_of(
        re.search(
            r'<section class="alert warning"[^>]*id="closure">.*?</section>',
            page.content.decode(),
            re.S,
        ).group(0)
    )
    assert banner.startswith("Năm 2023 của Tỉnh Bình Dương đã khóa sổ (từ ngày")
    assert "Người phê duyệt có thể mở lại xã này theo ngoại lệ." in banner
    assert 'name="income"' not in page.content.decode()  # read only now
    assert "Đã khóa sổ: chỉ xem." in text(page)
    assert 'data-step="submit"' not in page.content.decode()
    refused = client.post(f"{PAGE}submit/", {"version": 1}, follow=True)
    assert closed() in text(refused)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_creating_a_year_from_the_commune_page_is_refused(client, cast, small_set, bach_dang):
    close_year(province=bach_dang.province, year=2023)
    response = as_user(client, cast.officer_74).post(f"{COMMUNE}new/", {"year": 2023}, follow=True)
    assert closed() in text(response)
    assert not bach_dang.assessments.exists()


def test_the_approver_still_finishes_the_queue(client, cast, draft):
    move(assessment=draft, version=draft.version, action="submit")
    close_year(province=draft.commune.province, year=2023)
    as_user(client, cast.approver_74)
    page = client.get(PAGE).content.decode()
    assert 'data-step="approve"' in page and 'data-step="return"' in page
    response = client.post(f"{PAGE}approve/", {"version": 2}, follow=True)
    assert "Đã phê duyệt: số liệu đã được khóa." in text(response)
    assert 'data-step="reopen"' not in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "approved"


def test_an_exception_lets_one_commune_be_saved_while_the_others_stay_closed(
    client, cast, draft, neighbour_draft
):
    close_year(province=draft.commune.province, year=2023)
    as_user(client, cast.approver_74)
    response = client.post(
        f"{YEAR_2023}exceptions/",
        {"commune": draft.commune.code, "reason": "Sửa số liệu thu nhập theo kết luận thanh tra"},
        follow=True,
    )
    assert "Xã Bạch Đằng được mở lại theo ngoại lệ cho năm 2023." in text(response)
    shown = panel(response)
    assert "Xã Bạch Đằng" in shown and "Sửa số liệu thu nhập theo kết luận thanh tra" in shown
    options = re.search(
        r'<select name="commune" id="id_commune_2023".*?</select>', response.content.decode(), re.S
    ).group(0)
    assert f'value="{draft.commune.code}"' not in options  # reopened already
    assert f'value="{neighbour_draft.commune.code}"' in options

    as_user(client, cast.officer_74)
    page = client.get(PAGE)
    assert "Xã này được mở lại theo ngoại lệ" in text(page)
    saved = client.post(PAGE, _form_data(page) | {"income": "55"}, follow=True)
    assert "Đã lưu." in text(saved)
    assert AssessmentValue.objects.get(assessment=draft).number == 55

    other = f"/communes/2021/{neighbour_draft.commune.code}/2023/"
    refused = client.post(other, {"version": 1, "income": "55"}, follow=True)
    assert closed() in text(refused)
    assert not AssessmentValue.objects.filter(assessment=neighbour_draft).exists()


def test_an_exception_needs_a_commune_of_the_province_and_a_reason(
    client, cast, draft, lang_son_commune
):
    close_year(province=draft.commune.province, year=2023)
    as_user(client, cast.approver_74)
    for data, message in [
        ({"commune": draft.commune.code, "reason": " "}, "Hãy ghi rõ lý do mở lại xã này."),
        ({"commune": lang_son_commune.code, "reason": "x"}, "Hãy chọn một xã của tỉnh này."),
        ({"reason": "x"}, "Hãy chọn một xã."),
    ]:
        response = client.post(f"{YEAR_2023}exceptions/", data, follow=True)
        assert message in text(response)
    assert not ClosureException.objects.exists()


def test_an_exception_to_an_open_year_is_refused(client, cast, draft):
    response = as_user(client, cast.approver_74).post(
        f"{YEAR_2023}exceptions/", {"commune": draft.commune.code, "reason": "x"}, follow=True
    )
    assert "Năm 2023 của Tỉnh Bình Dương chưa khóa sổ." in text(response)
    assert not ClosureException.objects.exists()


def test_the_approver_reopens_the_year_with_a_reason_on_record(client, cast, draft):
    closure = close_year(province=draft.commune.province, year=2023)
    open_commune_by_exception(closure=closure, commune=draft.commune, reason="Sai")
    as_user(client, cast.approver_74)
    refused = client.post(f"{YEAR_2023}reopen/", {"reason": ""}, follow=True)
    assert "Hãy ghi rõ lý do mở lại năm này." in text(refused)
    assert YearClosure.objects.exists()

    response = client.post(f"{YEAR_2023}reopen/", {"reason": "Gia hạn đến 31/3"}, follow=True)
    assert "Năm 2023 của Tỉnh Bình Dương đã được mở lại." in text(response)
    assert not YearClosure.objects.exists() and not ClosureException.objects.exists()
    shown = panel(response)
    assert "Đang mở" in shown
    assert re.search(r"Mở lại lúc .* bởi approver_74: Gia hạn đến 31/3", shown)


def test_closing_twice_says_so(client, cast, draft):
    as_user(client, cast.approver_74)
    client.post(f"{YEAR_2023}close/", {})
    response = client.post(f"{YEAR_2023}close/", {}, follow=True)
    assert "Năm 2023 của Tỉnh Bình Dương đã khóa sổ rồi." in text(response)
    assert YearClosure.objects.count() == 1


def test_a_national_user_chooses_the_province(client, cast, draft):
    as_user(client, cast.national)
    page = client.get("/approvals/")
    assert 'data-year="' not in page.content.decode()
    assert '<option value="2021-74">Tỉnh Bình Dương (2021)</option>' in page.content.decode()
    page = client.get("/approvals/", {"province": "2021-74"})
    assert "Khóa sổ năm 2023" in panel(page)
    response = client.post(f"{YEAR_2023}close/", {"note": ""})
    assert response["Location"] == "/approvals/?province=2021-74#closure-2023"
    assert YearClosure.objects.get().closed_by == cast.national


# --- who may close ------------------------------------------------------------------------------

CLOSURE_WRITES = [
    ("close", f"{YEAR_2023}close/", {"note": "x"}),
    ("exception", f"{YEAR_2023}exceptions/", {"commune": "25930", "reason": "x"}),
    ("reopen", f"{YEAR_2023}reopen/", {"reason": "x"}),
]


@pytest.mark.parametrize(
    ("name", "url", "data"), CLOSURE_WRITES, ids=[w[0] for w in CLOSURE_WRITES]
)
@pytest.mark.parametrize("who", ["officer_20", "approver_20", "no_role"])
def test_another_province_gets_a_404(client, cast, draft, name, url, data, who):
    if name != "close":
        close_year(province=draft.commune.province, year=2023)
    before = list(YearClosure.objects.values_list("pk", flat=True))
    response = as_user(client, getattr(cast, who)).post(url, data)
    assert response.status_code == 404
    assert list(YearClosure.objects.values_list("pk", flat=True)) == before
    assert not ClosureException.objects.exists()


@pytest.mark.parametrize(
    ("name", "url", "data"), CLOSURE_WRITES, ids=[w[0] for w in CLOSURE_WRITES]
)
@pytest.mark.parametrize("who", ["officer_74", "viewer_74"])
def test_officers_and_viewers_of_the_province_may_not(client, cast, draft, name, url, data, who):
    if name != "close":
        close_year(province=draft.commune.province, year=2023)
    before = list(YearClosure.objects.values_list("pk", flat=True))
    assert as_user(client, getattr(cast, who)).post(url, data).status_code == 403
    assert list(YearClosure.objects.values_list("pk", flat=True)) == before


@pytest.mark.parametrize(
    ("name", "url", "data"), CLOSURE_WRITES, ids=[w[0] for w in CLOSURE_WRITES]
)
def test_an_anonymous_closure_is_sent_to_log_in(client, draft, name, url, data):
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not YearClosure.objects.exists()


def test_the_entry_page_of_a_closed_year_costs_a_fixed_number_of_queries(
    client, cast, draft, neighbour_draft, django_assert_max_num_queries
):
    closure = close_year(province=draft.commune.province, year=2023)
    open_commune_by_exception(closure=closure, commune=neighbour_draft.commune, reason="x")
    as_user(client, cast.officer_74)
    # As an open year's page (test_assessment_pages), with the closure's exceptions besides.
    # +3: the session renewed (savepoint, update, release), the idle timeout
    with django_assert_max_num_queries(28):
        assert client.get(PAGE).status_code == 200


# --- the API --------------------------------------------------------------------------------------

API = "/api/v1/assessments/"


def test_the_api_refuses_with_409_year_closed(api, cast, draft, neighbour_draft, lang_son_commune):
    move(assessment=neighbour_draft, version=neighbour_draft.version, action="submit")
    province = draft.commune.province
    fresh = province.communes.rural().exclude(assessments__year=2023).first()
    close_year(province=province, year=2023)
    client = api(cast.officer_74)
    responses = {
        "save": client.patch(f"{API}{draft.pk}/", {"version": 1, "values": {"income": 45}}, "json"),
        "submit": client.post(f"{API}{draft.pk}/submit/", {"version": 1}, "json"),
        "create": client.post(API, {"commune": fresh.code, "year": 2023}, "json"),
    }
    for name, response in responses.items():
        assert response.status_code == 409, name
        body = response.json()
        assert body["code"] == "year_closed"
        assert body["message"].startswith(closed()), name
    assert not AssessmentValue.objects.exists()
    approve = api(cast.approver_74).post(
        f"{API}{neighbour_draft.pk}/approve/", {"version": neighbour_draft.version}, "json"
    )
    assert approve.status_code == 200
    reopen = api(cast.approver_74).post(
        f"{API}{neighbour_draft.pk}/reopen/",
        {"version": approve.json()["version"], "comment": "Sai"},
        "json",
    )
    assert (reopen.status_code, reopen.json()["code"]) == (409, "year_closed")


# --- free texts past the documented length --------------------------------------------------

LONG_TEXTS = [
    ("close", f"{YEAR_2023}close/", {}, "note", "Ghi chú"),
    ("exception", f"{YEAR_2023}exceptions/", {"commune": "25930"}, "reason", "Lý do"),
    ("reopen", f"{YEAR_2023}reopen/", {}, "reason", "Lý do"),
]


@pytest.mark.parametrize(
    ("name", "url", "data", "field", "label"), LONG_TEXTS, ids=[w[0] for w in LONG_TEXTS]
)
def test_a_text_past_the_limit_is_refused_naming_its_field(
    client, cast, draft, name, url, data, field, label
):
    if name != "close":
        close_year(province=draft.commune.province, year=2023)

    def written():
        closures = list(YearClosure.objects.values_list("pk", "note"))
        return closures, list(ClosureException.objects.values_list("reason"))

    before = written()
    as_user(client, cast.approver_74)
    response = client.post(url, {**data, field: "x" * 2001}, follow=True)
    shown = text(response)
    assert re.search(rf"{label}: [^.]*2000[^.]*2001", shown), shown
    assert written() == before
    accepted = client.post(url, {**data, field: "x" * 2000}, follow=True)
    assert "x" * 2000 in accepted.content.decode() or name == "reopen"
    assert written() != before
