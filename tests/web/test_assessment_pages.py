"""The officer pages through real HTTP requests, as officers and approvers meet them: in
Vietnamese by default, scoped to their province, every write through the services."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.models import Commune
from criteria.models import (
    Assessment,
    AssessmentValue,
    Level,
    Recognition,
    Threshold,
    WorkflowStep,
)
from criteria.services import (
    attach_evidence,
    close_year,
    create_assessment,
    move,
    open_commune_by_exception,
    reopen_year,
    save_values,
)
from tests.criteria.builders import indicator
from tests.criteria.files import PDF, upload

# Its module fixtures are built once: its tests stay on one worker (make test: --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("web.test_assessment_pages")]

COMMUNE = "/communes/2021/25930/"  # Xã Bạch Đằng, Bình Dương (74)
PAGE = f"{COMMUNE}2023/"
STANDARD = {"income": 55, "irrigation": 85, "plan": True}


def _submit_new(commune):
    """A new 2023 assessment of the commune, submitted on the version it was created with."""
    new = create_assessment(commune=commune, year=2023)
    return move(assessment=new, action="submit", version=new.version)


@pytest.fixture(autouse=True)
def _vietnamese_by_default(settings):
    # The pages as people get them: the product's default language, unless they choose.
    settings.LANGUAGE_CODE = "vi"


def text(response) -> str:
    """What a person reads on the page: the body's text, tags and extra spaces removed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style|head)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def rows(response) -> dict[str, str]:
    """The commune rows of a list: {commune code: the row's text}."""
    body = response.content.decode()
    found = re.findall(r'<tr data-commune="(\d+)">(.*?)</tr>', body, flags=re.S)
    return {
        code: " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for code, row in found
    }


def as_user(client, user):
    client.force_login(user)
    return client


def _form_data(response) -> dict:
    """The entry form's fields as the browser would send them back unchanged."""
    body = response.content.decode()
    # An input with nothing in it has no value attribute, and is sent empty.
    data = dict(
        re.findall(r'<input type="(?:text|url|hidden)" name="([^"]+)"(?: value="([^"]*)")?', body)
    )
    data.update(  # a text area's first line break is the markup's, not the text's
        {
            name: re.sub(r"^\r?\n", "", value)
            for name, value in re.findall(
                r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', body, re.S
            )
        }
    )
    data.update(
        {
            name: (re.search(r'<option value="([^"]*)" selected>', options) or [None, ""])[1]
            for name, options in re.findall(
                r'<select name="([^"]+)"[^>]*>(.*?)</select>', body, re.S
            )
            if name != "language"
        }
    )
    data.pop("csrfmiddlewaretoken", None)
    return {name: html.unescape(value) for name, value in data.items()}


@pytest.fixture
def draft(small_set, bach_dang, cast):
    return create_assessment(commune=bach_dang, year=2023, user=cast.officer_74)


# --- 1. logging in, the base page -----------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/approvals/", COMMUNE, PAGE])
def test_an_anonymous_visitor_is_asked_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_the_api_docs_stay_public(client):
    assert client.get("/api/docs/").status_code == 200


def test_logging_in_leads_to_the_overview_with_who_and_where(client, cast, small_set):
    cast.officer_74.set_password("a-long-pass-phrase")
    cast.officer_74.save()
    login = client.get("/accounts/login/")
    assert "Đăng nhập" in text(login) and 'lang="vi"' in login.content.decode()
    response = client.post(
        "/accounts/login/", {"username": "officer_74", "password": "a-long-pass-phrase"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    header = text(client.get("/")).split("Đăng xuất")[0]
    assert "officer_74 Cán bộ (nhập và gửi số liệu) · Tỉnh Bình Dương" in header


def test_a_wrong_password_is_refused_on_the_login_page(client, cast):
    response = client.post("/accounts/login/", {"username": "officer_74", "password": "nope"})
    assert response.status_code == 200
    assert 'class="alert error"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logging_out_returns_to_the_login_page(client, cast):
    as_user(client, cast.officer_74)
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_english_is_one_click_away(client, cast, small_set):
    as_user(client, cast.officer_74)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response["Location"] == "/"
    page = text(client.get("/"))
    assert "To do" in page and "Log out" in page and "Officer (enter and submit data)" in page
    assert "Việc cần làm" not in page


def test_the_stylesheet_is_our_own_file_and_nothing_comes_from_a_cdn(client, cast, small_set):
    body = as_user(client, cast.officer_74).get("/").content.decode()
    assert '<link rel="stylesheet" href="/static/web/portal.css">' in body
    assert finders.find("web/portal.css") and finders.find("web/portal.js")
    assert not re.search(r'(src|href)="(https?:)?//', body)


# --- 2. the province overview ---------------------------------------------------------------------


@pytest.fixture
def picture(small_set, bach_dang, cast, lang_son_commune):
    """Bình Dương 2023: Bạch Đằng a draft meeting the standard level (not recognised); one
    approved commune meeting nothing but recognised at standard; one submitted, one returned;
    the others not assessed. A Lạng Sơn draft that officers of 74 never see."""
    others = list(Commune.objects.rural().filter(province__code="74").exclude(pk=bach_dang.pk)[:3])
    lapsed, submitted, returned = others
    save_values(
        assessment=create_assessment(commune=bach_dang, year=2023), values=STANDARD, version=1
    )
    approved = create_assessment(commune=lapsed, year=2023)
    save_values(assessment=approved, values={"income": 30, "irrigation": 90}, version=1)
    move(assessment=approved, version=approved.version, action="submit")
    move(assessment=approved, version=approved.version, action="approve")
    _submit_new(submitted)
    back = create_assessment(commune=returned, year=2023)
    move(assessment=back, version=back.version, action="submit")
    move(assessment=back, version=back.version, action="return", comment="Thiếu minh chứng")
    Recognition.objects.create(
        commune=lapsed,
        level=Level.objects.get(criteria_set=small_set, code="standard"),
        title_year=2022,
        decision_number="12/QĐ-UBND",
        decision_date=datetime.date(2022, 12, 20),
        issuer="UBND tỉnh Bình Dương",
    )
    create_assessment(commune=lang_son_commune, year=2023)
    return bach_dang, lapsed, submitted, returned


def test_the_overview_shows_each_commune_of_the_province_by_district(client, cast, picture):
    bach_dang, lapsed, submitted, returned = picture
    response = as_user(client, cast.officer_74).get("/", {"year": 2023})
    listed = rows(response)
    rural = Commune.objects.rural().filter(province__code="74")
    assert set(listed) == {c.code for c in rural}
    assert "Thành phố Tân Uyên (2)" in text(response)  # a district heading with its communes
    assert listed[bach_dang.code] == (
        f"Xã Bạch Đằng {bach_dang.code} Bản nháp Đạt chuẩn 3/3 — "
        "⚠ Đủ điều kiện nhưng chưa được công nhận"
    )
    assert listed[lapsed.code] == (
        f"{lapsed.name} {lapsed.code} Đã phê duyệt Chưa đạt mức nào 1/3 Đạt chuẩn "
        "⚠ Đã được công nhận nhưng nay không còn đạt"
    )
    assert "Đã gửi duyệt" in listed[submitted.code]
    assert "Đã trả lại" in listed[returned.code]
    unassessed = next(code for code, row in listed.items() if "Chưa đánh giá" in row)
    assert listed[unassessed].endswith("Chưa đánh giá + Tạo — — —")  # one click to create
    as_user(client, cast.viewer_74)
    assert "Tạo" not in rows(client.get("/", {"year": 2023}))[unassessed]


def test_a_recognised_commune_missing_a_value_is_unconfirmed_not_lapsed(client, cast, picture):
    """Approved with a value missing (a missing value is missing, not failed): the commune
    recognised at standard was flagged as no longer meeting it, on the overview and its
    page, as if its values had failed. One failing value as well (the picture's lapsed
    commune) still is a loss of the level."""
    bach_dang, lapsed, *_ = picture
    assessment = Assessment.objects.get(commune=bach_dang, year=2023)
    save_values(assessment=assessment, values={"plan": None}, version=assessment.version)
    move(assessment=assessment, version=assessment.version, action="submit")
    move(assessment=assessment, version=assessment.version, action="approve")
    Recognition.objects.create(
        commune=bach_dang,
        level=Level.objects.get(criteria_set=assessment.criteria_set, code="standard"),
        title_year=2022,
        decision_number="13/QĐ-UBND",
        decision_date=datetime.date(2022, 12, 20),
        issuer="UBND tỉnh Bình Dương",
    )
    as_user(client, cast.officer_74)
    listed = rows(client.get("/", {"year": 2023}))
    unconfirmed = "⚠ Đã được công nhận; còn thiếu số liệu để xác nhận mức này"
    assert listed[bach_dang.code].endswith(f"Đạt chuẩn {unconfirmed}")
    assert listed[lapsed.code].endswith("⚠ Đã được công nhận nhưng nay không còn đạt")
    assert unconfirmed in text(client.get(f"{COMMUNE}2023/"))
    lapsed_page = text(client.get(f"/communes/2021/{lapsed.code}/2023/"))
    assert "⚠ Đã được công nhận nhưng nay không còn đạt" in lapsed_page


def test_the_totals_count_communes_by_level(client, cast, picture):
    response = as_user(client, cast.officer_74).get("/", {"year": 2023})
    totals = dict(
        re.findall(r'data-level="(\w+)">\s*<span class="n num">(\d+)', response.content.decode())
    )
    rural = Commune.objects.rural().filter(province__code="74").count()
    assert totals == {"advanced": "0", "standard": "1", "none": "3", "unassessed": str(rural - 4)}


def test_the_task_list_shows_returned_submitted_and_unassessed_work(client, cast, picture):
    _, _, submitted, returned = picture
    page = text(as_user(client, cast.officer_74).get("/", {"year": 2023}))
    tasks = page.split("Việc cần làm")[1].split("Các xã")[0]
    assert f"Bị trả lại để chỉnh sửa 1 {returned.name} · 2023" in tasks
    assert f"Chờ phê duyệt 1 {submitted.name} · 2023" in tasks
    unassessed = Commune.objects.rural().filter(province__code="74").count() - 4
    assert f"Chưa đánh giá năm 2023 {unassessed}" in tasks
    assert f"Xem cả {unassessed} xã" in tasks


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"search": "bach dang"}, ["bach_dang"]),  # without diacritics
        ({"search": "Bạch Đằng"}, ["bach_dang"]),
        ({"level": "standard"}, ["bach_dang"]),
        ({"level": "none"}, ["lapsed", "submitted", "returned"]),
        ({"status": "approved"}, ["lapsed"]),
        ({"status": "returned"}, ["returned"]),
        ({"status": "draft", "search": "bach"}, ["bach_dang"]),
    ],
)
def test_the_filters_narrow_the_list(client, cast, picture, query, expected):
    named = dict(zip(["bach_dang", "lapsed", "submitted", "returned"], picture, strict=True))
    response = as_user(client, cast.officer_74).get("/", {"year": 2023, **query})
    assert set(rows(response)) == {named[name].code for name in expected}


def test_the_filters_by_district_and_not_assessed(client, cast, picture):
    bach_dang = picture[0]
    as_user(client, cast.officer_74)
    in_district = rows(client.get("/", {"year": 2023, "district": bach_dang.district.code}))
    assert set(in_district) == {
        c.code for c in Commune.objects.rural().filter(district=bach_dang.district)
    }
    unassessed = rows(client.get("/", {"year": 2023, "status": "unassessed"}))
    assessed = {c.code for c in picture}
    assert unassessed and not set(unassessed) & assessed
    assert "Chưa đánh giá" in next(iter(unassessed.values()))


def test_the_default_year_is_the_latest_with_data(client, cast, small_set, bach_dang):
    as_user(client, cast.officer_74)
    assert "Tỉnh Bình Dương · năm 2025" in text(client.get("/"))  # no data: the set's last year
    create_assessment(commune=bach_dang, year=2022)
    assert "Tỉnh Bình Dương · năm 2022" in text(client.get("/"))


def test_a_national_user_chooses_a_province(client, cast, picture, lang_son_commune):
    as_user(client, cast.national)
    assert "Chọn một tỉnh để xem các xã." in text(client.get("/", {"year": 2023}))
    response = client.get("/", {"year": 2023, "province": "20"})
    assert lang_son_commune.code in rows(response)
    assert "Tỉnh Lạng Sơn" in text(response)


def test_an_officer_sees_only_their_own_province(client, cast, picture, lang_son_commune):
    response = as_user(client, cast.officer_20).get("/", {"year": 2023, "province": "74"})
    listed = rows(response)
    assert lang_son_commune.code in listed
    assert picture[0].code not in listed


def test_a_login_without_a_role_sees_no_commune(client, cast, picture):
    response = as_user(client, cast.no_role).get("/", {"year": 2023})
    assert "Tài khoản của bạn chưa được gán tỉnh" in text(response)
    assert rows(response) == {}


def test_the_overview_costs_the_same_queries_however_many_communes_are_assessed(
    client, cast, picture, django_assert_max_num_queries
):
    as_user(client, cast.officer_74)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/", {"year": 2023}).status_code == 200
        return len(queries)

    few = count()
    for commune in Commune.objects.rural().filter(province__code="74")[10:25]:
        _submit_new(commune)
    assert count() == few
    # Session, user, access; years offered, the user's province, the set in force, its levels,
    # the districts; the filtered communes, totals by level, open work, every commune (for the
    # tasks); the criteria not met of the communes recognised above an incomplete result
    # (the picture's lapsed one); one per task another app registers (criteria.registry:
    # ocop's); the header's province.
    # +3: the session renewed (savepoint, update, release), the idle timeout
    with django_assert_max_num_queries(18):
        client.get("/", {"year": 2023})


# --- 3. a commune's years -------------------------------------------------------------------------


def test_the_commune_page_shows_its_years_and_recognitions(client, cast, small_set, bach_dang):
    old = create_assessment(commune=bach_dang, year=2022)
    save_values(assessment=old, values=STANDARD, version=1)
    move(assessment=old, version=old.version, action="submit")
    move(assessment=old, version=old.version, action="approve")
    create_assessment(commune=bach_dang, year=2023)
    Recognition.objects.create(
        commune=bach_dang,
        level=Level.objects.get(criteria_set=small_set, code="standard"),
        title_year=2022,
        decision_number="45/QĐ-UBND",
        decision_date=datetime.date(2022, 12, 30),
        issuer="UBND tỉnh Bình Dương",
        revoked_date=datetime.date(2024, 3, 1),
        revoked_decision="7/QĐ-UBND",
        revoked_reason="Không còn đạt tiêu chí thu nhập",
    )
    page = text(as_user(client, cast.viewer_74).get(COMMUNE))
    # 2023 starts from 2022's values, carried forward (#15): it meets the standard level too.
    assert "2023 Bản nháp Đạt chuẩn Đạt chuẩn: 3/3 Nâng cao: 0/2" in page
    assert "2022 Đã phê duyệt Đạt chuẩn Đạt chuẩn: 3/3 Nâng cao: 0/2" in page
    assert "Đạt chuẩn 2022 45/QĐ-UBND" in page
    assert "7/QĐ-UBND" in page and "Không còn đạt tiêu chí thu nhập" in page
    assert "Tạo đánh giá" not in page  # a viewer creates nothing


def test_the_commune_page_costs_a_fixed_number_of_queries(
    client, cast, small_set, bach_dang, django_assert_max_num_queries
):
    for year in (2021, 2022, 2023, 2024):
        create_assessment(commune=bach_dang, year=year)
    as_user(client, cast.officer_74)
    # Session, user, commune, access; assessments, their ladders, recognitions; years
    # offered; one per panel another app registers (criteria.registry: ocop's); the header's
    # province; its predecessors on the old map (none here); the maps of the years offered.
    # +3: the session renewed (savepoint, update, release), the idle timeout
    with django_assert_max_num_queries(15):
        assert client.get(COMMUNE).status_code == 200


# --- 4. entering values ---------------------------------------------------------------------------


def test_an_officer_creates_the_year_from_the_commune_page(client, cast, small_set, bach_dang):
    as_user(client, cast.officer_74)
    assert "Tạo đánh giá" in text(client.get(COMMUNE))
    response = client.post(f"{COMMUNE}new/", {"year": 2023})
    assert response["Location"] == PAGE
    assessment = Assessment.objects.get(commune=bach_dang, year=2023)
    assert assessment.created_by == cast.officer_74
    again = client.post(f"{COMMUNE}new/", {"year": 2023}, follow=True)
    assert "Xã Bạch Đằng đã có kết quả đánh giá năm 2023." in text(again)
    assert Assessment.objects.filter(commune=bach_dang).count() == 1


def test_each_measure_gets_the_input_its_type_needs(client, cast, draft, small_set):
    advanced = small_set.levels.get(code="advanced")
    indicator(
        advanced,
        "3",
        "3.1",
        small_set.measures.get(code="ocop_products"),
        ">=",
        ("national", None, "1"),
    )
    body = as_user(client, cast.officer_74).get(PAGE).content.decode()
    # Income is judged at standard and at advanced: one input, entered once.
    assert body.count('name="income"') == 1
    assert re.search(r'<input type="text" name="income"[^>]*inputmode="decimal"', body)
    assert (
        re.search(r'<select name="plan"', body) and '<option value="yes">Có (đạt)</option>' in body
    )
    assert 'name="crafts__na"' in body and 'name="income__na"' not in body
    assert 'type="url" name="income__evidence"' in body and 'name="income__note"' in body
    assert 'name="ocop_products"' not in body  # derived: shown, not entered
    page = text(client.get(PAGE))
    assert "triệu đồng/người/năm" in page
    assert "Ngưỡng: ≥ 50 triệu đồng/người/năm · Đông Nam Bộ đã kiểm chứng" in page
    assert "Ngưỡng: ≥ 60 triệu đồng/người/năm · toàn quốc" in page
    assert "Dùng chung giá trị đã nhập ở trên" in page
    assert "Tính từ dữ liệu khác (không nhập ở đây)" in page


def test_thresholds_say_when_they_are_demo_or_unverified(client, cast, draft, bach_dang):
    Threshold.objects.create(
        indicator=draft.criteria_set.levels.get(code="standard")
        .criteria.get(number="2")
        .indicators.get(),
        scope="province",
        province=bach_dang.province,
        value=Decimal("70"),
        source="demo",
        demo=True,
    )
    Threshold.objects.filter(indicator__code="1.1", scope="class").update(verified=False)
    page = text(as_user(client, cast.officer_74).get(PAGE))
    assert "Ngưỡng: ≥ 70 % · Tỉnh Bình Dương giá trị minh họa" in page
    assert "Ngưỡng: ≥ 50 triệu đồng/người/năm · Đông Nam Bộ chưa kiểm chứng" in page


def test_saving_rescores_and_shows_the_level_and_the_gap(client, cast, draft):
    as_user(client, cast.officer_74)
    data = _form_data(client.get(PAGE)) | {"income": "55,5", "irrigation": "85", "plan": "yes"}
    response = client.post(PAGE, data)
    assert response["Location"] == PAGE
    draft.refresh_from_db()
    assert (draft.level, draft.criteria_met, draft.version) == ("standard", 3, 2)
    assert AssessmentValue.objects.get(assessment=draft, measure__code="income").number == Decimal(
        "55.5"
    )
    page = text(client.get(PAGE))
    assert "Đã lưu. Mức đạt và số tiêu chí đạt đã được cập nhật bên dưới." in page
    assert "Mức đạt theo số liệu Đạt chuẩn" in page
    assert "Đạt chuẩn: đạt 3/3 tiêu chí" in page
    assert "Còn thiếu để đạt mức: Nâng cao Còn 2 chỉ tiêu chưa đạt." in page
    assert "1.1 1.1 Không đạt giá trị 55,5, cần ≥ 60" in page
    assert "2.1 2.1 Thiếu số liệu" in page
    outcomes = re.findall(r'data-outcome="(\w+)"', client.get(PAGE).content.decode())
    assert outcomes == ["pass", "pass", "pass", "fail", "missing"]


def test_a_successful_save_scores_once_and_builds_no_page(client, cast, draft):
    as_user(client, cast.officer_74)
    data = _form_data(client.get(PAGE)) | {"income": "55", "irrigation": "85", "plan": "yes"}
    with CaptureQueriesContext(connection) as queries:
        assert client.post(PAGE, data).status_code == 302
    # The service's save with its one scoring, plus the view's reads (session, user, commune,
    # access, assessment, the set's rules for the form, the stored values): no breakdown,
    # history or evidence of a page that is not shown. A second scoring would add 8 or more.
    rules_loaded = [q for q in queries if 'FROM "criteria_threshold"' in q["sql"]]
    assert len(rules_loaded) == 1  # the form's fields
    # The service's one scoring checks the rules' version once (its rules compiled are kept).
    assert sum("criteria_rulesversion" in q["sql"] for q in queries) == 1
    # With the editions in force, the set's shared lock, and the session renewed (3); the
    # values still carried forward, for the form's "confirm" boxes (#15).
    assert len(queries) <= 43


def test_bad_values_are_refused_at_their_fields_and_nothing_is_saved(client, cast, draft):
    as_user(client, cast.officer_74)
    data = _form_data(client.get(PAGE)) | {
        "income": "abc",
        "irrigation": "180",
        "plan": "yes",
        "crafts__na": "on",
        "income__evidence": "not a link",
    }
    response = client.post(PAGE, data)
    assert response.status_code == 400
    page = text(response)
    assert "Chưa lưu gì. Hãy sửa 3 giá trị được đánh dấu bên dưới rồi lưu lại." in page
    assert "“abc” không phải là số." in page
    assert "Tỷ lệ phần trăm phải từ 0 đến 100." in page
    assert "Hãy ghi rõ lý do chỉ tiêu không áp dụng (bắt buộc có ghi chú)." in page
    assert "Đường dẫn minh chứng phải là địa chỉ web (http:// hoặc https://)." in page
    assert 'name="income" value="abc"' in response.content.decode()  # the typing is kept
    # "Not applicable" without a note: the note is what to fix (the value's input is disabled).
    links = re.findall(r'<li data-field="([^"]+)"><a href="#([^"]+)"', response.content.decode())
    assert ("crafts__note", "id_crafts__note") in links
    assert all(field != "crafts" for field, _anchor in links)
    draft.refresh_from_db()
    assert draft.version == 1 and not AssessmentValue.objects.filter(assessment=draft).exists()


def test_not_applicable_with_a_note_and_an_evidence_link_are_saved(client, cast, draft):
    as_user(client, cast.officer_74)
    data = _form_data(client.get(PAGE)) | {
        "crafts__na": "on",
        "crafts__note": "Xã không có làng nghề",
        "plan": "yes",
        "plan__evidence": "https://example.gov.vn/qd-123.pdf",
    }
    assert client.post(PAGE, data).status_code == 302
    crafts = AssessmentValue.objects.get(assessment=draft, measure__code="crafts")
    assert (crafts.not_applicable, crafts.note) == (True, "Xã không có làng nghề")
    plan = AssessmentValue.objects.get(assessment=draft, measure__code="plan")
    assert (plan.flag, plan.evidence_url) == (True, "https://example.gov.vn/qd-123.pdf")
    draft.refresh_from_db()  # saved through the page
    move(assessment=draft, version=draft.version, action="submit")
    body = client.get(PAGE).content.decode()
    assert 'href="https://example.gov.vn/qd-123.pdf"' in body


def test_an_unchanged_form_saves_nothing(client, cast, draft):
    save_values(assessment=draft, values={"income": "55.5"}, version=1)
    as_user(client, cast.officer_74)
    response = client.post(PAGE, _form_data(client.get(PAGE)), follow=True)
    assert "Không có thay đổi nào để lưu." in text(response)
    draft.refresh_from_db()
    assert draft.version == 2


def test_a_stale_save_is_refused_shows_what_changed_and_keeps_the_typing(client, cast, draft):
    as_user(client, cast.officer_74)
    seen = _form_data(client.get(PAGE))
    save_values(assessment=draft, values={"income": 60}, version=1, user=cast.approver_74)

    response = client.post(PAGE, seen | {"income": "52", "irrigation": "90"})
    assert response.status_code == 409
    page = text(response)
    assert "Người khác vừa sửa kết quả đánh giá này (nay là phiên bản 2)." in page
    assert "Người khác đã lưu kết quả đánh giá này trong lúc bạn đang sửa" in page
    body = response.content.decode()
    income = re.search(r'<tr data-measure="income">(.*?)</tr>', body, re.S).group(1)
    assert re.sub(r"<[^>]+>|\s+", " ", income).split() == [
        "income",
        "60",
        "triệu",
        "đồng/người/năm",
        "52",
        "triệu",
        "đồng/người/năm",
    ]
    assert '<tr data-measure="irrigation">' in body
    assert 'name="income" value="52"' in body and 'name="irrigation" value="90"' in body
    assert 'name="version" value="2"' in body  # saving again replaces, knowingly
    assert AssessmentValue.objects.get(assessment=draft, measure__code="income").number == 60

    again = client.post(PAGE, _form_data(response))
    assert again.status_code == 302
    assert AssessmentValue.objects.get(assessment=draft, measure__code="income").number == 52


def test_saving_again_after_a_stale_save_keeps_what_the_other_person_saved(client, cast, draft):
    """Two people open the page; one saves the income; the other changed only the irrigation:
    refused, their page shows the income saved by the first, and saving again writes only the
    irrigation."""
    save_values(assessment=draft, values={"income": 50, "irrigation": 70}, version=1)
    as_user(client, cast.officer_74)
    seen = _form_data(client.get(PAGE))
    assert (seen["income"], seen["initial-income"]) == ("50", "50")  # what the page showed
    save_values(assessment=draft, values={"income": 61}, version=2, user=cast.approver_74)

    response = client.post(PAGE, seen | {"irrigation": "90"})
    assert response.status_code == 409
    body = response.content.decode()
    assert '<tr data-measure="irrigation">' in body
    assert '<tr data-measure="income">' not in body  # not this person's change
    shown = _form_data(response)
    assert (shown["income"], shown["irrigation"], shown["version"]) == ("61", "90", "3")

    assert client.post(PAGE, shown).status_code == 302
    stored = dict(
        AssessmentValue.objects.filter(assessment=draft).values_list("measure__code", "number")
    )
    assert (stored["income"], stored["irrigation"]) == (61, 90)
    draft.refresh_from_db()
    assert draft.version == 4


def test_after_a_stale_save_another_persons_note_on_the_same_measure_is_kept(client, cast, draft):
    """Field by field: one person changed the income's note, the other its value; saving
    again writes the value and keeps the note."""
    save_values(assessment=draft, values={"income": 50}, version=1)
    as_user(client, cast.officer_74)
    seen = _form_data(client.get(PAGE))
    other = {"income": {"value": 50, "note": "Theo báo cáo huyện"}}
    save_values(assessment=draft, values=other, version=2, user=cast.approver_74)
    response = client.post(PAGE, seen | {"income": "52"})
    assert response.status_code == 409
    shown = _form_data(response)
    assert (shown["income"], shown["income__note"]) == ("52", "Theo báo cáo huyện")
    assert client.post(PAGE, shown).status_code == 302
    income = AssessmentValue.objects.get(assessment=draft, measure__code="income")
    assert (income.number, income.note) == (52, "Theo báo cáo huyện")


def test_a_note_of_several_lines_is_shown_whole_and_is_no_change_sent_back(client, cast, draft):
    """A one-line input dropped the line breaks of an imported note: saving the page glued
    its lines and counted it as changed."""
    note = "dòng một\ndòng hai"
    save_values(assessment=draft, values={"income": {"value": 50, "note": note}}, version=1)
    as_user(client, cast.officer_74)
    seen = _form_data(client.get(PAGE))
    assert seen["income__note"] == note
    sent = seen | {"income__note": note.replace("\n", "\r\n")}  # as a browser sends it
    response = client.post(PAGE, sent, follow=True)
    assert "Không có thay đổi nào để lưu." in text(response)
    assert AssessmentValue.objects.get(assessment=draft, measure__code="income").note == note


def test_a_change_is_counted_from_what_the_page_showed(client, cast, draft):
    """The page sends back what it showed: a value typed back to what it showed is no change,
    even where someone else has saved another value since (their save is not undone)."""
    save_values(assessment=draft, values={"income": 50}, version=1)
    as_user(client, cast.officer_74)
    seen = _form_data(client.get(PAGE))
    save_values(assessment=draft, values={"income": 61}, version=2, user=cast.approver_74)
    response = client.post(PAGE, seen, follow=True)
    assert "Không có thay đổi nào để lưu." in text(response)
    assert AssessmentValue.objects.get(assessment=draft, measure__code="income").number == 61


def test_submitted_and_approved_assessments_are_read_only(client, cast, draft):
    save_values(assessment=draft, values={"income": 45}, version=1)
    move(assessment=draft, version=draft.version, action="submit")
    as_user(client, cast.officer_74)
    response = client.get(PAGE)
    assert 'name="income"' not in response.content.decode()
    assert "Đã gửi phê duyệt: chỉ xem." in text(response)
    refused = client.post(PAGE, {"version": 3, "income": "90"}, follow=True)
    assert "Kết quả đánh giá này đã gửi phê duyệt" in text(refused)
    move(assessment=draft, version=draft.version, action="approve")
    assert "Đã phê duyệt và khóa: chỉ xem." in text(client.get(PAGE))
    refused = client.post(PAGE, {"version": 4, "income": "90"}, follow=True)
    assert "đã được phê duyệt và khóa" in text(refused)
    assert AssessmentValue.objects.get(assessment=draft, measure__code="income").number == 45


def test_a_viewer_reads_the_page_but_cannot_save(client, cast, draft):
    as_user(client, cast.viewer_74)
    assert 'name="income"' not in client.get(PAGE).content.decode()
    assert client.post(PAGE, {"version": 1, "income": "50"}).status_code == 403
    assert client.post(f"{COMMUNE}new/", {"year": 2024}).status_code == 403
    assert not AssessmentValue.objects.filter(assessment=draft).exists()


def test_the_entry_page_costs_a_fixed_number_of_queries(
    client, cast, draft, django_assert_max_num_queries
):
    as_user(client, cast.officer_74)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        return len(queries)

    first = count()
    for version, income in enumerate((41, 42, 43, 44, 45, 46), start=1):
        save_values(assessment=draft, values={**STANDARD, "income": income}, version=version)
    for code, user in [("income", cast.officer_74), ("plan", cast.approver_74)] * 2:
        attach_evidence(
            assessment=draft, measure_code=code, upload=upload(f"{code}.pdf", PDF), user=user
        )
    move(assessment=draft, version=draft.version, action="submit")
    move(assessment=draft, version=draft.version, action="return", comment="Kiểm tra lại")
    assert count() == first
    # Session, user, commune, access, assessment; 4 for the rules (loaded once, for the
    # scoring and the sections), values, values scored, classes, derived measures, steps;
    # recognition, regions, value history, evidence files, the year's closure; the header's
    # province; the editions in force (for the scoring, and for the page's "scored under"
    # line with the stored result's own edition).
    # +3: the session renewed (savepoint, update, release), the idle timeout
    # +1: the values still carried forward from last year (#15)
    with django_assert_max_num_queries(27):
        client.get(PAGE)


# --- 5. the workflow ------------------------------------------------------------------------------


def test_an_officer_submits_and_an_approver_approves_from_the_queue(client, cast, draft):
    save_values(assessment=draft, values=STANDARD, version=1)
    as_user(client, cast.officer_74)
    response = client.post(f"{PAGE}submit/", {"version": 2}, follow=True)
    assert "Đã gửi phê duyệt." in text(response)
    assert client.get("/approvals/").status_code == 403  # the queue is the approvers'

    as_user(client, cast.approver_74)
    queue = client.get("/approvals/")
    assert list(rows(queue)) == ["25930"]
    assert "Xã Bạch Đằng" in text(queue) and "Đạt chuẩn: 3/3" in text(queue)
    response = client.post(f"{PAGE}approve/", {"version": 3}, follow=True)
    assert "Đã phê duyệt: số liệu đã được khóa." in text(response)
    draft.refresh_from_db()
    assert draft.status == "approved"
    assert rows(client.get("/approvals/")) == {}
    steps = text(response).split("Các bước đã thực hiện")[1]
    assert re.search(
        r"Đã tạo .* officer_74 Đã gửi duyệt .* officer_74 Đã phê duyệt .* approver_74", steps
    )


def test_returning_needs_a_comment_and_the_officer_sees_it(client, cast, draft):
    move(assessment=draft, version=draft.version, action="submit")
    as_user(client, cast.approver_74)
    refused = client.post(f"{PAGE}return/", {"version": 2, "comment": "  "}, follow=True)
    assert "Hãy ghi rõ lý do (bước này bắt buộc có nhận xét)." in text(refused)
    draft.refresh_from_db()
    assert draft.status == "submitted"
    client.post(f"{PAGE}return/", {"version": 2, "comment": "Thiếu minh chứng thu nhập"})
    draft.refresh_from_db()
    assert draft.status == "returned"
    as_user(client, cast.officer_74)
    assert "Thiếu minh chứng thu nhập" in text(client.get(PAGE))
    assert 'name="income"' in client.get(PAGE).content.decode()  # open again for changes


def test_an_approver_reopens_an_approved_year_with_a_reason(client, cast, draft):
    move(assessment=draft, version=draft.version, action="submit")
    move(assessment=draft, version=draft.version, action="approve")
    as_user(client, cast.approver_74)
    client.post(f"{PAGE}reopen/", {"version": 3, "comment": "Sai số liệu thủy lợi"})
    draft.refresh_from_db()
    assert draft.status == "returned"
    step = WorkflowStep.objects.get(assessment=draft, action="reopen")
    assert (step.user, step.comment) == (cast.approver_74, "Sai số liệu thủy lợi")


def test_a_step_out_of_turn_or_by_the_wrong_role_is_refused(client, cast, draft):
    as_user(client, cast.officer_74)
    assert client.post(f"{PAGE}approve/", {}).status_code == 403
    assert client.post(f"{PAGE}publish/", {}).status_code == 404
    as_user(client, cast.viewer_74)
    assert client.post(f"{PAGE}submit/", {}).status_code == 403
    as_user(client, cast.approver_74)
    response = client.post(f"{PAGE}approve/", {"version": 1}, follow=True)
    assert (
        "Không thể phê duyệt: kết quả đánh giá đang ở trạng thái bản nháp "
        "(chỉ khi đã gửi duyệt)." in text(response)
    )
    stale = client.post(f"{PAGE}submit/", {"version": 7}, follow=True)
    assert "người khác đã sửa kết quả đánh giá này sau khi bạn mở nó" in text(stale)
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("draft", 1)


def _version_on_the_form(response, step: str) -> int:
    """The version the page's form of this step sends (what the person saw)."""
    form = re.search(rf'<form [^>]*data-step="{step}">.*?</form>', response.content.decode(), re.S)
    return int(re.search(r'name="version" value="(\d+)"', form.group(0)).group(1))


def test_an_approver_cannot_approve_what_changed_after_the_page_was_opened(client, cast, draft):
    save_values(assessment=draft, values=STANDARD, version=1)
    move(assessment=draft, version=draft.version, action="submit")
    as_user(client, cast.approver_74)
    opened = client.get(PAGE)
    assert _version_on_the_form(opened, "approve") == 3
    # Meanwhile another approver returns it, and the officer changes a value and resubmits.
    move(assessment=draft, version=3, action="return", comment="Sửa thu nhập", user=cast.national)
    save_values(assessment=draft, values={"income": 30}, version=4, user=cast.officer_74)
    move(assessment=draft, version=5, action="submit", user=cast.officer_74)
    steps = WorkflowStep.objects.filter(assessment=draft)
    taken = steps.count()

    response = client.post(f"{PAGE}approve/", {"version": 3}, follow=True)
    assert (
        "Chưa thực hiện thao tác nào: người khác đã sửa kết quả đánh giá này sau khi bạn mở "
        "nó (nay là phiên bản 6)." in text(response)
    )
    assert "Đã phê duyệt: số liệu đã được khóa." not in text(response)
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("submitted", 6)
    assert steps.count() == taken
    # The page shown again offers the step on what is there now.
    assert _version_on_the_form(response, "approve") == 6
    client.post(f"{PAGE}approve/", {"version": 6})
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("approved", 7)


@pytest.mark.parametrize("version", [None, "", "abc"])
def test_a_step_form_without_the_version_seen_changes_nothing(client, cast, draft, version):
    move(assessment=draft, version=draft.version, action="submit")
    as_user(client, cast.approver_74)
    data = {} if version is None else {"version": version}
    response = client.post(f"{PAGE}approve/", data, follow=True)
    assert (
        "Trang không cho biết bạn đã xem phiên bản nào của kết quả đánh giá: hãy tải lại trang "
        "rồi thực hiện lại bước này." in text(response)
    )
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("submitted", 2)
    assert not WorkflowStep.objects.filter(assessment=draft, action="approve").exists()


def test_the_queue_lists_the_province_only_and_costs_fixed_queries(
    client, cast, small_set, bach_dang, lang_son_commune, django_assert_max_num_queries
):
    for commune in Commune.objects.rural().filter(province__code="74")[:6]:
        _submit_new(commune)
    _submit_new(lang_son_commune)
    province = bach_dang.province
    for year, communes in [(2021, [bach_dang]), (2022, list(province.communes.rural()[:5]))]:
        closure = close_year(province=province, year=year)
        for commune in communes:
            open_commune_by_exception(closure=closure, commune=commune, reason="Bổ sung")
    close_year(province=province, year=2024)
    reopen_year(province=province, year=2024, reason="Gia hạn")
    as_user(client, cast.approver_74)
    # Session, user, access; the queue, its ladders; the closures panel: the province, the
    # years, the map of each year (communes.models.structures_for_years), their closures, the
    # exceptions, the reopenings on record, the communes and their kind changes (the rural
    # communes of each year: communes.models.rural_q); the header's province.
    # +3: the session renewed (savepoint, update, release), the idle timeout
    with django_assert_max_num_queries(17):
        listed = rows(client.get("/approvals/"))
    assert len(listed) == 6 and lang_son_commune.code not in listed
    assert len(rows(as_user(client, cast.national).get("/approvals/"))) == 7


# --- 6. the audit trail ---------------------------------------------------------------------------


def test_every_change_to_a_value_is_recorded_with_who_and_shown(client, cast, draft):
    as_user(client, cast.officer_74)
    client.post(PAGE, _form_data(client.get(PAGE)) | {"income": "45"})
    as_user(client, cast.approver_74)
    client.post(PAGE, _form_data(client.get(PAGE)) | {"income": "55"})
    as_user(client, cast.officer_74)
    client.post(PAGE, _form_data(client.get(PAGE)) | {"income": ""})

    history = AssessmentValue.history.filter(assessment_id=draft.pk).order_by("history_date")
    assert [(h.history_type, h.number, h.history_user) for h in history] == [
        ("+", Decimal("45"), cast.officer_74),
        ("~", Decimal("55"), cast.approver_74),
        ("-", Decimal("55"), cast.officer_74),
    ]
    changes = text(client.get(PAGE)).split("Lịch sử thay đổi số liệu")[1]
    assert re.search(r"officer_74 income 55 triệu đồng/người/năm đã xóa", changes)
    assert re.search(r"approver_74 income 45 triệu đồng/người/năm 55 triệu", changes)
    assert re.search(r"officer_74 income — 45 triệu", changes)
    assessment_history = draft.history.order_by("history_date")
    assert [h.version for h in assessment_history] == [1, 2, 3, 4]


def test_the_admin_shows_the_history_and_reverts_nothing(admin_client, cast, draft):
    save_values(assessment=draft, values={"income": 45}, version=1, user=cast.officer_74)
    save_values(assessment=draft, values={"income": 50}, version=2, user=cast.approver_74)
    value = AssessmentValue.objects.get(assessment=draft)
    response = admin_client.get(f"/admin/criteria/assessmentvalue/{value.pk}/history/")
    assert response.status_code == 200
    page = text(response)
    assert "approver_74" in page and "officer_74" in page
    assert admin_client.get(f"/admin/criteria/assessment/{draft.pk}/history/").status_code == 200
    record = value.history.earliest("history_date")
    revert = f"/admin/criteria/assessmentvalue/{value.pk}/history/{record.history_id}/"
    assert admin_client.post(revert, {"number": "45"}).status_code == 403
    value.refresh_from_db()
    assert value.number == 50
    change = admin_client.get(f"/admin/criteria/assessment/{draft.pk}/change/").content.decode()
    assert f"/admin/criteria/assessmentvalue/{value.pk}/history/" in change


def test_the_admin_history_reads_in_vietnamese_with_values_in_words(admin_client, cast, draft):
    """The history's headings were English and its changes as stored: "draft → submitted",
    "False → True", times in UTC, "Deleted edition (pk=None)" for an edition first set."""
    save_values(assessment=draft, values=STANDARD, version=1, user=cast.officer_74)
    move(assessment=draft, action="submit", version=2, user=cast.officer_74)
    page = text(admin_client.get(f"/admin/criteria/assessment/{draft.pk}/history/"))
    for heading in ("Đối tượng", "Thời điểm", "Người thay đổi", "Lý do thay đổi"):
        assert heading in page
    assert "Trạng thái: Bản nháp → Đã gửi duyệt" in page
    assert "Mức đạt theo số liệu: Chưa đạt mức nào → Đạt chuẩn" in page
    assert "Vùng/nhóm dùng khi chấm: — → Đông Nam Bộ" in page
    assert "Không có — 3 mục" in page  # no user, no reason; the count of entries
    # Criteria met per level by the levels' names, not as stored ({'standard': [3, 3], ...}).
    met = "Số tiêu chí đạt theo từng mức: Đạt chuẩn 0/3 · Nâng cao 0/2 → Đạt chuẩn 3/3 · Nâng"
    assert met in page
    assert "Số tiêu chí đạt theo từng mức: — → Đạt chuẩn 0/3 · Nâng cao 0/2" in page
    for stored in ("draft →", "none →", "+00:00", "pk=None", "None", "entries", "standard"):
        assert stored not in page


def test_recognitions_keep_their_history(small_set, bach_dang):
    recognition = Recognition.objects.create(
        commune=bach_dang,
        level=Level.objects.get(criteria_set=small_set, code="standard"),
        title_year=2023,
        decision_number="1/QĐ-UBND",
        decision_date=datetime.date(2023, 12, 1),
        issuer="UBND tỉnh",
    )
    recognition.revoked_date = datetime.date(2024, 5, 1)
    recognition.revoked_reason = "Sai sót"
    recognition.save()
    assert [h.history_type for h in recognition.history.order_by("history_date")] == ["+", "~"]


# --- 7. scope: another province's commune is a 404 ------------------------------------------------

WRITES = [
    ("create", f"{COMMUNE}new/", {"year": 2024}),
    ("save", PAGE, {"version": 1, "income": "50"}),
    ("submit", f"{PAGE}submit/", {"version": 1}),
    ("approve", f"{PAGE}approve/", {}),
    ("return", f"{PAGE}return/", {"comment": "x"}),
    ("reopen", f"{PAGE}reopen/", {"comment": "x"}),
]


@pytest.mark.parametrize("who", ["officer_20", "approver_20", "no_role"])
@pytest.mark.parametrize(("name", "url", "data"), WRITES, ids=[w[0] for w in WRITES])
def test_every_write_from_another_province_is_refused(client, cast, draft, who, name, url, data):
    if name in ("approve", "return"):
        move(assessment=draft, version=draft.version, action="submit")
    if name == "reopen":
        move(assessment=draft, version=draft.version, action="submit")
        move(assessment=draft, version=draft.version, action="approve")
    before = Assessment.objects.values_list("pk", "status", "version")
    before = list(before)
    response = as_user(client, getattr(cast, who)).post(url, data)
    assert response.status_code == 404
    assert "Bạch Đằng" not in response.content.decode()
    assert list(Assessment.objects.values_list("pk", "status", "version")) == before
    assert not AssessmentValue.objects.exists()


@pytest.mark.parametrize(("name", "url", "data"), WRITES, ids=[w[0] for w in WRITES])
def test_an_anonymous_write_is_sent_to_log_in(client, draft, name, url, data):
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("draft", 1)


@pytest.mark.parametrize(
    "url", [f"{COMMUNE}2024/", f"{COMMUNE}99999/", "/communes/2021/99999/", "/communes/x/y/"]
)
def test_a_page_that_does_not_exist_is_a_404_not_an_error(client, cast, draft, url):
    assert as_user(client, cast.officer_74).get(url).status_code == 404


@pytest.mark.parametrize("url", [COMMUNE, PAGE])
def test_another_province_sees_nothing_of_the_commune(client, cast, draft, url):
    response = as_user(client, cast.officer_20).get(url)
    assert response.status_code == 404
    assert "Bạch Đằng" not in response.content.decode()


def test_a_national_user_works_in_every_province(client, cast, draft):
    as_user(client, cast.national)
    assert client.post(PAGE, {"version": 1, "income": "50"}).status_code == 302
    assert client.post(f"{PAGE}submit/", {"version": 2}).status_code == 302
    assert client.post(f"{PAGE}approve/", {"version": 3}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "approved"


# --- 8. languages ---------------------------------------------------------------------------------


def test_the_pages_are_vietnamese_by_default_and_english_on_request(client, cast, draft):
    as_user(client, cast.officer_74)
    vietnamese = text(client.get(PAGE))
    assert "Quy trình phê duyệt" in vietnamese and "Lưu số liệu" in vietnamese
    english = text(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Workflow" in english and "Save values" in english
    assert "Lưu số liệu" not in english


def test_submitting_or_approving_with_values_missing_says_so(client, cast, small_set, bach_dang):
    """The workflow box said nothing of missing values: an incomplete year was submitted and
    approved without a word, and published as no level reached."""
    assessment = create_assessment(commune=bach_dang, year=2023)
    page = f"{COMMUNE}2023/"
    as_user(client, cast.officer_74)
    assert "⚠ Còn thiếu 4 giá trị: khi thiếu, mức đạt liên quan chưa thể" in text(client.get(page))
    every = {**STANDARD, "crafts": True}
    save_values(assessment=assessment, values=every, version=assessment.version)
    assert 'id="missing-values"' not in client.get(page).content.decode()
    save_values(assessment=assessment, values={"plan": None}, version=assessment.version)
    move(assessment=assessment, action="submit", version=assessment.version)
    # Submitted: nothing left for the officer to do.
    assert 'id="missing-values"' not in client.get(page).content.decode()
    as_user(client, cast.approver_74)
    shown = text(client.get(page))
    assert "⚠ Còn thiếu 1 giá trị: khi thiếu, mức đạt liên quan" in shown
    assert "Xem những gì còn thiếu" in shown


def test_dates_are_written_as_decisions_write_them(client, cast, picture):
    """The commune page wrote a decision's day 20-12-2022 (Django's Vietnamese short format)
    beside pages and decisions writing 20/12/2022."""
    _bach_dang, lapsed, *_ = picture
    page = text(as_user(client, cast.officer_74).get(f"/communes/2021/{lapsed.code}/"))
    assert "12/QĐ-UBND 20/12/2022" in page
    assert "20-12-2022" not in page
