"""Thresholds and commune classes change only through their services (editions, bulk class
assignments), which check, record and rescore: Django admin shows them, searches them and their
history, and writes none of them."""

import pytest

from criteria.models import CommuneClass, Indicator, Threshold


def _row(small_set) -> Threshold:
    income = Indicator.objects.get(criterion__level__code="standard", code="1.1")
    return Threshold.objects.get(indicator=income, scope="national")


def test_admin_shows_thresholds_but_cannot_add_change_or_delete_them(admin_client, small_set):
    row = _row(small_set)
    assert admin_client.get("/admin/criteria/threshold/add/").status_code == 403
    response = admin_client.post(
        f"/admin/criteria/threshold/{row.pk}/change/", {"value": "99", "source": "typed"}
    )
    assert response.status_code == 403
    assert admin_client.post(f"/admin/criteria/threshold/{row.pk}/delete/").status_code == 403
    row.refresh_from_db()
    assert row.value == 40
    page = admin_client.get(f"/admin/criteria/threshold/{row.pk}/change/")
    assert page.status_code == 200 and 'name="value"' not in page.content.decode()


def test_an_indicators_thresholds_are_read_only_in_its_admin_page(admin_client, small_set):
    income = _row(small_set).indicator
    page = admin_client.get(f"/admin/criteria/indicator/{income.pk}/change/").content.decode()
    assert "thresholds-TOTAL_FORMS" not in page or 'name="thresholds-0-value"' not in page


@pytest.mark.parametrize("url", ["/admin/criteria/communeclass/add/"])
def test_commune_classes_are_not_written_in_admin(admin_client, small_set, url):
    assert admin_client.get(url).status_code == 403
    assert not CommuneClass.objects.exists()


def test_a_thresholds_history_is_readable_in_admin(admin_client, small_set):
    row = _row(small_set)
    history = admin_client.get(f"/admin/criteria/threshold/{row.pk}/history/")
    assert history.status_code == 200


def test_editions_are_listed_in_admin_with_their_changes(admin_client, small_set):
    from tests.criteria.builders import first_edition

    edition = first_edition(small_set)
    listing = admin_client.get("/admin/criteria/edition/").content.decode()
    assert "1/QĐ-TEST" in listing
    assert admin_client.get(f"/admin/criteria/edition/{edition.pk}/change/").status_code == 200
    assert admin_client.get("/admin/criteria/edition/add/").status_code == 403
