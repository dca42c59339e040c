"""The programme records in admin: listed with their history, never written there."""

import pytest

from programme.models import HamletTitle

pytestmark = pytest.mark.django_db


@pytest.fixture
def title(api, cast, kinds, lang_son):
    body = {
        "kind": "model_garden",
        "commune": lang_son[0].code,
        "year": 2021,
        "holder": "Hộ ông Hoàng Văn A",
        "decision_number": "45/QĐ-UBND",
        "decision_date": "2021-12-01",
    }
    response = api(cast.officer_20).post("/api/v1/programme/hamlet-titles/", body, format="json")
    return HamletTitle.objects.get(pk=response.json()["id"])


@pytest.mark.parametrize(
    "name",
    ["funding", "work", "productionmodel", "hamlettitle", "yearplan", "historicalfigure", "step"],
)
def test_each_list_opens(admin_client, title, name):
    response = admin_client.get(f"/admin/programme/{name}/")
    assert response.status_code == 200


def test_a_record_shows_its_history_and_cannot_be_changed(admin_client, title):
    history = admin_client.get(f"/admin/programme/hamlettitle/{title.pk}/history/")
    assert "Hộ ông Hoàng Văn A" in history.content.decode()
    page = admin_client.get(f"/admin/programme/hamlettitle/{title.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get("/admin/programme/hamlettitle/add/").status_code == 403


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_an_approver_reads_its_province_records_and_not_the_steps(client, cast, title):
    client.force_login(_staff(cast.approver_20))
    listed = client.get("/admin/programme/hamlettitle/").context["cl"].result_list
    assert [t.pk for t in listed] == [title.pk]
    assert client.get(f"/admin/programme/hamlettitle/{title.pk}/change/").status_code == 200
    # The workflow steps name staff and comments of every province: the national office only.
    assert client.get("/admin/programme/step/").status_code == 403


def test_another_provinces_approver_finds_nothing(client, cast, title):
    client.force_login(_staff(cast.approver_74))
    assert not client.get("/admin/programme/hamlettitle/").context["cl"].result_list
    assert client.get(f"/admin/programme/hamlettitle/{title.pk}/change/").status_code == 404


def test_the_national_office_reads_the_steps(client, cast, title):
    client.force_login(_staff(cast.national))
    assert client.get("/admin/programme/step/").status_code == 200
