"""Every unit carries its sort key (communes.text.sort_key): set by save(), by the loader and,
for the rows loaded before the key existed, by the migration; the admin sorts its name column
by it, so "Thành phố Hà Nội" stands among the "Tỉnh Hà …" rather than before every province."""

import importlib

import pytest
from django.apps import apps

from communes.models import Commune, District, Province
from communes.text import sort_key

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Province, District, Commune])
def test_every_loaded_unit_has_its_key(model):
    assert model.objects.exists()
    for name, key in model.objects.values_list("name", "sort_key"):
        assert key == sort_key(name), name


def test_save_keeps_the_key_in_step_with_the_name():
    province = Province.objects.get(structure="2021", code="01")
    province.name = "Thành phố Đà Lạt"
    province.save()
    province.refresh_from_db()
    assert province.sort_key == sort_key("Đà Lạt")


def test_the_migration_fills_the_keys_of_existing_rows():
    migration = importlib.import_module("communes.migrations.0003_unit_sort_key")
    Commune.objects.filter(province__code="74", structure="2021").update(sort_key="")
    Province.objects.update(sort_key="")
    migration.fill_sort_keys(apps, None)
    assert not Province.objects.filter(sort_key="").exists()
    assert not Commune.objects.filter(sort_key="").exists()
    hanoi = Province.objects.get(structure="2021", code="01")
    assert hanoi.sort_key == sort_key("Hà Nội")


def _sorted_by_name(admin_client, url: str, **filters) -> list[str]:
    first = admin_client.get(url, filters)
    column = first.context["cl"].list_display.index("unit_name")
    response = admin_client.get(url, {**filters, "o": str(column), "all": ""})
    assert response.status_code == 200
    return [unit.name for unit in response.context["cl"].result_list]


def test_the_admin_sorts_provinces_by_name_without_the_prefix(admin_client):
    names = _sorted_by_name(admin_client, "/admin/communes/province/", structure__exact="2021")
    assert len(names) == 63
    assert names == sorted(names, key=sort_key)
    start = names.index("Tỉnh Hà Giang")
    assert names[start : start + 4] == [
        "Tỉnh Hà Giang",
        "Tỉnh Hà Nam",
        "Thành phố Hà Nội",
        "Tỉnh Hà Tĩnh",
    ]
    assert names[0] == "Tỉnh An Giang"


def test_the_admin_sorts_districts_and_communes_by_name_too(admin_client):
    province = Province.objects.get(structure="2021", code="74")
    districts = _sorted_by_name(
        admin_client, "/admin/communes/district/", province__id__exact=province.pk
    )
    assert districts == sorted(districts, key=sort_key)
    assert districts != sorted(districts)  # "Huyện …", "Thành phố …", "Thị xã …" mixed
    communes = _sorted_by_name(
        admin_client, "/admin/communes/commune/", province__id__exact=province.pk
    )
    assert communes == sorted(communes, key=sort_key)
    assert len(communes) == Commune.objects.filter(province=province).count()


def test_the_admin_lists_by_code_until_a_column_is_chosen(admin_client):
    response = admin_client.get("/admin/communes/province/", {"structure__exact": "2021"})
    codes = [p.code for p in response.context["cl"].result_list]
    assert codes == sorted(codes)
