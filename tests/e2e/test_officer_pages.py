"""An officer fills a commune's year in the browser and submits it; an approver approves it; a
draft stays inside its province; a second editor's stale save is refused, typing kept."""

import re

import pytest
from playwright.sync_api import expect

from communes.models import Commune
from criteria.loading import load_all
from criteria.models import Measure
from criteria.services import create_assessment, save_values
from tests.e2e.conftest import contrast, units
from tests.factories import PASSWORD, portal_user

pytestmark = pytest.mark.e2e

ASSESSMENT = "/communes/2021/25930/2023/"  # Xã Bạch Đằng, Bình Dương


def log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))


def log_out(page):
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/accounts/login/")


def test_officer_fills_and_submits_and_approver_approves(page, binh_duong, screenshot):
    page.goto("/")
    page.wait_for_url("**/accounts/login/?next=/")
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    screenshot("login")
    log_in(page, "officer_74")
    expect(page.locator("header")).to_contain_text("officer_74")
    expect(page.locator("header")).to_contain_text("Tỉnh Bình Dương")
    expect(page.locator("header")).to_contain_text("Cán bộ")

    page.goto("/?year=2023")
    page.fill("#id_search", "bach dang")  # without diacritics
    page.press("#id_search", "Enter")
    rows = page.locator("table.communes tr[data-commune]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Xã Bạch Đằng")
    expect(rows.first).to_contain_text("Chưa đánh giá")
    page.goto("/?year=2023")
    screenshot("overview")

    page.goto("/communes/2021/25930/")
    page.select_option("#id_year", "2023")
    page.get_by_role("button", name="Tạo đánh giá").click()
    page.wait_for_url(f"**{ASSESSMENT}")
    expect(page.locator("#computed-level")).to_have_text("Chưa đạt mức nào")

    page.fill("#id_income", "55,5")
    page.fill("#id_irrigation", "85")
    page.select_option("#id_plan", "yes")
    page.click("#save")
    expect(page.locator(".message.success")).to_contain_text("Đã lưu")
    expect(page.locator("#computed-level")).to_have_text("Đạt chuẩn")
    expect(page.locator("#criteria-met")).to_contain_text("3/3")
    expect(page.locator("#gap")).to_contain_text("Nâng cao")
    expect(page.locator("#id_income")).to_have_value("55,5")
    screenshot("assessment-saved")

    page.locator("[data-step=submit] button").click()
    expect(page.locator(".message.success")).to_have_text("Đã gửi phê duyệt.")
    expect(page.locator("#id_income")).to_have_count(0)  # read only once submitted
    log_out(page)

    log_in(page, "approver_74")
    page.goto("/approvals/")
    expect(page.locator("tr[data-commune='25930']")).to_contain_text("Xã Bạch Đằng")
    screenshot("approvals")
    page.locator("tr[data-commune='25930'] a").first.click()
    page.locator("[data-step=approve] button").click()
    expect(page.locator(".message.success")).to_contain_text("Đã phê duyệt")
    expect(page.locator(".page-head .badge.approved")).to_have_text("Đã phê duyệt")
    expect(page.locator("#id_income")).to_have_count(0)
    expect(page.locator(".steps li")).to_have_count(3)  # created, submitted, approved
    expect(page.locator("#history")).to_contain_text("officer_74")
    screenshot("approved")

    page.goto("/?year=2023")
    row = page.locator("table.communes tr[data-commune='25930']")
    expect(row).to_contain_text("Đã phê duyệt")
    expect(row).to_contain_text("3/3")
    expect(row).to_contain_text("Đủ điều kiện nhưng chưa được công nhận")
    screenshot("overview-after")


def test_a_draft_stays_inside_its_province(page, binh_duong, screenshot):
    create_assessment(commune=binh_duong.bach_dang, year=2023, user=binh_duong.officer)

    response = page.goto(ASSESSMENT)
    assert "/accounts/login/" in page.url  # an anonymous visitor is asked to log in
    assert "Xã Bạch Đằng" not in page.content()

    log_in(page, "officer_20")
    response = page.goto(ASSESSMENT)
    assert response.status == 404
    assert "Xã Bạch Đằng" not in page.content()
    response = page.goto("/communes/2021/25930/")
    assert response.status == 404


def test_a_stale_save_is_refused_and_the_typing_kept(
    page, browser, live_server, binh_duong, screenshot
):
    assessment = create_assessment(commune=binh_duong.bach_dang, year=2023)
    save_values(assessment=assessment, values={"income": 45}, version=1, user=binh_duong.officer)
    log_in(page, "officer_74")
    page.goto(ASSESSMENT)

    other = browser.new_context(base_url=live_server.url, locale="vi-VN")
    colleague = other.new_page()
    log_in(colleague, "colleague_74")
    colleague.goto(ASSESSMENT)
    colleague.fill("#id_income", "60")
    colleague.click("#save")
    expect(colleague.locator(".message.success")).to_contain_text("Đã lưu")
    other.close()

    page.fill("#id_income", "52")
    page.fill("#id_irrigation", "90")
    page.click("#save")
    conflict = page.locator("#conflict")
    expect(conflict).to_contain_text("Người khác đã lưu")
    expect(conflict.locator("tr[data-measure=income]")).to_contain_text("60")
    expect(conflict.locator("tr[data-measure=income]")).to_contain_text("52")
    expect(page.locator("#id_income")).to_have_value("52")  # nothing typed is lost
    expect(page.locator("#id_irrigation")).to_have_value("90")
    screenshot("stale")

    page.click("#save")  # having seen the difference, the officer keeps their values
    expect(page.locator(".message.success")).to_contain_text("Đã lưu")
    expect(page.locator("#id_income")).to_have_value("52")


def test_the_real_criteria_set_reads_clearly(page, transactional_db, screenshot):
    units("2021")
    load_all()
    portal_user("officer_74", "officer", "74")
    bach_dang = Commune.objects.get(structure="2021", code="25930")
    assessment = create_assessment(commune=bach_dang, year=2023)
    values = {"farmland_irrigated_drained_rate": 85, "income_per_capita": 48}
    save_values(assessment=assessment, values=values, version=1)
    entered = Measure.objects.filter(
        criteria_set=assessment.criteria_set, source="entered", indicators__isnull=False
    ).distinct()

    log_in(page, "officer_74")
    page.goto(ASSESSMENT)
    # One input per measure, however many indicators judge it.
    inputs = page.locator("#values-form .inputs")
    expect(inputs).to_have_count(entered.count())
    expect(page.locator("#id_income_per_capita")).to_have_value("48")
    expect(page.locator("#level-standard .criterion")).to_have_count(19)
    expect(page.locator(".badge.not_configured").first).to_be_visible()
    screenshot("real-set")


FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]"


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/communes/2021/25930/"])
def test_a_skip_link_leads_to_the_main_content(page, binh_duong, path):
    """Every page starts with a link past the header, shown only when a keyboard reaches it."""
    if path != "/accounts/login/":
        log_in(page, "officer_74")
    page.goto(path)
    skip = page.get_by_role("link", name="Bỏ qua, đến nội dung chính")
    expect(skip).to_have_attribute("href", "#main")
    first = page.evaluate(f"document.querySelector({FOCUSABLE!r}).className")
    assert first == "skip-link"  # the first focusable element
    expect(skip).not_to_be_in_viewport()  # out of sight until focused
    if path == "/accounts/login/":
        return  # the login form takes the focus at once (autofocus)
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport(ratio=1)
    assert skip.bounding_box()["width"] > 50  # shown, not the 1 px of hidden text
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")  # on from the main content, past the header's links
    assert page.evaluate("!!document.activeElement.closest('main')")


# A control's text colour and the header's background, as (r, g, b).
COLOURS = """(e) => { const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  return [rgb(getComputedStyle(e).color),
          rgb(getComputedStyle(e.closest('.top')).backgroundColor)]; }"""


@pytest.mark.parametrize("width", [1280, 390])
def test_every_link_of_the_header_can_be_read(page, binh_duong, width):
    """Each link and button of the header, the account's included, stands out from the dark
    green header (WCAG AA: a contrast of 4.5 or more), at a desk and on a phone."""
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, "officer_74")
    page.goto("/")
    controls = page.locator("header.top a:not(.skip-link), header.top button")
    names = controls.all_inner_texts()
    assert "Đổi mật khẩu" in names and "Đăng xuất" in names
    for index in range(controls.count()):
        control = controls.nth(index)
        if control.evaluate("(e) => !!e.closest('.lang')"):
            continue  # the language buttons are white boxes of their own
        ratio = contrast(*control.evaluate(COLOURS))
        assert ratio >= 4.5, (names[index], ratio)
