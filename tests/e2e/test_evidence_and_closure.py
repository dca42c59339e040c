"""An officer attaches a PDF beside a measure and sees it listed; an approver closes the year
for the province; the officer's next save is refused with the reason, and nothing changes."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from criteria.models import AssessmentValue, Evidence, YearClosure
from criteria.services import create_assessment
from tests.criteria.files import PDF
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_officer_pages import ASSESSMENT, log_in

pytestmark = pytest.mark.e2e
NAME = "test_evidence_then_closing_the_year"


@pytest.fixture
def media(settings, tmp_path):
    # The live server runs in this process: the files land in the test's own folder.
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def attach_pdf(page):
    page.locator("#extras-plan > summary").click()  # evidence is folded until asked for (#15)
    page.set_input_files(
        "#evidence-file-plan",
        files=[{"name": "quyet-dinh-quy-hoach.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.locator("#evidence-plan button", has_text="Đính kèm").click()


def test_evidence_then_closing_the_year(page, browser, live_server, binh_duong, media, screenshot):
    create_assessment(commune=binh_duong.bach_dang, year=2023, user=binh_duong.officer)
    log_in(page, "officer_74")
    page.goto(ASSESSMENT)
    # Choosing a file is not unsaved typing: the page leaves without a "leave the page?" dialog.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    attach_pdf(page)
    expect(page.locator(".message.success")).to_have_text("Đã đính kèm “quyet-dinh-quy-hoach.pdf”.")
    listed = page.locator("#evidence-plan .evidence-files li")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("quyet-dinh-quy-hoach.pdf")
    expect(listed).to_contain_text("officer_74")
    screenshot("evidence-attached")
    with page.expect_download() as download:
        listed.get_by_role("link", name="quyet-dinh-quy-hoach.pdf").click()
    assert download.value.suggested_filename == "quyet-dinh-quy-hoach.pdf"
    assert Path(download.value.path()).read_bytes() == PDF
    assert dialogs == [] and Evidence.objects.count() == 1

    page.fill("#id_income", "55")  # typing, while the approver closes the year elsewhere
    other = browser.new_context(base_url=live_server.url, locale="vi-VN")
    approver = other.new_page()
    log_in(approver, "approver_74")
    approver.goto("/approvals/")
    year = approver.locator("#closure-2023")
    expect(year).to_contain_text("Đang mở")
    year.locator("textarea[name=note]").fill("Hết hạn báo cáo ngày 15/12")
    year.get_by_role("button", name="Khóa sổ năm 2023").click()
    approver.locator("#cancel-close").click()  # back to the year, the note still typed
    expect(year.locator("textarea[name=note]")).to_have_value("Hết hạn báo cáo ngày 15/12")
    year.get_by_role("button", name="Khóa sổ năm 2023").click()
    approver.locator("#confirm-close").click()  # closing asks first (#15 item 6)
    expect(approver.locator(".message.success")).to_have_text(
        "Đã khóa sổ năm 2023 của Tỉnh Bình Dương."
    )
    expect(approver.locator("#closure-2023")).to_contain_text("Đã khóa sổ")
    expect(approver.locator("#closure-2023")).to_contain_text("Hết hạn báo cáo ngày 15/12")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    approver.screenshot(path=str(ARTIFACTS / f"{NAME}-approvals-closed.png"), full_page=True)
    other.close()

    page.click("#save")
    expect(page.locator(".message.error")).to_contain_text(
        re.compile(
            r"Năm 2023 của Tỉnh Bình Dương đã khóa sổ \(từ ngày \d\d/\d\d/\d{4}\): "
            r"không thể tạo, lưu"
        )
    )
    expect(page.locator("#closure")).to_contain_text("Năm 2023 của Tỉnh Bình Dương đã khóa sổ")
    expect(page.locator("#id_income")).to_have_count(0)  # read only from now on
    expect(page.locator("#evidence-file-plan")).to_have_count(0)
    expect(page.locator("#evidence-plan .evidence-files li")).to_contain_text("quyet-dinh")
    screenshot("save-refused")
    assert not AssessmentValue.objects.exists()
    assert YearClosure.objects.get().closed_by == binh_duong.approver
