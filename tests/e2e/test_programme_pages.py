"""An officer enters a funding entry and a model residential area in the browser and submits
them; the province's approver approves them, one by its own button and the other with "approve
all submitted"; the page's summary then counts them, as the statistics do. The page is read at
a phone's width too."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from programme.models import Funding, HamletTitle, Step
from tests.e2e.conftest import units
from tests.factories import PASSWORD, portal_user

pytestmark = pytest.mark.e2e

YEAR = 2025  # Bình Dương's last year on the 2021 map: the page's default for its staff


@pytest.fixture
def staff(transactional_db):
    units("2021")  # what the pages show
    call_command("load_programme_kinds", verbosity=0)
    return (
        portal_user("officer_74", "officer", "74"),
        portal_user("approver_74", "approver", "74"),
    )


def log_in(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))


def save(page):
    page.locator("main .programme-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/programme/\?year=\d+#"))


def test_an_officer_enters_and_submits_and_an_approver_approves(page, staff, screenshot):
    log_in(page, "officer_74")
    page.locator("header nav a[href='/programme/']").click()
    page.wait_for_url("**/programme/")
    expect(page.locator("h1")).to_contain_text(f"Tỉnh Bình Dương · {YEAR}")
    expect(page.locator("#id_year")).to_have_value(str(YEAR))

    page.locator("a[data-add='fundings']").click()
    page.select_option("#id_source", label="Ngân sách trung ương")
    page.select_option("#id_kind", "actual")
    page.fill("#id_amount", "1250,5")
    screenshot("funding-form")
    save(page)
    funding = Funding.objects.get()
    row = page.locator(f"#fundings-{funding.pk}")
    expect(row).to_have_attribute("data-status", "draft")
    expect(row).to_contain_text("Ngân sách trung ương")
    expect(row).to_contain_text("1250,5")

    page.locator("a[data-add='hamlet-titles']").click()
    page.select_option("#id_kind", "model_area")
    page.select_option("#id_commune", label="Xã Bạch Đằng")
    page.fill("#id_holder", "Ấp Bình Cơ")
    page.fill("#id_decision_number", "45/QĐ-UBND")
    page.fill("#id_decision_date", "2024-12-31")  # before the title's year: refused
    page.locator("main .programme-form button[type=submit]").click()
    date = page.locator(".field.has-error", has=page.locator("#id_decision_date"))
    expect(date).to_be_visible()
    expect(page.locator("#id_holder")).to_have_value("Ấp Bình Cơ")  # nothing typed is lost
    assert not HamletTitle.objects.exists()
    page.fill("#id_decision_date", "2025-03-02")
    save(page)
    title = HamletTitle.objects.get()
    expect(page.locator(f"#hamlet-titles-{title.pk}")).to_contain_text("45/QĐ-UBND")

    page.locator("form[data-bulk='submit'] button").click()
    expect(page.locator(".message.success")).to_be_visible()
    expect(page.locator(f"#fundings-{funding.pk}")).to_have_attribute("data-status", "submitted")
    screenshot("submitted")
    assert {Funding.objects.get().status, HamletTitle.objects.get().status} == {"submitted"}
    expect(page.locator("[data-total='resources']")).to_have_text("0")  # approved ones only

    log_in(page, "approver_74")
    page.goto("/programme/")
    row = page.locator(f"#fundings-{funding.pk}")
    expect(row.locator("form[data-step='submit']")).to_have_count(0)
    row.locator("form[data-step='approve'] button").click()
    expect(page.locator(f"#fundings-{funding.pk}")).to_have_attribute("data-status", "approved")
    page.locator("form[data-bulk='approve'] button").click()
    expect(page.locator(f"#hamlet-titles-{title.pk}")).to_have_attribute("data-status", "approved")

    expect(page.locator("[data-total='resources']")).to_have_text("1250,5")
    expect(page.locator("[data-total='budget-share']")).to_have_text("100 %")
    expect(page.locator("[data-total='model-areas']")).to_have_text("1")
    expect(page.locator("table.summary-titles")).to_contain_text("Thành phố Tân Uyên")
    screenshot("approved")

    funding, title = Funding.objects.get(), HamletTitle.objects.get()
    assert (funding.status, funding.amount, funding.year) == ("approved", Decimal("1250.5"), YEAR)
    assert (title.status, title.holder, title.commune.code) == ("approved", "Ấp Bình Cơ", "25930")
    steps = Step.objects.order_by("record_type", "pk")
    assert [(s.record_type, s.action, s.user.username) for s in steps] == [
        ("funding", "submit", "officer_74"),
        ("funding", "approve", "approver_74"),
        ("hamlettitle", "submit", "officer_74"),
        ("hamlettitle", "approve", "approver_74"),
    ]

    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("phone")
