"""A reviewer finds things in the admin the way people type: every list with a name is
searched with and without diacritics; a commune's page links to its assessments,
recognitions and OCOP records, and those link back; the lists read names, not codes."""

import re
from html import unescape

import pytest

from communes.text import fold
from criteria.models import Indicator, Measure
from tests.accounts.test_admin_scope import _work_of, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(small_set, bach_dang, lang_son_commune):
    Measure.objects.filter(code="income").update(name_vi="Thu nhập bình quân đầu người")
    Indicator.objects.filter(code="1.1").update(name_vi="Thu nhập bình quân đầu người")
    return {"74": _work_of(bach_dang, small_set, 1), "20": _work_of(lang_son_commune, small_set, 2)}


def _listed(response) -> set:
    return {obj.pk for obj in response.context["cl"].result_list}


# list -> (what a reviewer types, with its diacritics, and how to find the row it must find)
SEARCHES = {
    "communes/commune": ("Bạch Đằng", lambda w: w["74"]["criteria/assessment"].commune),
    "communes/province": ("Bình Dương", lambda w: w["74"]["criteria/yearclosure"].province),
    "communes/district": (
        "Tân Uyên",
        lambda w: w["74"]["criteria/assessment"].commune.district,
    ),
    "criteria/criteriaset": ("Bộ thử", lambda w: w["74"]["criteria/assessment"].criteria_set),
    "criteria/level": (
        "Nâng cao",
        lambda w: w["74"]["criteria/target"].level.criteria_set.levels.get(code="advanced"),
    ),
    "criteria/criterion": ("Tiêu chí 1", None),
    "criteria/measure": ("Thu nhập bình quân", lambda w: Measure.objects.get(code="income")),
    "criteria/indicator": ("thu nhập bình quân", None),
    "criteria/assessment": ("Bạch Đằng", lambda w: w["74"]["criteria/assessment"]),
    "criteria/assessmentvalue": ("Bạch Đằng", lambda w: w["74"]["criteria/assessmentvalue"]),
    "criteria/evidence": ("Bạch Đằng", lambda w: w["74"]["criteria/evidence"]),
    "criteria/recognition": ("Bạch Đằng", lambda w: w["74"]["criteria/recognition"]),
    "criteria/target": ("Bình Dương", lambda w: w["74"]["criteria/target"]),
    "criteria/yearclosure": ("Bình Dương", lambda w: w["74"]["criteria/yearclosure"]),
    "criteria/closureexception": ("Bạch Đằng", lambda w: w["74"]["criteria/closureexception"]),
    "ocop/producer": ("HTX 1", lambda w: w["74"]["ocop/producer"]),
    "ocop/product": ("Sản phẩm 1", lambda w: w["74"]["ocop/product"]),
    "ocop/evaluation": ("Sản phẩm 1", lambda w: w["74"]["ocop/evaluation"]),
}


@pytest.mark.parametrize("model", SEARCHES)
def test_every_list_with_a_name_finds_it_with_andfold(client, cast, work, model):
    client.force_login(staff(cast.national))
    typed, expected = SEARCHES[model]
    for term in (typed, fold(typed), fold(typed).upper()):
        listed = _listed(client.get(f"/admin/{model}/", {"q": term}))
        assert listed, f"{model}: nothing found for {term!r}"
        if expected is not None:
            assert expected(work).pk in listed, f"{model}: {term!r}"
    assert not _listed(client.get(f"/admin/{model}/", {"q": "khong co ten nay"}))


def test_a_commune_links_to_its_records_and_they_link_back(client, cast, work):
    client.force_login(staff(cast.national))
    assessment = work["74"]["criteria/assessment"]
    commune = assessment.commune
    page = client.get(f"/admin/communes/commune/{commune.pk}/change/").content.decode()
    links = dict(
        (label, unescape(url))
        for url, label in re.findall(r'<a href="(/admin/[^"]+\?[^"]+)">([^<]+)</a>', page)
    )
    expected = {
        "Assessments": assessment,
        "Recognitions": work["74"]["criteria/recognition"],
        "OCOP producers": work["74"]["ocop/producer"],
        "OCOP products": work["74"]["ocop/product"],
    }
    for label, row in expected.items():
        matching = [url for name, url in links.items() if name.startswith(label)]
        assert matching, f"no link to {label} in {sorted(links)}"
        assert _listed(client.get(matching[0])) == {row.pk}  # this commune's, not the other
    back = client.get(f"/admin/criteria/assessment/{assessment.pk}/change/").content.decode()
    assert f'href="/admin/communes/commune/{commune.pk}/change/"' in back


def test_an_approver_follows_a_link_to_another_province_and_finds_nothing(client, cast, work):
    client.force_login(staff(cast.approver_74))
    other = work["20"]["criteria/assessment"].commune
    page = client.get(f"/admin/communes/commune/{other.pk}/change/")
    assert page.status_code == 200  # the map is reference data, read by every reviewer
    url = f"/admin/criteria/assessment/?commune__id__exact={other.pk}"
    assert _listed(client.get(url)) == set()


def test_lists_read_names_and_numbers_not_codes(client, cast, work):
    client.force_login(staff(cast.national))
    thresholds = client.get("/admin/criteria/threshold/").content.decode()
    assert "≥ 50 triệu đồng/người/năm" in thresholds and "50.0000" not in thresholds
    assessments = client.get("/admin/criteria/assessment/").content.decode()
    table = re.search(r'<table id="result_list">.*?</table>', assessments, re.S).group(0)
    assert "No level reached" in table and ">none<" not in table
    level_filter = client.get("/admin/criteria/assessment/", {"level": "none"})
    assert _listed(level_filter) == {work[p]["criteria/assessment"].pk for p in ("74", "20")}


def test_the_selected_assessments_export_as_the_csv_the_import_reads(client, cast, work):
    client.force_login(staff(cast.approver_74))
    mine, other = work["74"]["criteria/assessment"], work["20"]["criteria/assessment"]
    response = client.post(
        "/admin/criteria/assessment/",
        {"action": "export_selected", "_selected_action": [mine.pk, other.pk]},
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    # The other province's assessment is not among the approver's rows: not exported.
    assert lines == [
        "commune_code,year,measure_code,value,note",
        f"{mine.commune.code},2023,plan,1,",
    ]
