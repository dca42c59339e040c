"""An officer registers an OCOP producer, its product and a province council's 4-star
evaluation in the browser, and finds the product listed with its stars, on the commune's page
too; a refused evaluation keeps the typing and says why at the field."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from communes.models import Commune
from communes.services import load_admin_units
from ocop import services
from ocop.models import Evaluation
from tests.factories import PASSWORD, portal_user

pytestmark = pytest.mark.e2e


@pytest.fixture
def officer(transactional_db):
    # Live-server tests empty the database after each test: load what the pages show.
    load_admin_units(structure="2021")
    return portal_user("officer_74", "officer", "74")


def log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))


def test_an_officer_registers_a_product_and_its_stars(page, officer, screenshot):
    log_in(page, "officer_74")
    page.locator("header nav").get_by_role("link", name="OCOP").click()
    page.wait_for_url("**/ocop/")
    expect(page.locator("h1")).to_have_text("Sản phẩm OCOP · Tỉnh Bình Dương")
    expect(page.locator("table.products")).to_contain_text("Không có sản phẩm OCOP nào")

    page.get_by_role("link", name="Thêm chủ thể").click()
    page.fill("#id_name", "Hợp tác xã Nông nghiệp Bạch Đằng")
    page.select_option("#id_kind", "cooperative")
    page.select_option("#id_commune", label="Xã Bạch Đằng")
    page.fill("#id_tax_code", "3702123456")
    screenshot("producer-form")
    page.get_by_role("button", name="Đăng ký chủ thể").click()
    page.wait_for_url(re.compile(r"/ocop/products/new/\?producer=\d+$"))
    expect(page.locator(".message.success")).to_contain_text("đã được đăng ký")

    expect(page.locator("#id_producer option:checked")).to_contain_text("Bạch Đằng")
    page.fill("#id_name", "Bưởi da xanh Bạch Đằng")
    page.select_option("#id_group", "food")
    page.fill("#id_sub_group", "Trái cây tươi")
    screenshot("product-form")
    page.get_by_role("button", name="Đăng ký sản phẩm").click()
    page.wait_for_url(re.compile(r"/ocop/products/\d+/$"))
    expect(page.locator("h1")).to_have_text("Bưởi da xanh Bạch Đằng")
    expect(page.locator("main")).to_contain_text("Chưa được đánh giá.")

    page.get_by_role("link", name="Ghi nhận kết quả đánh giá").click()
    page.fill("#id_score", "78,5")
    page.fill("#id_part_a", "30")
    page.fill("#id_part_b", "20")  # 30 + 20 + 30 is not 78,5
    page.fill("#id_part_c", "30")
    expect(page.locator("#id_level")).to_have_value("province")
    page.fill("#id_decision_number", "1234/QĐ-UBND")
    page.fill("#id_decision_date", timezone.localdate().isoformat())
    page.get_by_role("button", name="Ghi nhận kết quả").click()
    score = page.locator(".field.has-error", has=page.locator("#id_score"))
    expect(score).to_contain_text("Tổng A + B + C là 80, không bằng tổng điểm 78.5.")
    expect(page.locator("#id_part_b")).to_have_value("20")  # nothing typed is lost
    assert not Evaluation.objects.exists()
    screenshot("evaluation-refused")

    page.fill("#id_part_b", "18,5")
    page.get_by_role("button", name="Ghi nhận kết quả").click()
    page.wait_for_url(re.compile(r"/ocop/products/\d+/$"))
    expect(page.locator(".message.success")).to_contain_text("Đã ghi nhận: ★★★★")
    expect(page.locator("#current-stars")).to_have_text("★★★★")
    expect(page.locator("table.evaluations")).to_contain_text("1234/QĐ-UBND")
    screenshot("product")

    page.locator("header nav").get_by_role("link", name="OCOP").click()
    row = page.locator("table.products tr[data-product]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Bưởi da xanh Bạch Đằng")
    expect(row).to_contain_text("★★★★")
    expect(row).to_contain_text("Còn hiệu lực")
    page.fill("#id_search", "buoi da xanh")  # without diacritics
    page.press("#id_search", "Enter")
    expect(row).to_have_count(1)
    screenshot("list")

    page.goto("/communes/2021/25930/")
    panel = page.locator("[data-panel='ocop.products']")
    expect(panel).to_contain_text("Bưởi da xanh Bạch Đằng")
    expect(panel).to_contain_text("★★★★")
    screenshot("commune")


def _bach_dang_tea(decided_days_ago: int):
    """A 4-star tea of Xã Bạch Đằng, rated by the province that many days ago."""
    bach_dang = Commune.objects.get(structure="2021", code="25930")
    maker = services.create_producer(
        name="HTX Trà Bạch Đằng", kind="cooperative", commune=bach_dang
    )
    tea = services.create_product(producer=maker, name="Trà xanh Bạch Đằng", group="drinks")
    services.record_evaluation(
        product=tea,
        score="72",
        level="province",
        decision_number="88/QĐ-UBND",
        decision_date=timezone.localdate() - datetime.timedelta(days=decided_days_ago),
    )
    return tea


def test_the_overview_lists_the_certificates_falling_due(page, officer, small_set, screenshot):
    _bach_dang_tea(decided_days_ago=1066)  # its certificate ends in about 30 days
    log_in(page, "officer_74")
    page.goto("/?year=2023")
    task = page.locator("[data-task='ocop.expiring']")
    expect(task).to_contain_text("Chứng nhận OCOP hết hạn trong 90 ngày tới")
    expect(task.locator("li")).to_have_count(1)
    expect(task.locator("li")).to_contain_text("Trà xanh Bạch Đằng · Xã Bạch Đằng · ★★★★")
    screenshot("overview")
    task.get_by_role("link", name="Xem trong danh mục OCOP").click()
    row = page.locator("table.products tr.expiring")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Trà xanh Bạch Đằng")
    screenshot("expiring")


def test_a_product_page_fits_a_phone(page, officer, screenshot):
    """The evaluations' hidden "Actions" heading was placed against the page, not its table's
    scrolling box: the page was 614 px wide at 390 and "Revoke" off-screen."""
    portal_user("national", "national")
    tea = _bach_dang_tea(decided_days_ago=30)
    log_in(page, "national")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/ocop/products/{tea.pk}/")
    row = page.locator("table.evaluations tr[data-evaluation]")
    expect(row).to_contain_text("88/QĐ-UBND")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for cell in row.locator("td").all():  # nothing cut off or scrolled out of sight
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, cell.inner_text()
    revoke = row.get_by_role("link", name="Thu hồi").bounding_box()
    assert revoke["x"] >= 0 and revoke["x"] + revoke["width"] <= 390
    screenshot("product-phone")
