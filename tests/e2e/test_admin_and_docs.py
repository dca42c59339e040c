"""An administrator finds a commune in admin; a dashboard developer reads the API docs."""

import pytest
from django.contrib.auth import get_user_model

from communes.services import available_structures, load_admin_units

pytestmark = pytest.mark.e2e


@pytest.fixture
def country(transactional_db):
    # Live-server tests empty the database after each test, so each loads what it shows
    # (idempotent: a no-op when the session's copy is still there): both structures, as the
    # portal holds them.
    for structure in available_structures():
        load_admin_units(structure=structure)


def test_admin_finds_bach_dang_without_diacritics(page, country, screenshot):
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
    texts = rows.all_inner_texts()
    # Four xã and two phường are named Bạch Đằng on the old map, a xã and a phường on the new.
    assert len(texts) == 8
    assert sum("Đến 30/6/2025" in text for text in texts) == 6
    assert all("Bạch Đằng" in text for text in texts)
    binh_duong = [text for text in texts if "25930" in text]
    assert len(binh_duong) == 1
    assert "Thành phố Tân Uyên" in binh_duong[0]
    assert "Tỉnh Bình Dương" in binh_duong[0]
    screenshot("search")


def test_api_docs_render_from_local_assets(page, country, screenshot):
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto("/api/docs/")
    page.get_by_text("/api/v1/communes/{code}/").first.wait_for()
    assert page.locator(".opblock").count() >= 6
    assert failed == []
    screenshot("docs")
