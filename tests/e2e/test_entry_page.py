"""The entry page in Chromium (#15 items 6 and 7): a refused save leads to its first error."""

import re

import pytest
from playwright.sync_api import expect

from communes.models import Commune
from criteria.models import Indicator, Level, Measure, WorkflowStep, YearClosure
from criteria.services import create_assessment, move, save_values
from tests.e2e.conftest import contrast
from tests.e2e.test_officer_pages import ASSESSMENT, log_in

pytestmark = pytest.mark.e2e


def test_a_refused_save_takes_the_officer_to_the_first_error(page, binh_duong, screenshot):
    create_assessment(commune=binh_duong.bach_dang, year=2023, user=binh_duong.officer)
    log_in(page, "officer_74")
    page.set_viewport_size({"width": 390, "height": 700})
    page.goto(ASSESSMENT)
    page.fill("#id_irrigation", "180")
    page.fill("#id_income", "abc")
    page.click("#save")

    errors = page.locator("#errors .error-links li")
    expect(errors).to_have_count(2)
    expect(errors.first).to_contain_text("“abc” không phải là số.")  # in the page's order
    expect(errors.nth(1)).to_contain_text("0 đến 100")
    expect(page.locator("#id_income")).to_be_focused()
    expect(page.locator("#id_income")).to_be_in_viewport()
    expect(page.locator("#id_income")).to_have_value("abc")  # the typing is kept
    screenshot("first-error")

    errors.nth(1).locator("a").click()  # the list leads to every other one
    expect(page.locator("#id_irrigation")).to_be_focused()
    expect(page.locator("#id_irrigation")).to_be_in_viewport()


def test_save_and_submit_keeps_what_was_just_typed(page, binh_duong):
    create_assessment(commune=binh_duong.bach_dang, year=2023, user=binh_duong.officer)
    log_in(page, "officer_74")
    page.goto(ASSESSMENT)
    page.fill("#id_income", "55")
    page.fill("#id_irrigation", "85")
    page.select_option("#id_plan", "yes")
    page.click("#save-submit")  # no leave-page dialog: the typing goes with the submission
    expect(page.locator(".message.success")).to_be_visible()
    expect(page.locator(".page-head .badge.submitted")).to_be_visible()
    expect(page.locator("#computed-level")).to_have_text("Đạt chuẩn")
    expect(page.locator("#id_income")).to_have_count(0)  # read only once submitted


def test_the_jump_list_unfolds_a_met_criterion(page, binh_duong, screenshot):
    assessment = create_assessment(commune=binh_duong.bach_dang, year=2023)
    save_values(assessment=assessment, values={"income": 55, "irrigation": 85}, version=1)
    log_in(page, "officer_74")
    page.goto(ASSESSMENT)
    expect(page.locator("#id_irrigation")).to_be_hidden()  # met: folded
    expect(page.locator("#crit-standard-2 summary .badge")).to_have_attribute("data-status", "met")
    expect(page.locator("#id_plan")).to_be_visible()  # missing: unfolded
    expect(page.locator("#id_plan__note")).to_be_hidden()  # the note waits until asked for
    page.locator("#jump-list a[href='#crit-standard-2']").click()
    expect(page.locator("#id_irrigation")).to_be_visible()
    expect(page.locator("#id_irrigation")).to_be_in_viewport()
    page.locator("#extras-plan > summary").click()
    expect(page.locator("#id_plan__note")).to_be_visible()
    screenshot("folded")


def test_a_new_year_starts_from_last_years_values(page, binh_duong, screenshot):
    last_year = create_assessment(commune=binh_duong.bach_dang, year=2022)
    save_values(assessment=last_year, values={"income": 55, "irrigation": 85}, version=1)
    log_in(page, "officer_74")
    page.goto("/communes/2021/25930/")
    page.select_option("#id_year", "2023")
    page.get_by_role("button", name="Tạo đánh giá").click()
    page.wait_for_url(f"**{ASSESSMENT}")
    expect(page.locator("#carried")).to_be_visible()
    page.locator("#jump-list a[href='#crit-standard-1']").click()  # met: folded
    expect(page.locator("#id_income")).to_have_value("55")
    expect(page.locator("#carried-income .badge.carried")).to_be_visible()
    page.locator("#jump-list a[href='#crit-standard-2']").click()
    expect(page.locator("#carried-irrigation")).to_be_visible()
    screenshot("carried")

    page.fill("#id_income", "58")  # changed
    page.check("#id_irrigation__confirm")  # confirmed as it stands
    page.click("#save")
    expect(page.locator(".message.success")).to_contain_text("Đã lưu")
    expect(page.locator("#carried")).to_have_count(0)
    expect(page.locator(".badge.carried")).to_have_count(0)
    expect(page.locator("#id_income")).to_have_value("58")


def test_the_overview_fits_a_phone(page, binh_duong, screenshot):
    assessment = create_assessment(commune=binh_duong.bach_dang, year=2023)
    save_values(assessment=assessment, values={"income": 55, "irrigation": 85}, version=1)
    log_in(page, "officer_74")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/?year=2023")
    row = page.locator("table.communes tr[data-commune='25930']")
    expect(row).to_contain_text("Xã Bạch Đằng")
    expect(row).to_contain_text("2/3")  # the criteria met, no longer cut off
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for cell in row.locator("td").all():
        if cell.is_visible():
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    screenshot("overview-phone")


def test_an_approver_approves_several_then_closes_the_year_after_confirming(
    page, binh_duong, screenshot
):
    communes = Commune.objects.rural().filter(province__code="74").order_by("code")[:3]
    for commune in communes:
        new = create_assessment(commune=commune, year=2023)
        move(assessment=new, action="submit", version=new.version)
    log_in(page, "approver_74")
    page.goto("/approvals/")
    for commune in communes[:2]:
        page.locator(f"tr[data-commune='{commune.code}'] input[type=checkbox]").check()
    page.fill("#id_bulk_comment", "Đã đối chiếu hồ sơ")
    page.click("#approve-selected")
    expect(page.locator(".message.success")).to_be_visible()
    expect(page.locator("tr[data-commune]")).to_have_count(1)
    approved = WorkflowStep.objects.filter(action="approve", comment="Đã đối chiếu hồ sơ")
    assert approved.count() == 2

    year = page.locator("#closure-2023")
    year.locator("textarea[name=note]").fill("Hết hạn báo cáo")
    year.get_by_role("button", name="Khóa sổ năm 2023").click()
    expect(page.locator("#confirm-closing")).to_contain_text("Hết hạn báo cáo")
    assert not YearClosure.objects.exists()  # asking closes nothing
    screenshot("confirm-closing")
    page.click("#confirm-close")
    expect(page.locator("#closure-2023")).to_contain_text("Đã khóa sổ")
    assert YearClosure.objects.get().note == "Hết hạn báo cáo"


def test_on_a_phone_the_save_bar_never_hides_the_field_in_focus(page, binh_duong):
    create_assessment(commune=binh_duong.bach_dang, year=2023, user=binh_duong.officer)
    log_in(page, "officer_74")
    page.set_viewport_size({"width": 390, "height": 560})  # the page runs well below it
    page.goto(ASSESSMENT)
    assert page.locator("#savebar").bounding_box()["height"] < 560 * 0.25
    page.locator("#id_income").focus()
    scrolled = 0
    for _ in range(40):  # through the page's inputs, as a keyboard goes
        page.keyboard.press("Tab")
        name, bottom, inside = page.evaluate(
            "() => { const e = document.activeElement, r = e.getBoundingClientRect();"
            " return [e.id || e.name || e.tagName, r.bottom,"
            " !!document.getElementById('savebar').contains(e)]; }"
        )
        if inside:
            break  # the bar's own buttons: the end of the form
        top = page.locator("#savebar").bounding_box()["y"]
        assert bottom <= top + 1, f"{name} is under the save bar"
        scrolled += page.evaluate("window.scrollY") > 0
    assert scrolled  # the check ran where the page had to scroll


def test_typing_sent_back_unsaved_still_warns_before_leaving(page, binh_duong):
    """A refused save shows the typing again, unsaved: leaving asks first."""
    create_assessment(commune=binh_duong.bach_dang, year=2023, user=binh_duong.officer)
    log_in(page, "officer_74")
    page.goto(ASSESSMENT)
    page.fill("#id_income", "abc")
    page.click("#save")
    expect(page.locator("#errors")).to_be_visible()
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.locator("a[href='/']").first.click()
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]


def test_the_approvals_queue_fits_a_phone(page, binh_duong, screenshot):
    new = create_assessment(commune=binh_duong.bach_dang, year=2023)
    save_values(assessment=new, values={"income": 55, "irrigation": 85}, version=1)
    new.refresh_from_db()
    move(assessment=new, action="submit", version=new.version)
    log_in(page, "approver_74")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/approvals/")
    row = page.locator("table.queue tr[data-commune='25930']")
    expect(row).to_contain_text("Xã Bạch Đằng")
    # The level, the criteria met and the date not cut off.
    _fits_a_phone(page, row.locator("td").all())
    expect(row.locator("td[data-label] .badge").first).to_be_in_viewport()
    row.locator("input[type=checkbox]").check()
    screenshot("approvals-phone")


def test_the_approvals_queue_fits_a_desktop(page, binh_duong, screenshot):
    """The real set's level names beside a notice of values carried forward made the table
    1343 px wide in its 1131 px box: the criteria met were cut mid-number ("nâng cao: 1" of
    17/19) and the date of submission was off-screen."""
    Level.objects.filter(code="standard").update(name_vi="Xã đạt chuẩn nông thôn mới")
    Level.objects.filter(code="advanced").update(name_vi="Xã đạt chuẩn nông thôn mới nâng cao")
    last_year = create_assessment(commune=binh_duong.bach_dang, year=2022)
    save_values(assessment=last_year, values={"income": 65, "irrigation": 85}, version=1)
    new = create_assessment(commune=binh_duong.bach_dang, year=2023)  # carried, unconfirmed
    move(assessment=new, action="submit", version=new.version)
    log_in(page, "approver_74")
    for width in (1280, 1440):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/approvals/")
        row = page.locator("table.queue tr[data-commune='25930']")
        expect(row.locator("[data-carried]")).to_be_visible()
        wrap = page.locator("section .table-wrap").first
        assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth"), wrap.evaluate(
            "e => [e.scrollWidth, e.clientWidth]"
        )
        right = wrap.bounding_box()["x"] + wrap.bounding_box()["width"]
        entries = row.locator(".by-level > *")
        expect(entries).to_have_count(2)
        expect(entries.nth(1)).to_contain_text("Xã đạt chuẩn nông thôn mới nâng cao: 1/2")
        for part in [*entries.all(), row.locator("td").last]:  # whole, and on the screen
            box = part.bounding_box()
            assert box["x"] + box["width"] <= right + 0.5, part.inner_text()
    screenshot("approvals-desktop")


def _fits_a_phone(page, parts) -> None:
    """Nothing wider than a 390 px screen: the page, and each part within it."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for part in parts:
        box = part.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, part.inner_text()


def test_a_communes_years_fit_a_phone(page, binh_duong, screenshot):
    """The years table of the commune page was 885 px wide in its 321 px box at 390: its
    level badges read "Xã đạt chuẩn n…", the criteria met off-screen."""
    Level.objects.filter(code="standard").update(name_vi="Xã đạt chuẩn nông thôn mới")
    Level.objects.filter(code="advanced").update(name_vi="Xã đạt chuẩn nông thôn mới nâng cao")
    assessment = create_assessment(commune=binh_duong.bach_dang, year=2023)
    values = {"income": 65, "irrigation": 85, "plan": True, "crafts": True}
    save_values(assessment=assessment, values=values, version=1)
    log_in(page, "officer_74")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/communes/2021/25930/")
    row = page.locator("section[aria-labelledby=years-title] tr[data-year='2023']")
    expect(row).to_contain_text("Xã đạt chuẩn nông thôn mới nâng cao: 2/2")
    _fits_a_phone(page, [*row.locator("td").all(), row.locator(".badge.level")])
    badge = row.locator(".badge.level")
    expect(badge).to_have_text("Xã đạt chuẩn nông thôn mới nâng cao")
    assert badge.evaluate("e => e.scrollWidth <= e.clientWidth")  # whole, not cut
    screenshot("commune-phone")


def test_the_changes_to_the_values_fit_a_phone(page, binh_duong, screenshot):
    """The history of the entry page was a table of five columns at 390: the indicator's name
    one word a line, Before and After off-screen."""
    assessment = create_assessment(commune=binh_duong.bach_dang, year=2023)
    save_values(assessment=assessment, values={"income": 45, "plan": True}, version=1)
    save_values(assessment=assessment, values={"income": 52.5}, version=2)
    log_in(page, "officer_74")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(ASSESSMENT)
    page.locator("#history summary").click()
    rows = page.locator("#history tbody tr")
    expect(rows).to_have_count(3)
    changed = rows.filter(has_text="52,5")
    expect(changed).to_contain_text("45")
    _fits_a_phone(page, [*changed.locator("td, th").all()])
    screenshot("history-phone")


# The focused element's outline and the first background behind it.
RING = """e => { const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  let around = 'rgb(255, 255, 255)';
  for (let p = e.parentElement; p; p = p.parentElement) {
    const c = getComputedStyle(p).backgroundColor;
    if (c !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(c)) { around = c; break; } }
  const s = getComputedStyle(e);
  return {visible: e.matches(':focus-visible'), style: s.outlineStyle,
          width: s.outlineWidth, offset: s.outlineOffset,
          ring: rgb(s.outlineColor), around: rgb(around)}; }"""


def test_the_focus_ring_stands_out(page, binh_duong):
    """The ring was #9fd3b4, 1.7:1 against white: at least 3:1 against white, the page's
    grey and the background around each field and button, the header's dark green too."""
    create_assessment(commune=binh_duong.bach_dang, year=2023, user=binh_duong.officer)
    log_in(page, "officer_74")
    page.goto(ASSESSMENT)
    fields = ["#id_income", "input[type=checkbox][data-na-for]", "#save", ".lang button"]
    for selector in fields:
        field = page.locator(selector).first
        field.focus()
        ring = field.evaluate(RING)
        assert ring["visible"] and ring["style"] == "solid" and ring["width"] == "3px", selector
        assert ring["offset"] == "1px", selector
        assert contrast(ring["ring"], ring["around"]) >= 3, (selector, ring)
        if not selector.startswith(".lang"):  # in the page, not the header
            for background in ((255, 255, 255), (245, 247, 249)):
                assert contrast(ring["ring"], background) >= 3, (selector, ring)


def test_each_value_is_named_by_its_indicator(page, binh_duong):
    """Where a measure is named as its indicator, its label reads "Giá trị" (Value): every
    such select and input was named only that for assistive technology."""
    names = {"plan": "Có quy hoạch chung được phê duyệt", "irrigation": "Tỷ lệ diện tích tưới"}
    for code, name in names.items():
        Measure.objects.filter(code=code).update(name_vi=name)
        Indicator.objects.filter(measure__code=code).update(name_vi=name)
    create_assessment(commune=binh_duong.bach_dang, year=2023, user=binh_duong.officer)
    log_in(page, "officer_74")
    page.goto(ASSESSMENT)
    plan = page.get_by_role("combobox", name=re.compile("3.1 Có quy hoạch chung được phê duyệt"))
    expect(plan).to_have_attribute("id", "id_plan")
    irrigation = page.get_by_role("textbox", name=re.compile("2.1 Tỷ lệ diện tích tưới"))
    expect(irrigation).to_have_attribute("id", "id_irrigation")
    expect(page.locator("label[for=id_plan]")).to_have_text(re.compile("Giá trị$"))  # as seen
    for role in ("combobox", "textbox"):
        expect(page.get_by_role(role, name=re.compile(r"^Giá trị( \(0–100\))?$"))).to_have_count(0)
    # The note, the link and "not applicable" of each measure are named by it too: every
    # measure's were named alike ("Ghi chú", "Không áp dụng (…)").
    crafts = page.locator("#measure-crafts")
    crafts.scroll_into_view_if_needed()
    name = Measure.objects.get(code="crafts").name_vi
    not_applicable = page.get_by_role(
        "checkbox", name=re.compile(f"^{re.escape(name)}: Không áp dụng")
    )
    expect(not_applicable).to_have_count(1)
    page.locator("#extras-crafts summary").click()  # the note is folded until asked for
    expect(
        page.get_by_role("textbox", name=re.compile(f"^{re.escape(name)}: Ghi chú"))
    ).to_have_count(1)


def test_a_refused_save_after_the_jump_list_still_leads_to_the_first_error(page, binh_duong):
    """The jump list puts a section's anchor in the address: a form posted there came back
    with it, and the browser's jump to that section took the place of the first error."""
    assessment = create_assessment(commune=binh_duong.bach_dang, year=2023)
    save_values(assessment=assessment, values={"income": 30, "irrigation": 85}, version=1)
    log_in(page, "officer_74")  # income not met (open), irrigation met (folded)
    page.set_viewport_size({"width": 1280, "height": 600})
    page.goto(ASSESSMENT)
    page.locator("#jump-list a[href='#crit-standard-2']").click()
    assert page.url.endswith("#crit-standard-2")
    page.fill("#id_irrigation", "180")  # the second criterion: the error is below the first's
    page.fill("#id_income", "abc")
    page.click("#save")
    expect(page.locator("#errors .error-links li")).to_have_count(2)
    expect(page.locator("#id_income")).to_be_focused()
    expect(page.locator("#id_income")).to_be_in_viewport()
    assert "#" not in page.url


def test_on_a_phone_the_save_bar_of_carried_values_keeps_to_two_rows(page, binh_duong):
    last_year = create_assessment(commune=binh_duong.bach_dang, year=2022)
    save_values(assessment=last_year, values={"income": 55, "irrigation": 85}, version=1)
    this_year = create_assessment(commune=binh_duong.bach_dang, year=2023)  # carried forward
    log_in(page, "officer_74")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(ASSESSMENT)
    expect(page.locator("#confirm-carried")).to_be_visible()
    expect(page.locator("#confirm-carried")).to_have_text(
        "Lưu, xác nhận giá trị cũ", use_inner_text=True
    )
    expect(page.locator("#save-submit")).to_have_text("Lưu và trình duyệt", use_inner_text=True)
    rows = page.evaluate(
        "() => new Set([...document.querySelectorAll('#savebar .button')]"
        ".map(b => Math.round(b.getBoundingClientRect().top))).size"
    )
    assert rows <= 2 and page.locator("#savebar").bounding_box()["height"] < 100
    assert this_year.pk
    page.set_viewport_size({"width": 1280, "height": 800})  # the whole labels on a desktop
    expect(page.locator("#confirm-carried")).to_have_text(
        "Lưu và xác nhận mọi giá trị chuyển từ năm trước", use_inner_text=True
    )
