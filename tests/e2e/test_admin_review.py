"""A provincial approver reviews in the admin: finds a commune without diacritics, reads the
assessment's result as a table of names and numbers, and returns it with one comment; the
return is the workflow's (a step and a history row), as on the pages."""

import pytest

from criteria.models import Assessment, WorkflowStep
from criteria.services import create_assessment, move, save_values
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def submitted(binh_duong):
    approver = binh_duong.approver
    approver.is_staff = True
    approver.save(update_fields=["is_staff"])
    assessment = create_assessment(commune=binh_duong.bach_dang, year=2023)
    save_values(
        assessment=assessment, values={"income": 45, "irrigation": 85, "plan": True}, version=1
    )
    return move(assessment=assessment, action="submit", user=binh_duong.officer, version=2)


def test_an_approver_finds_reads_and_returns_an_assessment(page, submitted, screenshot):
    page.goto("/admin/login/?next=/admin/criteria/assessment/")
    page.fill("#id_username", "approver_74")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/criteria/assessment/")

    page.fill("#searchbar", "bach dang")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**/admin/criteria/assessment/?q=bach+dang")
    rows = page.locator("#result_list tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    assert "Xã Bạch Đằng" in rows.first.inner_text()
    assert "Chưa đạt mức nào" in rows.first.inner_text()  # the level by name, not "none"

    rows.first.locator("th a").click()
    table = page.locator("table.ntm-result").first
    table.wait_for()
    income = table.locator('tr[data-level="standard"][data-indicator="1.1"] td').all_inner_texts()
    assert income[3] == "45 triệu đồng/người/năm"
    assert income[4].startswith("≥ 50 triệu đồng/người/năm · Đông Nam Bộ")
    assert income[5].startswith("Không đạt")
    irrigation = table.locator('tr[data-level="standard"][data-indicator="2.1"] td')
    assert irrigation.all_inner_texts()[5].startswith("Đạt")
    body = page.locator("#content-main").inner_text()
    for code in ("none", "not_met", ">= ", ".0000", "dnb"):
        assert code not in body
    screenshot("result")

    page.go_back()
    page.locator("#result_list tbody tr input.action-select").first.check()
    page.select_option("select[name=action]", "return_selected")
    page.locator("button[name=index]").click()
    page.fill("textarea[name=comment]", "Bổ sung minh chứng thu nhập")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/criteria/assessment/**")
    assert page.locator(".messagelist").inner_text() == "Đã trả lại 1 kết quả đánh giá."
    assert "Đã trả lại" in page.locator("#result_list tbody tr").first.inner_text()
    screenshot("returned")

    submitted.refresh_from_db()
    assert submitted.status == Assessment.Status.RETURNED
    assert submitted.version == 4
    step = WorkflowStep.objects.filter(assessment=submitted).order_by("-pk").first()
    assert (step.action, step.comment, step.user.username) == (
        "return",
        "Bổ sung minh chứng thu nhập",
        "approver_74",
    )
    assert submitted.history.filter(status="returned").count() == 1
