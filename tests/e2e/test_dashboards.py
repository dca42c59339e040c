"""The public dashboards in Chromium: every chart drawn with the statistics API's numbers and
the same numbers in its table, the year selector changing them, no console error, no request
leaving the portal's host, usable on a phone; an anonymous visitor never sees a draft, and the
national office follows data entry by province."""

import datetime
import re

import pytest
from docx import Document
from playwright.sync_api import expect
from pypdf import PdfReader

from communes.models import Commune
from criteria.services import create_assessment, save_values
from ocop import services as ocop
from tests.criteria.builders import approved
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD, portal_user
from tests.ocop.builders import evaluate

pytestmark = pytest.mark.e2e


@pytest.fixture
def figures(binh_duong):
    """Bình Dương: three communes approved in 2023 (one meets every standard criterion), one
    in 2022, and a draft that would count as fully met if a draft ever counted."""
    communes = list(
        Commune.objects.rural().filter(structure="2021", province__code="74").order_by("code")
    )
    met = {"income": 70, "irrigation": 90, "plan": True}
    approved(communes[0], met, 2023)
    approved(communes[1], {"income": 45, "irrigation": 85, "plan": True}, 2023)
    approved(communes[2], {"income": 60, "plan": False}, 2023)
    approved(communes[0], met, 2022)
    draft = create_assessment(commune=communes[3], year=2023)
    save_values(assessment=draft, values={**met, "crafts": True}, version=1)
    maker = ocop.create_producer(name="HTX", kind="cooperative", commune=communes[0])
    evaluate(
        ocop.create_product(producer=maker, name="Trà", group="drinks"),
        datetime.date(2023, 5, 1),
        score="75",
    )
    binh_duong.draft_commune = communes[3]
    binh_duong.incomplete_commune = communes[2]  # irrigation never given
    return binh_duong


def _watch(page, live_server):
    problems = {"console": [], "outside": []}
    page.on("console", lambda m: problems["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems["console"].append(str(error)))
    page.on(
        "request",
        lambda r: None if r.url.startswith(live_server.url) else problems["outside"].append(r.url),
    )
    return problems


def _api(page, path):
    response = page.request.get(path)
    assert response.ok, path
    return response.json()


def _figure(page, key):
    return page.locator(f'[data-figure="{key}"] .figure-value').inner_text()


def _cells(page, table):
    rows = page.locator(f'table[data-table="{table}"] tbody tr')
    return [row.locator("th, td").all_inner_texts() for row in rows.all()]


def test_the_national_dashboard_draws_the_apis_numbers(page, live_server, figures, screenshot):
    problems = _watch(page, live_server)
    page.goto("/dashboard/?year=2023")
    page.locator('#dashboard[data-loaded="2023"]').wait_for()
    stats = _api(page, "/api/v1/stats/national/?year=2023")

    assert _figure(page, "communes") == f"{stats['communes_total']:,}".replace(",", ".")
    assert _figure(page, "at-least-standard") == "1 · 0"  # computed · recognised
    assert stats["at_least"]["computed"]["standard"] == 1
    assert _figure(page, "average") == "2"  # (3 + 2 + 1) / 3: the draft does not count
    assert stats["avg_criteria_met"] == 2.0 and stats["avg_criteria_met_over"] == 3
    assert _figure(page, "ocop") == "1"
    for section in ("levels", "trend", "histogram", "difficulty", "ocop-stars", "ocop-groups"):
        assert page.locator(f"#dash-{section} canvas").get_attribute("data-drawn") == "1"

    provinces = {row[0]: row for row in _cells(page, "provinces")}
    binh_duong = provinces["Tỉnh Bình Dương"]
    assert binh_duong[1:3] == ["39", "3"]  # communes, assessed (the draft is not)
    histogram = dict((row[0], row[1]) for row in _cells(page, "histogram"))
    assert histogram == {k: str(v) for k, v in stats["criteria_met_histogram"].items()}
    difficulty = _cells(page, "difficulty")
    api_top = stats["criteria_difficulty"][0]
    assert difficulty[0][1] == str(api_top["not_met"])
    trend = {row[0]: row for row in _cells(page, "trend")}
    assert trend["2022"][2] == "1" and trend["2023"][2] == "3"

    # The provinces table sorts by a column's heading: the most assessed first.
    page.locator('table[data-table="provinces"] thead th[data-col="2"]').click()
    assert _cells(page, "provinces")[0][0] == "Tỉnh Bình Dương"

    screenshot("national")
    # Another year: the figures follow.
    page.select_option("#dash-year", "2022")
    page.locator('#dashboard[data-loaded="2022"]').wait_for()
    assert re.search(r"year=2022", page.url)
    assert _figure(page, "average") == "3"
    assert problems == {"console": [], "outside": []}


def test_the_provinces_table_sorts_from_the_keyboard(page, figures):
    """Its headings were plain cells with a click handler: no keyboard could reach them."""
    page.goto("/dashboard/?year=2023")
    page.locator('#dashboard[data-loaded="2023"]').wait_for()
    heading = page.locator('table[data-table="provinces"] thead th[data-col="2"]')
    button = heading.get_by_role("button")
    expect(button).to_have_count(1)
    button.focus()
    page.keyboard.press("Enter")  # the most assessed first
    expect(heading).to_have_attribute("aria-sort", "descending")
    assert _cells(page, "provinces")[0][0] == "Tỉnh Bình Dương"
    expect(button).to_be_focused()
    page.keyboard.press("Space")  # the other way
    expect(heading).to_have_attribute("aria-sort", "ascending")
    assert _cells(page, "provinces")[-1][0] == "Tỉnh Bình Dương"
    other = page.locator('table[data-table="provinces"] thead th[data-col="1"]')
    assert other.get_attribute("aria-sort") in (None, "none")


def test_a_province_dashboard_and_its_map_never_show_a_draft(
    page, live_server, figures, screenshot
):
    problems = _watch(page, live_server)
    page.goto("/dashboard/provinces/74/?year=2023")
    page.locator('#dashboard[data-loaded="2023"]').wait_for()
    stats = _api(page, "/api/v1/stats/provinces/74/?year=2023")
    districts = {row[0]: row for row in _cells(page, "levels")}
    assert len(districts) == len(stats["districts"])
    levels = dict((row[0], row[1]) for row in _cells(page, "map"))
    assert levels["Đạt chuẩn"] == "1"  # only the approved one; the draft's full marks never show
    assert levels["Chưa đánh giá"] == str(39 - 3)
    # The province's annual report of the year shown, downloaded as its reader gets it.
    word = page.locator('#dash-reports a[data-format="docx"]')
    assert word.get_attribute("href").endswith("/stats/provinces/74/annual-report.docx?year=2023")
    with page.expect_download() as download:
        word.click()
    document = Document(download.value.path())
    assert "TỈNH BÌNH DƯƠNG" in [p.text for p in document.paragraphs]
    dots = page.locator(".map svg circle")
    assert dots.count() >= 30
    draft_dot = page.locator(f'.map a[href$="/{figures.draft_commune.code}/"] circle')
    assert draft_dot.get_attribute("data-level") == "not_assessed"
    screenshot("province")
    # Printed on A4: every section on paper, kept as an artefact to read.
    page.emulate_media(media="print")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / "dashboard-province-a4.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    pages = PdfReader(pdf).pages
    assert len(pages) >= 2
    assert abs(float(pages[0].mediabox.width) - 595.3) < 1  # A4: 210 mm in points
    printed = " ".join(p.extract_text() for p in pages)
    assert "Tỉnh Bình Dương" in printed and "Đăng nhập" not in printed  # no controls printed
    page.emulate_media(media="screen")

    page.goto(f"/dashboard/communes/2021/{figures.draft_commune.code}/")
    page.locator('#commune-dashboard[data-loaded="1"]').wait_for()
    assert _cells(page, "results") == [["Chưa có.", "", "", ""]]
    # A result approved with a value missing says so beside its level: "no level" alone read
    # as values that had failed.
    page.goto(f"/dashboard/communes/2021/{figures.incomplete_commune.code}/")
    page.locator('#commune-dashboard[data-loaded="1"]').wait_for()
    [row] = _cells(page, "results")
    assert row[2].endswith("(thiếu số liệu)")
    assert problems == {"console": [], "outside": []}


def test_the_dashboard_fits_a_phone(browser, live_server, figures):
    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 390, "height": 844}
    )
    phone = context.new_page()
    phone.goto("/dashboard/provinces/74/?year=2023")
    phone.locator('#dashboard[data-loaded="2023"]').wait_for()
    overflow = phone.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 390
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
    context.close()


def test_the_national_office_follows_data_entry_by_province(page, figures):
    portal_user("national", "national")
    page.goto("/accounts/login/?next=/dashboard/%3Fyear%3D2023")
    page.fill("#id_username", "national")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.locator('#dashboard[data-loaded="2023"]').wait_for()
    rows = {row[0]: row for row in _cells(page, "entry")}
    binh_duong = rows["Tỉnh Bình Dương"]
    # communes, entered, draft, submitted, approved, returned, not started, closed
    assert binh_duong[1:8] == ["39", "4", "1", "0", "3", "0", "35"]
    link = page.locator('table[data-table="entry"] a', has_text="Tỉnh Bình Dương")
    assert link.get_attribute("href") == "/?province=74&year=2023"
