"""The entry page fitted to the work (#15 item 6): after a refused save a list leads to each
field in error."""

import re

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
