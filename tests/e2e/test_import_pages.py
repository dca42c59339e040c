"""In Chromium, the spreadsheet round: an officer downloads the Excel template of Bình Dương
2023 from the import page, fills a few cells, uploads it, reads what will change commune by
commune, confirms, and sees the computed levels on the overview."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from criteria.models import Assessment
from criteria.services import create_assessment, save_values
from tests.e2e.test_officer_pages import log_in

pytestmark = pytest.mark.e2e

FILLED = {  # commune code: {measure code: value}; Bình Dương is in the Southeast (income >= 50)
    "25930": {"income": 55.5, "irrigation": 85, "plan": "có"},  # Xã Bạch Đằng: standard
    "25780": {
        "income": 45,
        "irrigation": 90,
        "plan": "có",
    },  # Xã Minh Hoà, income too low: no level
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """The checked file waits in a temporary storage root, never the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _fill(path, out) -> dict[str, str]:
    """Write FILLED into the template at ``path``; returns the communes' names by code."""
    book = load_workbook(path)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    names = {}
    for row in sheet.iter_rows(min_row=3):
        code = row[header.index("commune_code")].value
        if code in FILLED:
            names[code] = row[header.index("commune")].value
            for measure, value in FILLED[code].items():
                row[header.index(measure)].value = value
    book.save(out)
    return names


def test_an_officer_imports_the_filled_template_and_sees_the_levels(
    page, binh_duong, screenshot, tmp_path
):
    log_in(page, "officer_74")
    page.locator("nav.main-nav a[href='/imports/']").click()
    page.wait_for_url("**/imports/")
    expect(page.locator("#id_status option")).to_have_count(1)  # draft only: not an approver
    page.select_option("#template #id_year", "2023")
    with page.expect_download() as download:
        page.click("#download-template")
    assert download.value.suggested_filename == "ntm-template-74-2023.xlsx"
    download.value.save_as(tmp_path / "template.xlsx")
    names = _fill(tmp_path / "template.xlsx", tmp_path / "filled.xlsx")
    assert sorted(names) == sorted(FILLED)

    page.set_input_files("#id_file", str(tmp_path / "filled.xlsx"))
    page.click("#check-file")
    rows = page.locator("#preview tr[data-commune]")
    expect(rows).to_have_count(2)
    for code, name in names.items():
        row = page.locator(f"#preview tr[data-commune='{code}']")
        expect(row).to_contain_text(name)
        expect(row.locator("td")).to_have_text(["2023", "tạo mới", "3", "0", "0"])
    expect(page.locator("#preview .import-unchanged")).to_be_visible()  # the other communes
    assert not Assessment.objects.exists()  # a preview writes nothing
    screenshot("preview")

    page.click("#confirm-import")
    page.wait_for_url("**/imports/")
    message = page.locator(".message.success")
    expect(message).to_contain_text("2")
    screenshot("imported")
    message.locator("a").click()
    page.wait_for_url("**/?year=2023")
    expect(page.locator("table.communes tr[data-commune='25930']")).to_contain_text("Đạt chuẩn")
    expect(page.locator("table.communes tr[data-commune='25780']")).to_contain_text(
        "Chưa đạt mức nào"
    )
    screenshot("overview")
    levels = dict(Assessment.objects.values_list("commune__code", "level"))
    assert levels == {"25930": "standard", "25780": "none"}


def _fits_the_phone(page, cells) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for cell in cells.all():  # each labelled line within the screen: nothing scrolls sideways
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, cell.inner_text()


def test_on_a_phone_the_preview_and_the_errors_fit_the_screen(
    page, binh_duong, screenshot, tmp_path
):
    stored = create_assessment(commune=binh_duong.bach_dang, year=2023, user=binh_duong.officer)
    save_values(assessment=stored, values={"income": 52, "irrigation": 85}, version=1)
    log_in(page, "officer_74")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/imports/")
    note = "Số liệu của phòng Nông nghiệp huyện, đã đối chiếu với báo cáo thống kê năm 2023"
    changed = tmp_path / "changed.csv"
    changed.write_text(
        f'commune_code,year,measure_code,value,note\n25930,2023,income,61.25,"{note}"\n'
        "25930,2023,irrigation,,\n"
    )
    page.set_input_files("#id_file", str(changed))
    page.click("#check-file")
    lines = page.locator("#values-overwritten tr[data-measure]")
    expect(lines).to_have_count(2)
    expect(lines.first.locator("td[data-label]").nth(5)).to_contain_text("61,25")
    _fits_the_phone(page, page.locator("#preview :is(th, td)"))
    screenshot("preview-phone")

    wrong = tmp_path / "wrong.csv"
    wrong.write_text(
        "commune_code,year,measure_code,value,note\n25930,2023,income,sáu mươi,\n"
        "99999,2023,income,55,\n"
    )
    page.set_input_files("#id_file", str(wrong))
    page.click("#check-file")
    expect(page.locator("#import-errors tr[data-row]")).to_have_count(2)
    _fits_the_phone(page, page.locator("#import-errors td"))
    screenshot("errors-phone")
    assert Assessment.objects.get().version == 2  # created, then saved once above: not imported
