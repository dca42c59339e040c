"""A threshold typed by hand is checked before it is saved (criteria.services.thresholds),
in admin as everywhere: a wrong region, a year outside the set, a percentage of 150, a relative
threshold to a yes/no indicator, to itself or in a cycle, two rows for the same scope and
years: each is refused at its field with the reason, and nothing is written."""

import html
import re
from decimal import Decimal

import pytest

from criteria.models import Indicator, Threshold

ADD = "/admin/criteria/threshold/add/"


def _indicator(level, code):
    return Indicator.objects.get(criterion__level__code=level, code=code)


def _post(admin_client, indicator, **fields):
    data = {
        "indicator": indicator.pk,
        "scope": "national",
        "class_value": "",
        "province": "",
        "value": "",
        "relative_to": "",
        "factor": "",
        "first_year": "",
        "last_year": "",
        "source": "typed by hand",
        **fields,
    }
    return admin_client.post(ADD, data, headers={"accept-language": "en"})


def _errors(response) -> str:
    found = re.findall(
        r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
    )
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", e) for e in found))


@pytest.mark.parametrize(
    ("level", "code", "fields", "message"),
    [
        (
            "standard",
            "1.1",
            {"scope": "class", "class_value": "DBSH", "value": "45"},
            "“DBSH” is not one of the set's classes",
        ),
        (
            "standard",
            "1.1",
            {"value": "45", "first_year": "1900"},
            "The year must fall within the set's period, 2021-2025.",
        ),
        (
            "standard",
            "2.1",
            {"value": "150", "first_year": "2024"},
            "A percentage is between 0 and 100.",
        ),
        ("standard", "1.1", {"value": "-3", "first_year": "2024"}, "The value cannot be negative."),
        ("standard", "3.1", {"value": "1"}, "A yes/no indicator takes no threshold"),
        (
            "advanced",
            "1.1",
            {"relative_to": "plan", "factor": "1.1", "first_year": "2024"},
            "Only a numeric indicator's threshold can be scaled.",
        ),
        (
            "advanced",
            "1.1",
            {"relative_to": "self", "factor": "1.1", "first_year": "2024"},
            "A threshold cannot be relative to its own indicator.",
        ),
        (
            "standard",
            "1.1",
            {"value": "45", "first_year": "2023", "last_year": "2024"},
            "Another threshold of this indicator at this scope covers some of these years",
        ),
    ],
)
def test_a_bad_threshold_is_refused_at_its_field(
    admin_client, small_set, level, code, fields, message
):
    indicator = _indicator(level, code)
    if fields.get("relative_to") == "plan":
        fields["relative_to"] = _indicator("standard", "3.1").pk
    elif fields.get("relative_to") == "self":
        fields["relative_to"] = indicator.pk
    before = Threshold.objects.count()
    response = _post(admin_client, indicator, **fields)
    assert response.status_code == 200
    assert message in _errors(response)
    assert Threshold.objects.count() == before


def test_a_cycle_is_refused_and_a_sound_relative_threshold_is_saved(admin_client, small_set):
    standard, advanced = _indicator("standard", "1.1"), _indicator("advanced", "1.1")
    Threshold.objects.filter(indicator=advanced).delete()
    saved = _post(admin_client, advanced, relative_to=standard.pk, factor="1.2")
    assert saved.status_code == 302
    assert Threshold.objects.get(indicator=advanced).factor == Decimal("1.2")
    Threshold.objects.filter(indicator=standard).delete()
    refused = _post(admin_client, standard, relative_to=advanced.pk, factor="0.9")
    assert "form a cycle" in _errors(refused)
    assert not Threshold.objects.filter(indicator=standard).exists()


def test_a_new_row_after_the_old_one_ends_is_an_amendment(admin_client, small_set):
    income = _indicator("standard", "1.1")
    Threshold.objects.filter(indicator=income, scope="national").update(last_year=2023)
    response = _post(admin_client, income, value="45", first_year="2024")
    assert response.status_code == 302
    assert sorted(
        Threshold.objects.filter(indicator=income, scope="national").values_list(
            "first_year", "value"
        )
    ) == [(2021, Decimal("40.0000")), (2024, Decimal("45.0000"))]


def test_every_change_of_a_threshold_is_on_record(admin_client, admin_user, small_set):
    income = _indicator("standard", "1.1")
    row = Threshold.objects.get(indicator=income, scope="national")
    data = {
        "indicator": income.pk,
        "scope": "national",
        "value": "42",
        "first_year": "2021",
        "source": "Quyết định 318/QĐ-TTg",
        "class_value": "",
        "province": "",
        "relative_to": "",
        "factor": "",
        "last_year": "",
    }
    response = admin_client.post(f"/admin/criteria/threshold/{row.pk}/change/", data)
    assert response.status_code == 302
    latest, before = row.history.order_by("-history_date", "-history_id")[:2]
    assert (before.value, latest.value) == (Decimal("40.0000"), Decimal("42.0000"))
    assert latest.history_user == admin_user and latest.history_type == "~"
    history = admin_client.get(f"/admin/criteria/threshold/{row.pk}/history/")
    assert history.status_code == 200 and "admin" in history.content.decode()
