"""An administrator finds a commune in admin; a dashboard developer reads the API docs."""

import pytest
from django.contrib.auth import get_user_model

from communes.services import load_admin_units

pytestmark = pytest.mark.e2e


@pytest.fixture
def binh_duong(transactional_db):
    # Live-server tests flush the database after each test, so each loads what it shows.
    load_admin_units(structure="2021", provinces=["74"])


def test_admin_finds_bach_dang_without_diacritics(page, binh_duong, screenshot):
    get_user_model().objects.create_superuser("admin", "admin@example.org", "a-long-pass-phrase")
    page.goto("/admin/login/?next=/admin/communes/commune/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "a-long-pass-phrase")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/communes/commune/")
    page.fill("#searchbar", "bach dang")
    page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    assert "Xã Bạch Đằng" in rows.first.inner_text()
    assert "Thành phố Tân Uyên" in rows.first.inner_text()
    screenshot("search")


def test_api_docs_render_from_local_assets(page, binh_duong, screenshot):
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto("/api/docs/")
    page.get_by_text("/api/v1/communes/{code}/").first.wait_for()
    assert page.locator(".opblock").count() >= 6
    assert failed == []
    screenshot("docs")
