"""The national office amends a criteria set in the browser: it opens a draft edition,
imports a thresholds file with an error (nothing is written, the error is shown at its row),
fixes the file, previews the effect on the communes, publishes, and sees an open assessment's
level change."""

import re

import pytest
from playwright.sync_api import expect

from communes.models import Province
from criteria.loading import load_all
from criteria.models import Assessment, EditionChange, Threshold
from criteria.services import create_assessment, save_values
from tests.criteria.builders import first_edition
from tests.e2e.test_officer_pages import log_in
from tests.factories import portal_user

pytestmark = pytest.mark.e2e
HEADER = (
    "action,threshold_id,level,indicator,scope,class_value,province,first_year,last_year,"
    "value,source,verified"
)


def _file(*lines: str) -> dict:
    content = "\n".join([HEADER, *lines]).encode()
    return {"name": "nguong-2024.csv", "mimeType": "text/csv", "buffer": content}


def test_the_office_imports_previews_and_publishes_an_edition(
    page, binh_duong, small_set, screenshot
):
    first_edition(small_set)
    portal_user("national", "national")
    assessment = create_assessment(commune=binh_duong.bach_dang, year=2024)
    save_values(
        assessment=assessment, values={"income": 55, "irrigation": 85, "plan": True}, version=1
    )
    assert Assessment.objects.get(pk=assessment.pk).level == "standard"
    southeast = Threshold.objects.get(class_value="dnb")  # income >= 50 in the Southeast

    log_in(page, "national")
    page.goto("/criteria/TEST-2021-2025/")
    form = page.locator("#new-draft")
    form.locator("input[name=title]").fill("Thu nhập vùng Đông Nam Bộ 2024-2025")
    form.locator("input[name=first_year]").fill("2024")
    form.locator("input[name=last_year]").fill("2025")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/criteria/TEST-2021-2025/editions/\d+/$"))

    # A file whose third row has a percentage of 150: nothing is imported.
    page.set_input_files(
        "#import input[type=file]",
        files=[
            _file(
                f"change,{southeast.pk},standard,1.1,class,dnb,,2021,2023,50,test,1",
                "add,,standard,2.1,national,,,2024,2025,150,QĐ 211,1",
            )
        ],
    )
    page.locator("#import button[type=submit]").click()
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text(re.compile(r"(dòng|row) 3"))
    expect(errors).to_contain_text("100")
    assert not EditionChange.objects.exists()
    screenshot("import-refused")

    # The fixed file: the Southeast row ends in 2023, a stricter one follows from 2024.
    page.set_input_files(
        "#import input[type=file]",
        files=[
            _file(
                f"change,{southeast.pk},standard,1.1,class,dnb,,2021,2023,50,test,1",
                "add,,standard,1.1,class,dnb,,2024,2025,60,QĐ 211,1",
            )
        ],
    )
    page.locator("#import button[type=submit]").click()
    expect(page.locator(".message.success")).to_be_visible()
    expect(page.locator("#changes tr[data-change]")).to_have_count(2)
    expect(page.locator("#check")).to_have_count(0)

    page.locator("#publish a.button").click()
    expect(page.locator("[data-changes]")).to_have_attribute("data-changes", "1")
    expect(page.locator("#changed tr[data-commune='25930']")).to_be_visible()
    expect(page.locator("#by-province tr[data-province='74']")).to_contain_text("1")
    screenshot("preview")
    page.go_back()

    publish = page.locator("#publish form").first
    publish.locator("input[name=decision_number]").fill("211/QĐ-TTg")
    publish.locator("input[name=decision_date]").fill("2024-03-01")
    publish.locator("button[type=submit]").click()
    expect(page.locator(".message.success")).to_be_visible()
    screenshot("published")

    page.goto("/communes/2021/25930/2024/")
    expect(page.locator("#computed-level")).not_to_have_text("Đạt chuẩn")
    expect(page.locator("#scored-under")).to_have_attribute("data-edition", "2")
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.level, stored.edition.number) == ("none", 2)
    screenshot("assessment-after")


def test_a_criteria_set_fits_a_phone(page, binh_duong, screenshot):
    """The real set with a province's demo threshold was 430 px wide at 390: the thresholds'
    tables widened the page's column, its headings and criteria with it."""
    load_all()
    national = Threshold.objects.filter(
        indicator__criterion__level__criteria_set__code="NTM-2021-2025", scope="national"
    )
    first = national.filter(value__isnull=False).order_by("pk").first()
    Threshold.objects.create(
        indicator=first.indicator,
        scope="province",
        province=Province.objects.get(structure="2021", code="74"),
        value=first.value,
        first_year=2021,
        last_year=2025,
        source="demo",
        demo=True,
    )
    portal_user("national", "national")
    log_in(page, "national")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/criteria/NTM-2021-2025/")
    expect(page.locator(".badge.demo")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for part in page.locator(".level-section > h2, .criterion-head").all()[:5]:
        box = part.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, part.inner_text()
    screenshot("criteria-set-phone")
