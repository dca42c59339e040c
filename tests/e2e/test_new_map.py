"""An officer of a province of the merged map (since 1 July 2025) opens a new commune, reads
the 2024 result of a commune it was formed from, creates the commune's 2026 assessment under
the 2026-2030 criteria and saves values."""

import pytest
from playwright.sync_api import expect

from communes.models import Commune
from communes.services import available_structures, load_admin_units
from communes.services.lineage import load_lineage
from criteria.loading import CRITERIA_DIR, load_criteria_file
from criteria.models import Assessment, AssessmentValue
from criteria.services import create_assessment, move, save_values
from tests.e2e.test_officer_pages import log_in
from tests.factories import portal_user

pytestmark = pytest.mark.e2e
PAGE = "/communes/2025/00967/"  # Xã Việt Lâm, Tuyên Quang, on the merged map


@pytest.fixture
def merged_map(transactional_db, small_set):
    # Live-server tests empty the database after each test: load what the pages show.
    for structure in available_structures():
        load_admin_units(structure=structure)
    load_lineage()
    load_criteria_file(CRITERIA_DIR / "ntm-2026-2030.json")
    old = Commune.objects.get(structure="2021", code="00967")  # old Xã Việt Lâm, Hà Giang
    assessment = create_assessment(commune=old, year=2024)
    save_values(
        assessment=assessment, values={"income": 55, "irrigation": 85, "plan": True}, version=1
    )
    move(assessment=assessment, version=assessment.version, action="submit")
    move(assessment=assessment, version=assessment.version, action="approve")
    return portal_user("officer_tq", "officer", "08", structure="2025")


def test_an_officer_of_the_merged_map_works_2026_and_reads_2024(page, merged_map, screenshot):
    log_in(page, "officer_tq")
    page.goto(PAGE)
    predecessor = page.locator("#predecessors [data-predecessor='00967']")
    expect(predecessor).to_contain_text("Hà Giang")
    # Went in only in part: said once, as a warning (it was said twice, badge and text).
    expect(predecessor.locator("[data-partial]")).to_have_text("Nhập một phần")
    assert predecessor.inner_text().count("một phần") == 1
    expect(predecessor.locator("tr[data-year='2024']")).to_contain_text("Đạt chuẩn")
    # Only the years the new commune is on the map of are offered.
    options = page.locator("#id_year option").all_inner_texts()
    assert "2026" in options and "2024" not in options
    screenshot("new-commune")

    page.select_option("#id_year", "2026")
    page.get_by_role("button", name="Tạo đánh giá").click()
    page.wait_for_url(f"**{PAGE}2026/")
    page.fill("#id_clean_water_households_rate", "92")
    page.select_option("#id_ocop_development_plan", "yes")
    page.click("#save")
    expect(page.locator(".message.success")).to_contain_text("Đã lưu")
    screenshot("2026-saved")

    assessment = Assessment.objects.get(commune__structure="2025", commune__code="00967")
    assert (assessment.year, assessment.criteria_set.code) == (2026, "NTM-2026-2030")
    values = AssessmentValue.objects.filter(assessment=assessment)
    assert {v.measure.code for v in values} == {
        "clean_water_households_rate",
        "ocop_development_plan",
    }
    # Thresholds of 2026-2030 are not configured yet: no level, and the page says why.
    assert assessment.level == "none"


def test_a_province_dashboard_of_the_merged_map_names_no_district(page, merged_map):
    """The map since 1 July 2025 has no districts: the levels card read "per district" with
    a District column whose one row was the province itself."""
    page.goto("/dashboard/provinces/08/?year=2026")
    page.locator('#dashboard[data-loaded="2026"]').wait_for()
    card = page.locator("#dash-levels")
    expect(card.locator("h2")).to_have_text("Số xã theo mức đạt")
    expect(card.locator("thead th").first).to_have_text("Tỉnh")
    expect(card.locator("tbody tr")).to_have_count(1)
    page.goto("/dashboard/provinces/08/?year=2024")  # the old map's Tuyên Quang: its districts
    page.locator('#dashboard[data-loaded="2024"]').wait_for()
    expect(card.locator("h2")).to_have_text("Số xã theo mức đạt, theo huyện")
    expect(card.locator("thead th").first).to_have_text("Huyện")
