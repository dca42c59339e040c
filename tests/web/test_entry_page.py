"""The entry page fitted to the work (#15 item 6): after a refused save a list leads to each
field in error."""

import re

from criteria.models import YearClosure
from tests.web.test_assessment_pages import (
    PAGE,
    _form_data,
    _vietnamese_by_default,
    as_user,
    draft,
    text,
)

# The fixtures shared with the assessment pages' tests (the page in Vietnamese, a draft).
__all__ = ["_vietnamese_by_default", "draft"]


def test_a_refused_save_lists_each_field_in_error_with_a_link_to_it(client, cast, draft):
    as_user(client, cast.officer_74)
    data = _form_data(client.get(PAGE)) | {
        "income": "abc",
        "irrigation": "180",
        "crafts__na": "on",
    }
    response = client.post(PAGE, data)
    assert response.status_code == 400
    body = response.content.decode()
    summary = re.search(r'<ol class="error-links".*?</ol>', body, re.S).group(0)
    links = re.findall(r'<a href="#([^"]+)">', summary)
    # In the order of the page, each to an input that exists.
    assert links == ["id_income", "id_irrigation", "id_crafts"]
    for anchor in links:
        assert f'id="{anchor}"' in body
    assert "Tỷ lệ phần trăm phải từ 0 đến 100." in text(response)


def test_a_saved_page_has_no_list_of_errors(client, cast, draft):
    as_user(client, cast.officer_74)
    response = client.get(PAGE)
    assert 'class="error-links"' not in response.content.decode()


# --- closing a year asks first ---------------------------------------------------------------

YEAR_2023 = "/approvals/2021/74/2023/"


def test_closing_a_year_asks_for_confirmation_first(client, cast, draft):
    as_user(client, cast.approver_74)
    page = client.get("/approvals/").content.decode()
    assert f'action="{YEAR_2023}close/confirm/"' in page  # the panel's button asks first

    response = client.post(f"{YEAR_2023}close/confirm/", {"note": "Hết hạn 31/12"})
    assert response.status_code == 200
    shown = text(response)
    assert not YearClosure.objects.exists()  # asking closes nothing
    assert "Hết hạn 31/12" in shown
    assert re.search(r'id="closing-warning"', response.content.decode())  # the draft
    body = response.content.decode()
    assert f'action="{YEAR_2023}close/"' in body
    assert '<input type="hidden" name="note" value="Hết hạn 31/12">' in body

    response = client.post(f"{YEAR_2023}close/", {"note": "Hết hạn 31/12"})
    assert response["Location"] == "/approvals/?province=2021-74#closure-2023"
    assert YearClosure.objects.get().note == "Hết hạn 31/12"


def test_only_the_province_approver_is_asked(client, cast, draft):
    as_user(client, cast.officer_74)
    assert client.post(f"{YEAR_2023}close/confirm/", {}).status_code == 403
    as_user(client, cast.approver_20)
    assert client.post(f"{YEAR_2023}close/confirm/", {}).status_code == 404
    assert not YearClosure.objects.exists()
